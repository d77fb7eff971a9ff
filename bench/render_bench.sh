#!/usr/bin/env bash
# Rendering speed through the Qt bridge vs a plain VTK window (needs a display).
set -euo pipefail
build="${1:-build/ci}"
exec xvfb-run -a -s "-screen 0 1600x1200x24" "$build/bin/neuroloupe_bench_render"
