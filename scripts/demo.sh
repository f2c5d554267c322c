#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build, and run the demo on the bundled data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target viscera
scripts/run-demo.sh build/release/src/cmd/viscera out/demo
