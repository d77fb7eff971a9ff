#!/usr/bin/env bash
# Rendering speed through the Qt bridge vs a plain VTK window (needs a display).
set -euo pipefail
build="${1:-build/ci}"
# Further arguments go to the bench: --cortex (only the level-of-detail
# comparison), --cortex-one (one hemisphere at 1000x800), then a fixtures folder.
exec xvfb-run -a -s "-screen 0 1600x1200x24" "$build/bin/neuroloupe_bench_render" "${@:2}"
