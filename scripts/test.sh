#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite:
# installs dependencies, builds (warnings are errors), runs ctest under Xvfb.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# GUI tests need an X server with GLX (Mesa llvmpipe); one serves all tests.
exec xvfb-run -a -s "-screen 0 3200x2000x24" ctest --preset ci "$@"
