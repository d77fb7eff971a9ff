#!/usr/bin/python3
# One-byte mutants of an HDF5 file, each walked by neuroloupe-h5probe: prints
# the mutants on which libhdf5 crashes or does not finish (kept in
# build/hdf5-mutants/), for docs/RELIABILITY.md and regression tests.
#   scripts/hdf5_mutants.py FILE COUNT [SEED]
import os, random, subprocess, sys
os.makedirs('build/hdf5-mutants', exist_ok=True)
src = sys.argv[1]; n = int(sys.argv[2]); seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
data = bytearray(open(src,'rb').read())
rng = random.Random(seed)
found = 0
for i in range(n):
    m = bytearray(data)
    off = rng.randrange(0, len(m))
    m[off] = rng.randrange(256)
    path = 'build/hdf5-mutants/cur.h5'
    open(path,'wb').write(m)
    try:
        r = subprocess.run(['build/ci/lib/neuroloupe/neuroloupe-h5probe', path], timeout=10, capture_output=True)
        rc = r.returncode
    except subprocess.TimeoutExpired:
        rc = 'timeout'
    if rc not in (0, 1):
        found += 1
        out = f'build/hdf5-mutants/crash_{rc}_{off}_{m[off]}.h5'
        os.rename(path, out)
        print(rc, off, m[off], out, flush=True)
print('found', found)
