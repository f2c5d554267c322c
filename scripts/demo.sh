#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build, and run the demo on the bundled data,
# ending with the dashboard served on http://127.0.0.1:8080 (Ctrl-C stops it).
#   scripts/demo.sh [--no-serve]     --no-serve: not interactive, for scripts and CI
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target viscera viscera_web
scripts/run-demo.sh "$@" build/release/src/cmd/viscera out/demo
