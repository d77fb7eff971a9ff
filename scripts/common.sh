# Shared by demo.sh and test.sh: install dependencies, configure and build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/neuroloupe-ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-3G}"
cmake --preset ci >/dev/null
cmake --build --preset ci -j"$(nproc)"
