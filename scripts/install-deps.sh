#!/usr/bin/env bash
# Installs every build, test and packaging dependency of NeuroLoupe by Debian 12
# package name. A no-op (no apt-get at all) when everything is already present.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git dpkg-dev file
  # Qt 6
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev libqt6opengl6-dev
  qt6-qpa-plugins libxkbcommon-dev libgl-dev libgl1-mesa-dri libglx-mesa0
  # VTK 9.1 (rendering core only; its Qt 5 module is not used)
  libvtk9-dev
  # science and I/O
  libhdf5-dev libeigen3-dev libopenblas-dev liblapacke-dev nlohmann-json3-dev libvalijson-dev libcli11-dev libtbb-dev libigraph-dev
  zlib1g-dev libzstd-dev libblosc-dev libtiff-dev libmatio-dev libexpat1-dev
  # PNG and JPEG task images (io/image)
  libpng-dev libjpeg62-turbo-dev
  # neuroloupe-cli batch across MPI ranks (NEUROLOUPE_MPI; mpirun in the tests)
  libopenmpi-dev openmpi-bin
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev xvfb xauth fonts-dejavu-core appstream time
  # the reader fuzzers (tests/fuzz: clang's libFuzzer, ASan and UBSan runtimes)
  clang-14 libclang-rt-14-dev
  # interoperability checks against what others wrote (h5py reads our result files)
  python3-h5py
  # bench/run-all: the peers each row is measured against (Debian's /usr/bin/python3)
  python3-numpy python3-scipy python3-nibabel python3-torch python3-graph-tool
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
