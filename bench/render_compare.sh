#!/bin/sh
# Frames per second of one mesh (icosahedron subdivided LEVELS times: 7 is
# fsaverage's 327,680 triangles) drawn through NeuroLoupe's Qt bridge
# (SurfaceLayer with an overlay) and by a plain VTK render window
# (vtkPolyDataMapper, the same mesh and scalars), each side in its own process
# of neuroloupe_bench_render under Xvfb (Mesa llvmpipe), FRAMES frames of a 2°
# azimuth turn at 1000x800. Prints both, then a RESULT line
# (bench/result.sh) for bench/run-all: seconds per frame and each peak RSS.
#   bench/render_compare.sh BUILD_DIR [LEVELS] [FRAMES]
set -eu
build=${1:?usage: render_compare.sh BUILD_DIR [LEVELS] [FRAMES]}
levels=${2:-7}
frames=${3:-40}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/result.sh"
bench="$build/bin/neuroloupe_bench_render"
[ -x "$bench" ] || { skip_row render "no $bench (NEUROLOUPE_BUILD_GUI off?)"; exit 0; }
command -v xvfb-run >/dev/null || { skip_row render "xvfb-run absent (apt-get install xvfb xauth)"; exit 0; }
# An older bench has no --mesh mode and would run its whole (long) program.
grep -q -a -- '--mesh qt|plain' "$bench" ||
  { skip_row render "this neuroloupe_bench_render has no --mesh mode (rebuild it)"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out".*' EXIT
for side in qt plain; do
  # xvfb-run's own Xvfb is not in the measured process: time wraps the bench.
  if ! xvfb-run -a -s "-screen 0 1600x1200x24" /usr/bin/env sh -c \
      '. "$1"; shift; peak_run "$@"' sh "$here/result.sh" "$out.$side.kb" \
      "$bench" --mesh "$side" "$levels" "$frames" >"$out.$side" 2>"$out.$side.err"; then
    skip_row render "the $side side failed: $(tail -1 "$out.$side.err")"
    exit 0
  fi
done
value() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
qt=$(value "$out.qt" fps) plain=$(value "$out.plain" fps)
triangles=$(value "$out.qt" triangles)
echo "mesh: $triangles triangles, $frames frames at $(value "$out.qt" size)"
echo "Qt bridge: $qt frames/s   plain VTK: $plain frames/s"
awk -v q="$qt" -v p="$plain" -v t="$triangles" -v f="$frames" \
    -v omb="$(mb_of "$out.qt.kb")" -v pmb="$(mb_of "$out.plain.kb")" 'BEGIN {
  printf "RESULT render %dtri,%dfr %.5f %.5f %s %s seconds per frame, Qt bridge vs plain vtkRenderWindow (llvmpipe under Xvfb); %.1f vs %.1f fps\n",
    t, f, 1 / q, 1 / p, omb, pmb, q, p }'
