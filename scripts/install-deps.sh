#!/usr/bin/env bash
# Installs what Viscera needs from Debian 12's archive, and only what is missing (idempotent).
#   scripts/install-deps.sh          build + run (the demo)
#   scripts/install-deps.sh --test   also the test suite's outside truths, fuzzing and benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(
  build-essential cmake pkg-config git
  libgdcm-dev                        # DICOM data dictionary
  libopenjp2-7-dev libcharls-dev     # JPEG 2000 and JPEG-LS decoders
  libnifti2-dev zlib1g-dev           # NIfTI reference library
  libcli11-dev nlohmann-json3-dev
  libpng-dev                         # rendered frames
  libboost-dev                       # Beast/Asio: the HTTP + WebSocket server (header-only)
  libsqlite3-dev                     # dataset store
  libzip-dev                         # dataset uploads and exports
  libturbojpeg0-dev                  # streamed frames
  libtorch-dev                       # TorchScript runtime for segmentation (CPU)
  libopenblas0-openmp                # fast BLAS for libtorch: ~10x over the reference BLAS
  libpocketsphinx-dev pocketsphinx-en-us  # offline speech recognition (voice commands)
  libespeak-ng-dev                   # spoken replies
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format   # libFuzzer targets, formatting check
  python3-nibabel python3-pydicom python3-numpy python3-pil  # outside truth (pil: pydicom's JPEG 2000)
  python3-vtk9 plastimatch           # MetaImage readers as outside truth
  dcmtk libgdcm-tools                # outside encoders for the codec tests
  python3-torch                      # UNETR reference, model export, demo training, parity
  dicom3tools                        # dciodvfy: validates our DICOM SEG and RTSTRUCT
  xvfb xauth                         # X display for VTK's volume mappers in bench/render_vs_vtk.py
  chromium firefox-esr fonts-dejavu-core  # the dashboard's browser tests (web/tests)
  espeak-ng flite sox libsox-fmt-base # synthetic spoken commands + noise for the speech tests
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then packages+=("${test_packages[@]}"); fi

# libtorch calls the system BLAS: make it OpenBLAS (Debian's default can be the reference BLAS).
select_openblas() {
  local alt=libblas.so.3-x86_64-linux-gnu
  local openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
  if [[ -e $openblas ]] && ! update-alternatives --query "$alt" 2>/dev/null |
    grep -q "^Value: $openblas"; then
    if [[ $(id -u) -eq 0 ]]; then update-alternatives --set "$alt" "$openblas"; fi
  fi
  local lapack=/usr/lib/x86_64-linux-gnu/openblas-openmp/liblapack.so.3
  if [[ -e $lapack && $(id -u) -eq 0 ]]; then
    update-alternatives --set liblapack.so.3-x86_64-linux-gnu "$lapack" >/dev/null 2>&1 || true
  fi
}

# The dashboard's npm packages (web/package-lock.json), installed again only when the lock
# changes. Node.js and npm: the machine's, else Debian's.
install_web_packages() {
  local web=web lock_sum
  lock_sum=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
  if [[ -f $web/node_modules/.viscera-lock && $(cat "$web/node_modules/.viscera-lock") == "$lock_sum" ]]; then
    return
  fi
  echo "install-deps: npm ci in $web"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$web/node_modules/.viscera-lock"
}
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  select_openblas
  install_web_packages
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
select_openblas
install_web_packages
