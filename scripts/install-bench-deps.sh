#!/usr/bin/env bash
# The peers bench/ runs side by side with NeuroLoupe (Debian's /usr/bin/python3
# with NumPy on OpenBLAS, SciPy, h5py, PyTorch, graph-tool). Not needed to
# build or test; bench scripts skip a row whose peer is missing.
set -euo pipefail
packages=(python3-numpy python3-scipy python3-h5py python3-torch python3-graph-tool libopenblas0
          hyperfine linux-perf)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-bench-deps: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
