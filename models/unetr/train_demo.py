"""Trains Viscera's DEMO UNETR on CPU (one patient, minutes), exports models/demo, validates.

    nice -n 10 /usr/bin/python3 models/unetr/train_demo.py \
        --data ../shared/data/totalseg-example --out models/demo [--steps 420] [--threads 2]

Data: TotalSegmentator's example CT (example_ct.nii.gz) with its 'total' label map
(example_seg_fast_force_split.nii.gz) mapped to the 13 BTCV classes; both preprocessed by
reference_pipeline.preprocess (labels: nearest onto the same resampled grid, same crop). Random
96^3 crops, positive/negative centres like MONAI RandCropByPosNegLabeld (no flips or rotations:
left/right organs must stay left/right), intensity scale/shift jitter, DiceCE loss, AdamW with
warm-up + cosine decay. Deterministic (seeded numpy + torch, single process).

Validation: the whole pipeline (reference_pipeline.segment) on the DICOM series example_ct_dicom,
Dice per BTCV organ against example_seg_dicom.nii.gz (TotalSegmentator's prediction, mapped).
This is a demo model, not a clinical one.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import nibabel as nib
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_pipeline as rp  # noqa: E402
from export import BTCV_LABELS, TOTAL_TO_BTCV, export, make_metadata  # noqa: E402
from unetr import build_from_config, count_parameters  # noqa: E402

DEMO_ARCH = {"type": "UNETR", "in_channels": 1, "out_channels": 14, "img_size": [96, 96, 96],
             "feature_size": 8, "hidden_size": 128, "mlp_dim": 512, "num_heads": 8,
             "pos_embed": "perceptron", "norm_name": "instance", "res_block": True}
DEMO_NAME = "viscera-demo-unetr"
DEMO_DESCRIPTION = ("Demo UNETR (small), trained for minutes on CPU on one TotalSegmentator "
                    "example CT; not a clinical model")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def total_to_btcv(seg):
    lut = np.zeros(max(256, int(seg.max()) + 1), np.uint8)
    for total, btcv in TOTAL_TO_BTCV.items():
        lut[total] = btcv
    return lut[seg.astype(np.int64)]


def prepare_training_volume(data_dir, meta):
    """(image float32, labels uint8) on the preprocessed (resampled, windowed, cropped) grid."""
    src = rp.load(os.path.join(data_dir, "example_ct.nii.gz"))
    pre = rp.preprocess(src.hu, src.affine, meta)
    seg_img = nib.load(os.path.join(data_dir, "example_seg_fast_force_split.nii.gz"))
    seg = total_to_btcv(np.asanyarray(seg_img.dataobj))
    # Nearest onto the resampled grid: resampled voxel -> source continuous index, floor(x+0.5).
    lab = rp.nearest_to_grid(seg, seg_img.affine, pre.resampled_shape, pre.resampled_affine)
    b = pre.box
    lab = np.ascontiguousarray(lab[b[0][0]:b[0][1], b[1][0]:b[1][1], b[2][0]:b[2][1]])
    return pre.volume, lab


class CropSampler:
    """RandCropByPosNegLabel-like: centre on a label voxel (pos) or on a background voxel of the
    body (neg, image > 0), corrected so the roi fits; the volume is zero-padded to >= roi."""

    def __init__(self, image, labels, roi, pos, neg, rng):
        pads = rp.window_padding(image.shape, roi)
        self.image = np.pad(image, pads)
        self.labels = np.pad(labels, pads)
        self.roi, self.rng = roi, rng
        self.pos_idx = np.flatnonzero(self.labels > 0)
        self.neg_idx = np.flatnonzero((self.labels == 0) & (self.image > 0))
        self.p_pos = pos / float(pos + neg)

    def sample(self):
        idx = self.pos_idx if self.rng.random() < self.p_pos else self.neg_idx
        centre = np.unravel_index(idx[self.rng.integers(len(idx))], self.image.shape)
        sl = []
        for c, r, n in zip(centre, self.roi, self.image.shape):
            lo = min(max(int(c) - r // 2, 0), n - r)
            sl.append(slice(lo, lo + r))
        return self.image[tuple(sl)].copy(), self.labels[tuple(sl)].copy()


def augment(img, lab, rng):
    """Intensity jitter like MONAI RandScaleIntensity (v * (1 + f), |f| <= 0.1) and
    RandShiftIntensity (v + o, |o| <= 0.1), each p = 0.5; then, p = 0.5, a short-scan slab: only
    a random run of 12..96 slices along k is kept, the rest set to 0 (image) and background
    (labels), like the zero padding the sliding window adds around short series (the bundled
    demo series has 20 slices, 40 of the 96 window slices). No flips or rotations."""
    if rng.random() < 0.5:
        img = img * np.float32(1.0 + rng.uniform(-0.1, 0.1))
    if rng.random() < 0.5:
        img = img + np.float32(rng.uniform(-0.1, 0.1))
    img = img.astype(np.float32)
    if rng.random() < 0.5:
        n = img.shape[2]
        t = int(rng.integers(12, n + 1))
        z0 = int(rng.integers(0, n - t + 1))
        img[:, :, :z0] = 0
        img[:, :, z0 + t:] = 0
        lab = lab.copy()
        lab[:, :, :z0] = 0
        lab[:, :, z0 + t:] = 0
    return img, lab


def dice_ce_loss(logits, target, smooth=1e-5):
    """MONAI DiceCELoss(to_onehot_y=True, softmax=True): mean Dice loss over batch x classes
    (background included) + mean cross-entropy."""
    ce = F.cross_entropy(logits, target)
    prob = torch.softmax(logits, dim=1)
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 4, 1, 2, 3).to(prob.dtype)
    dims = (2, 3, 4)
    inter = (prob * onehot).sum(dims)
    denom = prob.sum(dims) + onehot.sum(dims)
    dice = 1.0 - (2.0 * inter + smooth) / (denom + smooth)
    return dice.mean() + ce, float(dice.mean()), float(ce)


def lr_at(step, total, base, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * 0.5 * (1.0 + math.cos(math.pi * t))


def dice_scores(pred, ref, n_classes=14):
    out = {}
    for lid, name, *_ in BTCV_LABELS:
        p, r = pred == lid, ref == lid
        s = int(p.sum()) + int(r.sum())
        out[name] = float("nan") if s == 0 else 2.0 * int((p & r).sum()) / s
    return out


def validate(data_dir, model_dir, threads):
    t0 = time.time()
    labels, src, pre = rp.segment(os.path.join(data_dir, "example_ct_dicom"), model_dir, threads)
    seconds = time.time() - t0
    seg_img = nib.load(os.path.join(data_dir, "example_seg_dicom.nii.gz"))
    ref = total_to_btcv(np.asanyarray(seg_img.dataobj))
    ref = rp.nearest_to_grid(ref, seg_img.affine, src.hu.shape, src.affine)
    return dice_scores(labels, ref), seconds, labels


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data",
                                                  "totalseg-example"))
    p.add_argument("--out", default=os.path.join(HERE, "..", "demo"))
    p.add_argument("--workdir", default="/tmp/viscera_train_demo",
                   help="checkpoints and logs")
    p.add_argument("--steps", type=int, default=450)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-5)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--pos", type=int, default=2)
    p.add_argument("--neg", type=int, default=1)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--checkpoint-every", type=int, default=50)
    p.add_argument("--export-at", type=int, default=100,
                   help="also export models/demo at this step (an early usable model)")
    p.add_argument("--max-minutes", type=float, default=40.0,
                   help="stop training early (and export what exists) after this long")
    p.add_argument("--resume", help="checkpoint .pt from --workdir to continue from")
    p.add_argument("--skip-train", action="store_true", help="export + validate --resume only")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.workdir, exist_ok=True)
    meta = make_metadata(DEMO_ARCH, DEMO_NAME, "1.0", DEMO_DESCRIPTION)
    roi = tuple(DEMO_ARCH["img_size"])

    t_start = time.time()
    image, labels = prepare_training_volume(a.data, meta)
    log(f"training volume {image.shape}, labels present "
        f"{sorted(int(v) for v in np.unique(labels))}, prepared in {time.time() - t_start:.1f} s")
    sampler = CropSampler(image, labels, roi, a.pos, a.neg, rng)

    model = build_from_config(DEMO_ARCH)
    log(f"demo UNETR {json.dumps(DEMO_ARCH)}: {count_parameters(model):,} parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    step0 = 0
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step0 = ck["step"]
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed from {a.resume} at step {step0}")

    def save(step, tag=None):
        ck = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
              "arch": DEMO_ARCH, "rng": rng.bit_generator.state,
              "torch_rng": torch.get_rng_state(), "args": vars(a)}
        path = os.path.join(a.workdir, tag or f"ckpt_step{step:04d}.pt")
        torch.save(ck, path + ".tmp")
        os.replace(path + ".tmp", path)
        torch.save(ck, os.path.join(a.workdir, "latest.pt.tmp"))
        os.replace(os.path.join(a.workdir, "latest.pt.tmp"), os.path.join(a.workdir, "latest.pt"))
        return path

    def do_export(step):
        meta_s = dict(meta)
        meta_s["description"] = DEMO_DESCRIPTION + f" (step {step})"
        t = time.time()
        export(model, meta_s, a.out, check_batches=(1,), batch=4)
        model.train()
        log(f"exported {a.out} at step {step} ({time.time() - t:.0f} s)")

    step = step0
    t_train = time.time()
    if not a.skip_train:
        model.train()
        ema = None
        for step in range(step0, a.steps):
            lr = lr_at(step, a.steps, a.lr, a.warmup)
            for g in opt.param_groups:
                g["lr"] = lr
            xs, ys = zip(*(augment(*sampler.sample(), rng) for _ in range(a.batch)))
            x = torch.from_numpy(np.stack(xs)[:, None])
            y = torch.from_numpy(np.stack(ys).astype(np.int64))
            t = time.time()
            logits = model(x)
            loss, dl, ce = dice_ce_loss(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema = float(loss) if ema is None else 0.9 * ema + 0.1 * float(loss)
            elapsed = time.time() - t_train
            done = step + 1 - step0
            eta = elapsed / done * (a.steps - step - 1)
            log(f"step {step + 1}/{a.steps} loss {float(loss):.4f} (dice {dl:.4f} ce {ce:.4f}) "
                f"ema {ema:.4f} lr {lr:.2e} {time.time() - t:.1f} s/step "
                f"elapsed {elapsed / 60:.1f} min eta {eta / 60:.1f} min")
            if (step + 1) % a.checkpoint_every == 0:
                save(step + 1)
            if step + 1 == a.export_at:
                do_export(step + 1)
            if elapsed > a.max_minutes * 60:
                log(f"time limit {a.max_minutes} min reached at step {step + 1}; stopping")
                break
        step = step + 1
        save(step, "final.pt")
        log(f"training done: {step - step0} steps in {(time.time() - t_train) / 60:.1f} min")

    model.eval()
    meta["description"] = DEMO_DESCRIPTION
    export(model, meta, a.out, check_batches=(1, 2, 3, 4), batch=4)
    log(f"exported {a.out}/model.ts ({os.path.getsize(os.path.join(a.out, 'model.ts')) / 1e6:.1f}"
        f" MB) + metadata.json")

    # Per-window CPU time of the exported TorchScript module
    ts = torch.jit.load(os.path.join(a.out, "model.ts"))
    x = torch.rand((1, 1) + roi)
    with torch.no_grad():
        ts(x)
        t = time.time()
        for _ in range(3):
            ts(x)
    per_window = (time.time() - t) / 3
    log(f"TorchScript forward, one 96^3 window, {a.threads} threads: {per_window:.2f} s")

    dice, seconds, _ = validate(a.data, a.out, a.threads)
    log(f"validation (DICOM series, whole reference pipeline, {seconds:.0f} s), Dice per organ:")
    for name, d in dice.items():
        log(f"  {name:26s} {'absent in both' if d != d else f'{d:.3f}'}")
    present = [d for d in dice.values() if d == d]
    mean = float(np.mean(present)) if present else float("nan")
    log(f"  mean over organs present  {mean:.3f}")
    # Training patient too (same data it was fitted on: a sanity check, not a validation).
    train_labels, _, _ = rp.segment(os.path.join(a.data, "example_ct.nii.gz"), a.out, a.threads)
    seg_img = nib.load(os.path.join(a.data, "example_seg_fast_force_split.nii.gz"))
    train_dice = dice_scores(train_labels, total_to_btcv(np.asanyarray(seg_img.dataobj)))
    log("training patient Dice: " + ", ".join(
        f"{k} {v:.3f}" for k, v in train_dice.items() if v == v))
    results = {"steps": step, "train_minutes": (time.time() - t_train) / 60,
               "parameters": count_parameters(model), "per_window_seconds": per_window,
               "validation_dice": dice, "validation_mean_present": mean,
               "validation_seconds": seconds, "training_patient_dice": train_dice,
               "args": vars(a), "arch": DEMO_ARCH}
    with open(os.path.join(a.workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    log(f"results in {os.path.join(a.workdir, 'results.json')}")


if __name__ == "__main__":
    main()
