#!/usr/bin/python3
"""Loads the 275-slice LIDC CT series into a HU volume with Viscera (C++, both cores) and with the
pydicom + numpy reference loader (sort by position on the slice normal, per-slice rescale), in one
run on the same data, and prints the ratio of their median times.

usage: bench/dicom_load_vs_pydicom.py BUILD_DIR [--data ../shared/data] [--repetitions 7]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "truth"))
from pydicom_ct import load_ct_series  # noqa: E402

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("build_dir")
p.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
p.add_argument("--repetitions", type=int, default=7)
args = p.parse_args()
folder = os.path.join(args.data, "lidc-idri-0314-chest", "dicom")
if not os.path.isdir(folder):
    sys.exit(f"missing {folder}")

bench = os.path.join(args.build_dir, "bench", "dicom_load_bench")
env = dict(os.environ, VISCERA_BENCH_DICOM=folder)
proc = subprocess.run(
    [bench, "--benchmark_filter=BM_LoadCtSeries", "--benchmark_format=json",
     f"--benchmark_repetitions={args.repetitions}", "--benchmark_report_aggregates_only=true"],
    capture_output=True, text=True, env=env, check=True)
runs = json.loads(proc.stdout)["benchmarks"]
viscera_ms = next(b["real_time"] for b in runs if b.get("aggregate_name") == "median")

load_ct_series(folder)  # warm the page cache as the C++ benchmark's warm-up does
pydicom_ms = []
for _ in range(args.repetitions):
    t0 = time.perf_counter()
    hu, _ = load_ct_series(folder)
    pydicom_ms.append((time.perf_counter() - t0) * 1000)
pydicom_median = statistics.median(pydicom_ms)

ratio = pydicom_median / viscera_ms
print(f"viscera LoadCtSeries median: {viscera_ms:.1f} ms ({os.cpu_count()} cores)")
print(f"pydicom+numpy loader median: {pydicom_median:.1f} ms (one core)")
print(f"speed-up: {ratio:.1f}x (goal >= 10x)")
sys.exit(0 if hu.shape == (512, 512, 275) else 1)
