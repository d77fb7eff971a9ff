# Shared by demo.sh and test.sh: install dependencies, configure and build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/neuroloupe-ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-3G}"
# Paths inside the checkout are hashed relative to it, so a second clone or a
# worktree of the same code hits the cache (tests get their absolute paths
# from one generated file per target: cmake/TestPaths.cmake).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$(nproc)"
