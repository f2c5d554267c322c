#!/usr/bin/env bash
# Installs what Viscera needs from Debian 12's archive, and only what is missing (idempotent).
#   scripts/install-deps.sh          build + run (the demo)
#   scripts/install-deps.sh --test   also the test suite's outside truths, fuzzing and benchmarks
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config git
  libgdcm-dev                        # DICOM data dictionary
  libopenjp2-7-dev libcharls-dev     # JPEG 2000 and JPEG-LS decoders
  libnifti2-dev zlib1g-dev           # NIfTI reference library
  libcli11-dev nlohmann-json3-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format   # libFuzzer targets, formatting check
  python3-nibabel python3-pydicom python3-numpy python3-pil  # outside truth (pil: pydicom's JPEG 2000)
  python3-vtk9 plastimatch           # MetaImage readers as outside truth
  dcmtk libgdcm-tools                # outside encoders for the codec tests
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then packages+=("${test_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: need root to install packages (run as root or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
