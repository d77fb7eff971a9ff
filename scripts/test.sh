#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite:
# installs dependencies, builds (warnings are errors), runs ctest under Xvfb.
# Input files are never modified: the fixtures' checksums before and after
# the suite must be equal. Then the reader fuzzers (tests/fuzz/run.sh: clang,
# libFuzzer, ASan + UBSan) replay their regressions and seed corpus and
# mutate each format for a bounded time (NEUROLOUPE_FUZZ_SECONDS per format,
# default 6); NEUROLOUPE_SKIP_FUZZ=1 skips them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
fixtures="${NEUROLOUPE_FIXTURES:-../shared/fixtures}"
checksums() { (cd "$fixtures" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
before=""
if [ -d "$fixtures" ]; then before=$(checksums); fi
status=0
# A partial run (ctest arguments given) is for iterating: no fuzzing then.
fuzz=0
if [ $# -eq 0 ] && [ "${NEUROLOUPE_SKIP_FUZZ:-0}" != 1 ]; then fuzz=1; fi
if [ $fuzz = 1 ]; then
  # The fuzzers' clang build runs beside the suite, at low priority: much of
  # the suite waits on processes, windows and files, and leaves a core idle.
  ( nice -n 19 bash -c 'cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j"$(nproc)"' \
      >build/fuzz-build.log 2>&1; echo $? >build/fuzz-build.status ) &
  fuzz_build=$!
fi
# GUI tests need an X server with GLX (Mesa llvmpipe); one serves all tests.
xvfb-run -a -s "-screen 0 3200x2000x24" ctest --preset ci "$@" || status=$?
if [ -d "$fixtures" ]; then
  if ! changed=$(diff <(echo "$before") <(checksums)); then
    echo "test: the suite modified input files under $fixtures:"
    echo "$changed" | grep '^[<>]' | sed 's/^/  /'
    status=1
  else
    echo "test: $(echo "$before" | grep -c .) input files under $fixtures unchanged (sha256)"
  fi
fi
if [ $fuzz = 1 ]; then
  fuzz_start=$(date +%s)
  wait "$fuzz_build" || true
  if [ "$(cat build/fuzz-build.status 2>/dev/null)" != 0 ]; then
    echo "test: the fuzzers did not build:"
    tail -30 build/fuzz-build.log
    status=1
  else
    NEUROLOUPE_FUZZ_BUILT=1 NEUROLOUPE_FUZZ_SECONDS="${NEUROLOUPE_FUZZ_SECONDS:-6}" \
      bash tests/fuzz/run.sh 20000 || status=1
  fi
  echo "test: fuzz step took $(( $(date +%s) - fuzz_start )) s after the suite"
fi
exit $status
