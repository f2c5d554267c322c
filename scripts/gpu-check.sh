#!/usr/bin/env bash
# The checks that need an NVIDIA GPU: builds Viscera with CUDA, runs the CUDA renderer tests
# (CPU/CUDA image parity on a phantom and on the abdomen with organs), then prints CPU and CUDA
# frame times of `viscera render --repeat 20` on the abdomen and on a large chest CT.
#   scripts/gpu-check.sh
# Needs nvcc, a driver and Viscera's build dependencies (scripts/install-deps.sh --test).
# Environment:
#   VISCERA_SHARED_DATA      the shared data folder (default ../shared/data)
#   VISCERA_GPU_BUILD        build folder (default build/gpu-check)
#   VISCERA_GPU_SKIP_BUILD=1 reuse that build folder as it is
#   VISCERA_GPU_SIZE         frame size for the timings (default 512x512)
#   CMAKE_CUDA_ARCHITECTURES default "native": only this GPU's code, the fastest build
set -euo pipefail
cd "$(dirname "$0")/.."
data=${VISCERA_SHARED_DATA:-$(pwd)/../shared/data}
build=${VISCERA_GPU_BUILD:-build/gpu-check}
size=${VISCERA_GPU_SIZE:-512x512}
abdomen=$data/totalseg-example
chest=$data/lidc-idri-0314-chest/dicom

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader ||
  echo "gpu-check: nvidia-smi not found (the CUDA tests will say whether a device is usable)"

if [[ ${VISCERA_GPU_SKIP_BUILD:-0} != 1 ]]; then
  start=$SECONDS
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DVISCERA_CUDA=ON -DVISCERA_BUILD_BENCH=OFF \
    -DCMAKE_CUDA_ARCHITECTURES="${CMAKE_CUDA_ARCHITECTURES:-native}" \
    -DVISCERA_SHARED_DATA="$data" >/dev/null
  cmake --build "$build" -j "$(nproc)" --target viscera viscera_tests
  echo "gpu-check: built in $((SECONDS - start)) s"
fi
viscera=$build/src/cmd/viscera

echo "== CUDA renderer tests"
"$build/tests/viscera_tests" --gtest_filter='CudaRenderer*' --gtest_brief=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One line per device: mean/median/p95 frame time of 20 frames orbiting the patient.
timings() {
  local name=$1
  shift
  for device in cpu cuda; do
    local json
    json=$("$viscera" render "$@" --size "$size" --repeat 20 --device "$device" \
      -o "$tmp/$name-$device.png")
    python3 - "$name" "$device" "$json" <<'EOF'
import json, sys
name, device, r = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print("%-14s %-5s mean %8.2f ms  median %8.2f ms  p95 %8.2f ms  first %8.2f ms  (%.0f MiB of voxels)"
      % (name, device, r["mean_ms"], r["median_ms"], r["p95_ms"], r["first_ms"],
         r["volume_bytes"] / 2**20))
EOF
  done
}

echo "== frame times, $size, full quality"
timings abdomen "$abdomen/example_ct.nii.gz" --labels "$abdomen/example_seg_fast_force_split.nii.gz"
timings abdomen-cine "$abdomen/example_ct.nii.gz" \
  --labels "$abdomen/example_seg_fast_force_split.nii.gz" --quality cinematic
if [[ -d $chest ]]; then
  timings chest-lidc "$chest" --preset lung
else
  # No LIDC series here: the abdomen resampled to 0.8 mm (about as many voxels) stands in.
  echo "gpu-check: $chest not found; using the abdomen resampled to 0.8 mm as the large volume"
  "$viscera" convert "$abdomen/example_ct.nii.gz" "$tmp/large.nii" --spacing 0.8,0.8,0.8
  timings abdomen-0.8mm "$tmp/large.nii"
fi
echo "gpu-check: done"
