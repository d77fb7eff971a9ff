#!/usr/bin/env bash
# The planner page's frames per second on llvmpipe (needs a display: Xvfb).
# Further arguments go to the bench (--levels, --frames, --sizes WxH,..., --snapshot DIR).
set -euo pipefail
build="${1:-build/ci}"
exec xvfb-run -a -s "-screen 0 1920x1200x24" "$build/bin/neuroloupe_bench_planner_render" "${@:2}"
