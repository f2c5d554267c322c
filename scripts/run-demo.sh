#!/usr/bin/env bash
# The demo job: the bundled TotalSegmentator CT series (JPEG 2000 DICOM) -> volume files, then
# organ segmentation with the bundled demo model -> Clara dataset, DICOM SEG, RTSTRUCT, meshes;
# then renders of the bundled abdomen with its TotalSegmentator organ labels and of the dataset;
# then starts `viscera serve` on the output and prints the dashboard's address (until Ctrl-C).
#   scripts/run-demo.sh [--no-serve] VISCERA_BINARY OUTPUT_DIR
# --no-serve: for scripts and CI: the server starts, lists the datasets once and stops.
# $VISCERA_PORT: the dashboard's port (default 8080).
set -euo pipefail
serve=1
if [[ ${1:-} == --no-serve ]]; then
  serve=0
  shift
fi
usage="usage: run-demo.sh [--no-serve] VISCERA_BINARY OUTPUT_DIR"
viscera=${1:?$usage}
out=${2:?$usage}
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
abdomen="$root/data/demo/totalseg-abdomen"
ct="$abdomen/example_ct.nii.gz"
labels="$abdomen/example_seg_fast_force_split.nii.gz"
names=(--label-names "$abdomen/labels_total_v2.json")
mkdir -p "$out/render"
echo "== viscera render $ct --labels ... -> $out/render/*.png"
"$viscera" render "$ct" --labels "$labels" "${names[@]}" --camera anterior -o "$out/render/abdomen_anterior.png"
"$viscera" render "$ct" --labels "$labels" "${names[@]}" --camera left -o "$out/render/abdomen_left.png"
"$viscera" render "$ct" --labels "$labels" "${names[@]}" --camera anterior --hide 92-115 \
  -o "$out/render/abdomen_anterior_no_ribs.png"
"$viscera" render "$ct" --labels "$labels" "${names[@]}" --camera anterior --quality cinematic \
  -o "$out/render/abdomen_anterior_cinematic.png"
"$viscera" render "$ct" --preset soft-tissue --camera anterior -o "$out/render/abdomen_soft_tissue.png"
"$viscera" render "$ct" --mode mip --window 300,1600 -o "$out/render/abdomen_mip.png"
"$viscera" render "$ct" --labels "$labels" --mode slice-segmentation --slice coronal \
  -o "$out/render/abdomen_coronal_labels.png"
"$viscera" render "$ct" --labels "$labels" --mode slice-segmentation --slice axial \
  -o "$out/render/abdomen_axial_labels.png"
echo "== viscera render $out/abdomen (the segmented Clara dataset, its own settings)"
"$viscera" render "$out/abdomen" --camera inferior -o "$out/render/segmented_dataset.png"
echo "== viscera serve --data $out (the segmented dataset, served over HTTP and WebSocket)"
# Not interactive here: start, list the datasets over HTTP (bash's /dev/tcp, no curl needed), stop
# with SIGTERM the way a container runtime does.
rm -f "$out/serve.port"
"$viscera" -q serve --data "$out" --port 0 --port-file "$out/serve.port" &
server=$!
for _ in $(seq 1 300); do [[ -s "$out/serve.port" ]] && break; sleep 0.1; done
port=$(cat "$out/serve.port")
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /api/datasets HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
listing=$(cat <&3)
exec 3<&-
kill -TERM "$server"
wait "$server"
echo "GET /api/datasets -> ${listing##*$'\r\n\r\n'}"
echo "demo: done, outputs in $out"
if ((serve)); then
  port=${VISCERA_PORT:-8080}
  rm -f "$out/serve.port"
  "$viscera" serve --data "$out" --port "$port" --port-file "$out/serve.port" &
  server=$!
  trap 'kill -TERM "$server" 2>/dev/null; wait "$server"; exit 0' INT TERM
  for _ in $(seq 1 300); do
    [[ -s "$out/serve.port" ]] && break
    kill -0 "$server" 2>/dev/null || { echo "demo: viscera serve did not start (port $port in use? set VISCERA_PORT)" >&2; exit 1; }
    sleep 0.1
  done
  echo
  echo "Dashboard: http://127.0.0.1:$(cat "$out/serve.port")/#/dataset/abdomen   (Ctrl-C stops the server)"
  wait "$server"
fi
