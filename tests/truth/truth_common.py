"""Shared helpers for the outside-truth tests (run with /usr/bin/python3, Debian's packages)."""
import argparse
import json
import os
import subprocess
import sys


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--viscera", required=True, help="path to the viscera executable")
    p.add_argument("--data", required=True, help="shared real data folder (../shared/data)")
    p.add_argument("--source", required=True, help="repository root")
    args = p.parse_args()
    if not os.path.isfile(os.path.join(args.data, "README.md")):
        fail(f"shared test data not found at {args.data}: these tests need the real CT data")
    return args


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def run(viscera, *argv, expect_ok=True):
    """Runs viscera; returns (returncode, stdout, stderr). Fails the test on unexpected status."""
    proc = subprocess.run([viscera, "-q", *argv], capture_output=True, text=True)
    if expect_ok and proc.returncode != 0:
        fail(f"viscera {' '.join(argv)} exited {proc.returncode}: {proc.stderr.strip()}")
    if not expect_ok and proc.returncode == 0:
        fail(f"viscera {' '.join(argv)} succeeded but should have failed")
    return proc.returncode, proc.stdout, proc.stderr


def info(viscera, path, *extra):
    _, out, _ = run(viscera, "info", "--json", path, *extra)
    return json.loads(out)


# TotalSegmentator 'total' id -> BTCV id (models/unetr/PIPELINE.md), for label maps the exports and
# the segmentation are checked against.
TOTAL_TO_BTCV = {1: 1, 2: 2, 3: 3, 4: 4, 15: 5, 5: 6, 6: 7, 52: 8, 63: 9, 64: 10, 7: 11, 8: 12,
                 9: 13}


def save_btcv_map(total_path, out_path):
    """Maps a TotalSegmentator label map to BTCV ids, saves it with the same affine; returns the
    uint8 BTCV array and the source image."""
    import nibabel as nib
    import numpy as np
    img = nib.load(total_path)
    total = np.asanyarray(img.dataobj)
    btcv = np.zeros(total.shape, np.uint8)
    for total_id, btcv_id in TOTAL_TO_BTCV.items():
        btcv[total == total_id] = btcv_id
    nib.save(nib.Nifti1Image(btcv, img.affine), out_path)
    return btcv, img
