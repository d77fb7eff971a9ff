#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the app on its demo:
# installs dependencies, builds, and opens NeuroLoupe with --demo.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display; running under xvfb-run and writing neuroloupe-demo.png" >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" build/ci/bin/neuroloupe --demo \
    --screenshot neuroloupe-demo.png --quit-after 3000 "$@"
fi
exec build/ci/bin/neuroloupe --demo "$@"
