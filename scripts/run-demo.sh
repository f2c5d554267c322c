#!/usr/bin/env bash
# The demo job: the bundled TotalSegmentator CT series (JPEG 2000 DICOM) -> volume files, then
# organ segmentation with the bundled demo model -> Clara dataset, DICOM SEG, RTSTRUCT, meshes.
#   scripts/run-demo.sh VISCERA_BINARY OUTPUT_DIR
set -euo pipefail
viscera=${1:?usage: run-demo.sh VISCERA_BINARY OUTPUT_DIR}
out=${2:?usage: run-demo.sh VISCERA_BINARY OUTPUT_DIR}
root="$(cd "$(dirname "$0")/.." && pwd)"
series="$root/data/demo/totalseg-ct-dicom"
mkdir -p "$out"

echo "== viscera info $series"
"$viscera" info "$series"
echo "== viscera convert -> $out/ct.nii.gz, $out/ct.mhd, $out/ct_ras_1.5mm.nii.gz"
"$viscera" convert "$series" "$out/ct.nii.gz"
"$viscera" convert "$series" "$out/ct.mhd" --compress
"$viscera" convert "$series" "$out/ct_ras_1.5mm.nii.gz" --orient RAS --spacing 1.5,1.5,1.5
echo "== viscera info $out/ct_ras_1.5mm.nii.gz"
"$viscera" info "$out/ct_ras_1.5mm.nii.gz"
echo "== viscera segment $series -o $out/abdomen (demo model: not for clinical use)"
"$viscera" segment "$series" -o "$out/abdomen" --model "$root/models/demo" --name abdomen
echo "demo: done, outputs in $out"
