#!/usr/bin/env bash
# Command 2 of the README (and CI): install what is missing, build with warnings as errors, run
# every test (unit, outside-truth, demo), then run each fuzzer for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)

# The real CT data the tests read (tests fail, never skip, when it is missing).
shared_data=${VISCERA_SHARED_DATA:-$(pwd)/../shared/data}
cmake --preset ci -DVISCERA_SHARED_DATA="$shared_data" >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

fuzz_seconds=${VISCERA_FUZZ_SECONDS:-30}
scripts/run-fuzzers.sh "$fuzz_seconds"
echo "test.sh: all tests passed"
