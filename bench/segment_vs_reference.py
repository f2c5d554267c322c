"""Benchmark: `viscera segment` against the Python reference of the same pipeline
(models/unetr/reference_pipeline.py: PyTorch + numpy + nibabel), same input, same model, same
thread count, one script. Reports end-to-end wall time and peak RSS of each, and their ratios.

    /usr/bin/python3 bench/segment_vs_reference.py build/ci/src/cmd/viscera [--threads 2]
        [--model models/demo] [--big] [--full-unetr]

--big adds a 512x512x600 CT built by stacking the LIDC chest series (peak memory of the streamed
aggregation on a full-size scan). --full-unetr times one 96^3 window of the full-size UNETR
(92.6 M parameters, random weights: time does not depend on them) in Viscera and in PyTorch.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import nibabel as nib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("VISCERA_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
REFERENCE = os.path.join(ROOT, "models", "unetr", "reference_pipeline.py")


def measure(argv):
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if status != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{err[-3000:]}")
    return seconds, usage.ru_maxrss / 1024.0, out


def compare(name, input_path, viscera, model, threads, work):
    out = os.path.join(work, name)
    v_s, v_mb, v_out = measure([viscera, "-q", "segment", input_path, "-o", out, "--model", model,
                                "--threads", str(threads)])
    r_s, r_mb, _ = measure([sys.executable, REFERENCE, "--model", model, "--input", input_path,
                            "-o", os.path.join(work, name + "-ref.nii.gz"), "--threads",
                            str(threads), "-q"])
    windows = [l for l in v_out.splitlines() if "windows" in l]
    print(f"| {name} | {v_s:.1f} s | {r_s:.1f} s | {r_s / v_s:.2f}x | {v_mb:.0f} MiB | "
          f"{r_mb:.0f} MiB | {v_mb / r_mb:.2f}x |")
    if windows:
        print(f"|   | {windows[0].strip()} | | | | | |")


def full_unetr_window(viscera, threads, work):
    model = os.path.join(work, "unetr-full")
    subprocess.run([sys.executable, os.path.join(ROOT, "models", "unetr", "export.py"), "--out",
                    model, "--quick-check"], check=True, capture_output=True)
    # A CT of exactly one window at the model's grid: 96 x 96 x 96 at 1.5 x 1.5 x 2 mm.
    ct = (np.random.default_rng(1).normal(40, 200, (96, 96, 96))).astype(np.int16)
    path = os.path.join(work, "one-window.nii.gz")
    nib.save(nib.Nifti1Image(ct, np.diag([-1.5, -1.5, 2.0, 1.0])), path)
    _, _, out = measure([viscera, "-q", "segment", path, "-o", os.path.join(work, "one"),
                         "--model", model, "--threads", str(threads)])
    seconds = [l for l in out.splitlines() if l.startswith("seconds:")][0]
    inference = float(seconds.split("inference ")[1].split(",")[0])
    import torch
    torch.set_num_threads(threads)
    net = torch.jit.load(os.path.join(model, "model.ts"))
    x = torch.zeros(1, 1, 96, 96, 96)
    with torch.no_grad():
        net(x)
        start = time.perf_counter()
        net(x)
        torch_s = time.perf_counter() - start
    print(f"full-size UNETR, one 96^3 window, {threads} threads: viscera inference stage "
          f"{inference:.2f} s (incl. first-call warm-up), PyTorch (warm) {torch_s:.2f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("viscera")
    p.add_argument("--model", default=os.path.join(ROOT, "models", "demo"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--big", action="store_true")
    p.add_argument("--full-unetr", action="store_true")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        print("| input | viscera | reference | speed-up | viscera peak RSS | reference peak RSS "
              "| memory ratio |")
        print("|---|---|---|---|---|---|---|")
        compare("totalseg DICOM 512x512x20", os.path.join(DATA, "totalseg-example",
                "example_ct_dicom"), a.viscera, a.model, a.threads, work)
        compare("totalseg NIfTI 122x101x112", os.path.join(DATA, "totalseg-example",
                "example_ct.nii.gz"), a.viscera, a.model, a.threads, work)
        if a.big:
            big = os.path.join(work, "big.nii.gz")
            subprocess.run([a.viscera, "-q", "convert", os.path.join(DATA, "lidc-idri-0314-chest"),
                            os.path.join(work, "lidc.nii")], check=True)
            lidc = nib.load(os.path.join(work, "lidc.nii"))
            hu = np.asanyarray(lidc.dataobj)
            stacked = np.concatenate([hu, hu[:, :, ::-1], hu[:, :, :50]], axis=2)[:, :, :600]
            nib.save(nib.Nifti1Image(stacked.astype(np.int16), lidc.affine), big)
            del hu, stacked
            compare("LIDC stacked 512x512x600", big, a.viscera, a.model, a.threads, work)
        if a.full_unetr:
            full_unetr_window(a.viscera, a.threads, work)


if __name__ == "__main__":
    main()
