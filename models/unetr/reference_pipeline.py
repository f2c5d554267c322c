"""Python reference of Viscera's segmentation pipeline, exactly as models/unetr/PIPELINE.md says.

Run it:
    /usr/bin/python3 models/unetr/reference_pipeline.py --model models/demo \
        --input CT.nii.gz|DICOM_FOLDER -o labels.nii.gz [--threads N] \
        [--save-preprocessed pre.nii.gz] [--dump-window win.npy] [--dump-logits logits.npy]

or import it and call the stages one by one (tests compare them with the C++ side):
    load(path)                               -> Loaded(hu, affine_ras, is_dicom)
    preprocess(hu, affine_ras, meta)         -> Preprocessed (oriented, resampled, windowed, cropped)
    window_starts(shape, roi, overlap)       -> padding + window start lists (MONAI's scan rules)
    sliding_window(vol, model, meta)         -> averaged logits [C, x, y, z]
    infer(vol, model, meta)                  -> labels of the cropped box (argmax)
    postprocess(labels_box, pre, src_shape)  -> labels on the source grid
    segment(path, model_dir)                 -> everything above

Conventions: arrays are indexed (i, j, k) as nibabel returns them; world coordinates here are
nibabel's RAS (a DICOM series' LPS affine is converted with diag(-1, -1, 1)). Only numpy, nibabel,
pydicom (DICOM input), torch (inference) and scipy (only for --largest-component) are used.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from dataclasses import dataclass, field

import nibabel as nib
import numpy as np
from nibabel import orientations as ornt_mod


# ---------------------------------------------------------------------------------------------
# Model folder
# ---------------------------------------------------------------------------------------------
def load_metadata(model_dir):
    with open(os.path.join(model_dir, "metadata.json")) as f:
        return json.load(f)


def load_model(model_dir, meta=None):
    import torch
    meta = meta or load_metadata(model_dir)
    model = torch.jit.load(os.path.join(model_dir, meta["model_file"]), map_location="cpu")
    model.eval()
    return model


# ---------------------------------------------------------------------------------------------
# 1. Load
# ---------------------------------------------------------------------------------------------
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


@dataclass
class Loaded:
    hu: np.ndarray          # float64 holding integer HU, indexed (i, j, k)
    affine: np.ndarray      # index -> RAS mm (4x4)
    is_dicom: bool = False


def load_nifti(path):
    img = nib.load(path)
    hu = np.asanyarray(img.dataobj).astype(np.float64)
    if hu.ndim != 3:
        raise ValueError(f"{path}: expected a 3-D volume, got shape {hu.shape}")
    # C++ holds int16 HU; scaled (non-integer) NIfTI data is rounded the same way here.
    if not np.all(hu == np.round(hu)):
        hu = np.round(hu)
    return Loaded(hu, img.affine.astype(np.float64), False)


def load_dicom_series(folder):
    """One CT series from a folder (recursively): slices sorted along the slice normal,
    HU = slope * raw + intercept (rounded, int16 like C++), affine LPS -> RAS."""
    import pydicom
    files = sorted(f for f in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
                   if os.path.isfile(f))
    datasets = []
    for f in files:
        try:
            d = pydicom.dcmread(f)
        except Exception:  # not DICOM (README, DICOMDIR index, ...)
            continue
        if "PixelData" in d and "ImagePositionPatient" in d:
            datasets.append(d)
    if not datasets:
        raise ValueError(f"no DICOM images in {folder}")
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=np.float64)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    datasets.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, float), normal)))
    pos = np.array([np.dot(np.array(d.ImagePositionPatient, float), normal) for d in datasets])
    slice_spacing = (pos[-1] - pos[0]) / (len(pos) - 1) if len(pos) > 1 else float(
        getattr(datasets[0], "SliceThickness", 1.0) or 1.0)
    row_spacing, col_spacing = (float(v) for v in datasets[0].PixelSpacing)
    hu = np.empty((len(datasets), int(datasets[0].Rows), int(datasets[0].Columns)), np.float64)
    for k, d in enumerate(datasets):
        slope = float(getattr(d, "RescaleSlope", 1) or 1)
        intercept = float(getattr(d, "RescaleIntercept", 0) or 0)
        hu[k] = np.clip(np.round(d.pixel_array.astype(np.float64) * slope + intercept),
                        -32768, 32767)
    affine = np.eye(4)
    affine[:3, 0] = row_dir * col_spacing     # i: along a row (columns)
    affine[:3, 1] = col_dir * row_spacing     # j: down the rows
    affine[:3, 2] = normal * slice_spacing
    affine[:3, 3] = np.array(datasets[0].ImagePositionPatient, float)
    return Loaded(np.ascontiguousarray(hu.transpose(2, 1, 0)), LPS_TO_RAS @ affine, True)


def load(path):
    if os.path.isdir(path):
        return load_dicom_series(path)
    if os.path.basename(path).upper() == "DICOMDIR":
        return load_dicom_series(os.path.dirname(path) or ".")
    return load_nifti(path)


# ---------------------------------------------------------------------------------------------
# 2. Preprocess
# ---------------------------------------------------------------------------------------------
def orient(data, affine, axcodes):
    """2.1: lossless permutation/flip so the axes point toward `axcodes` (e.g. "RAS")."""
    transform = ornt_mod.ornt_transform(ornt_mod.io_orientation(affine),
                                        ornt_mod.axcodes2ornt(tuple(axcodes)))
    out = ornt_mod.apply_orientation(data, transform)
    new_affine = affine @ ornt_mod.inv_ornt_aff(transform, data.shape)
    return np.ascontiguousarray(out), new_affine


def voxel_spacing(affine):
    return np.sqrt(np.sum(affine[:3, :3] ** 2, axis=0))


def spacing_shape(shape, spacing, new_spacing):
    """n' = round((n - 1) * s / s') + 1, numpy round (half to even)."""
    return tuple(int(np.round((n - 1) * s / t)) + 1
                 for n, s, t in zip(shape, spacing, new_spacing))


def _axis_samples(n_new, n_old, ratio):
    """Old continuous index of each new voxel, x = a * s'/s; corners floor(x), floor(x)+1
    clamped to the last voxel; weight of the upper corner x - floor(x)."""
    x = np.arange(n_new, dtype=np.float64) * ratio
    x0 = np.floor(x)
    w = x - x0
    i0 = np.clip(x0.astype(np.int64), 0, n_old - 1)
    i1 = np.clip(x0.astype(np.int64) + 1, 0, n_old - 1)
    return i0, i1, w


def resample_trilinear(data, spacing, new_spacing):
    """2.2: trilinear resampling along the volume's own axes, float64 arithmetic, float32 out.
    Written as the explicit 8-corner sum: out = sum_{a,b,c in {0,1}} wx_a * wy_b * wz_c * v."""
    data = np.asarray(data, dtype=np.float64)
    new_shape = spacing_shape(data.shape, spacing, new_spacing)
    (i0, i1, wx), (j0, j1, wy), (k0, k1, wz) = (
        _axis_samples(nn, n, t / s) for nn, n, s, t in zip(new_shape, data.shape, spacing,
                                                          new_spacing))
    wx1, wy1, wz1 = wx[:, None, None], wy[None, :, None], wz[None, None, :]
    wx0, wy0, wz0 = 1.0 - wx1, 1.0 - wy1, 1.0 - wz1
    out = np.zeros(new_shape, np.float64)
    for ii, wi in ((i0, wx0), (i1, wx1)):
        plane = data[ii]                                   # gather along i once per corner
        for jj, wj in ((j0, wy0), (j1, wy1)):
            row = plane[:, jj]
            wij = wi * wj
            for kk, wk in ((k0, wz0), (k1, wz1)):
                out += (wij * wk) * row[:, :, kk]
        del plane
    return out.astype(np.float32), new_shape


def spacing_affine(affine, spacing, new_spacing):
    """Axis directions unchanged, centre of voxel 0 unchanged, columns scaled to new spacing."""
    out = affine.copy()
    out[:3, :3] = affine[:3, :3] * (np.asarray(new_spacing, float) / np.asarray(spacing, float))
    return out


def scale_intensity(vol, a_min, a_max, b_min, b_max, clip):
    """2.3: MONAI ScaleIntensityRange in float32."""
    f32 = np.float32
    v = (vol.astype(f32) - f32(a_min)) / (f32(a_max) - f32(a_min))
    v = v * (f32(b_max) - f32(b_min)) + f32(b_min)
    if clip:
        v = np.clip(v, f32(b_min), f32(b_max))
    return v.astype(f32)


def foreground_box(vol, b_min):
    """2.4: [lo, hi) per axis of voxels with v > b_min; the whole volume if none."""
    mask = vol > np.float32(b_min)
    if not mask.any():
        return [(0, n) for n in vol.shape]
    box = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        idx = np.nonzero(mask.any(axis=other))[0]
        box.append((int(idx[0]), int(idx[-1]) + 1))
    return box


@dataclass
class Preprocessed:
    volume: np.ndarray           # windowed, cropped, float32 (i, j, k)
    box: list                    # [(lo, hi)] * 3 within the resampled grid
    resampled_shape: tuple       # grid after orientation + spacing
    resampled_affine: np.ndarray  # its index -> RAS affine
    oriented_affine: np.ndarray
    extras: dict = field(default_factory=dict)

    @property
    def cropped_affine(self):
        out = self.resampled_affine.copy()
        out[:3, 3] = self.resampled_affine[:3, :3] @ np.array([b[0] for b in self.box], float) \
            + self.resampled_affine[:3, 3]
        return out


def preprocess(hu, affine, meta, keep_intermediate=False):
    inp = meta["input"]
    oriented, oriented_affine = orient(hu, affine, inp.get("orientation", "RAS"))
    spacing = voxel_spacing(oriented_affine)
    new_spacing = [float(s) for s in inp["spacing"]]
    resampled, shape = resample_trilinear(oriented, spacing, new_spacing)
    extras = {"oriented": oriented} if keep_intermediate else {}
    del oriented
    res_affine = spacing_affine(oriented_affine, spacing, new_spacing)
    it = inp["intensity"]
    windowed = scale_intensity(resampled, it["a_min"], it["a_max"], it["b_min"], it["b_max"],
                               it.get("clip", True))
    if keep_intermediate:
        extras["resampled"] = resampled
        extras["windowed"] = windowed
    del resampled
    if inp.get("crop_foreground", False):
        box = foreground_box(windowed, it["b_min"])
    else:
        box = [(0, n) for n in windowed.shape]
    cropped = np.ascontiguousarray(windowed[box[0][0]:box[0][1], box[1][0]:box[1][1],
                                            box[2][0]:box[2][1]])
    return Preprocessed(cropped, box, shape, res_affine, oriented_affine, extras)


# ---------------------------------------------------------------------------------------------
# 3. Sliding window (MONAI sliding_window_inference)
# ---------------------------------------------------------------------------------------------
def window_padding(shape, roi):
    """Zero padding (before, after) per axis for axes shorter than the roi."""
    pads = []
    for n, r in zip(shape, roi):
        d = max(r - n, 0)
        pads.append((d // 2, d - d // 2))
    return pads


def scan_interval(n, r, overlap):
    return r if r == n else max(1, int(r * (1 - overlap)))


def axis_starts(n, r, overlap):
    """Window starts along one (padded) axis of length n >= r."""
    interval = scan_interval(n, r, overlap)
    num = 0
    while num * interval + r < n:
        num += 1
    num += 1
    starts = []
    for idx in range(num):
        start = idx * interval
        start -= max(start + r - n, 0)
        starts.append(start)
    return starts


def window_starts(shape, roi, overlap):
    """(pads, padded_shape, starts): starts is the list of (si, sj, sk), axis i slowest (MONAI's
    meshgrid(indexing='ij') order)."""
    pads = window_padding(shape, roi)
    padded = tuple(n + a + b for n, (a, b) in zip(shape, pads))
    per_axis = [axis_starts(n, r, overlap) for n, r in zip(padded, roi)]
    starts = [(a, b, c) for a in per_axis[0] for b in per_axis[1] for c in per_axis[2]]
    return pads, padded, starts


def importance_map(roi, blend, sigma_scale=0.125):
    """MONAI compute_importance_map, float32."""
    roi = tuple(int(r) for r in roi)
    if blend == "constant":
        return np.ones(roi, np.float32)
    if blend != "gaussian":
        raise ValueError(f"blend {blend!r}")
    m = None
    for r in roi:
        sigma = np.float32(r * sigma_scale)
        x = np.arange(-(r - 1) / 2.0, (r - 1) / 2.0 + 1, dtype=np.float32)
        g = np.exp(x ** 2 / (np.float32(-2) * sigma ** 2)).astype(np.float32)
        m = g if m is None else m[..., None] * g
    m = m.astype(np.float32)
    return np.maximum(m, np.float32(max(float(m.min()), 1e-3)))


def sliding_window(vol, model, meta, dump_window=None, dump_logits=None, progress=False):
    """Averaged logits [C, *vol.shape] (float32) per MONAI sliding_window_inference."""
    import torch
    inf = meta["inference"]
    roi = tuple(int(r) for r in inf["roi"])
    overlap, sw_batch = float(inf["overlap"]), int(inf["sw_batch"])
    pads, padded, starts = window_starts(vol.shape, roi, overlap)
    padded_vol = np.pad(vol, pads, mode="constant", constant_values=0).astype(np.float32)
    w = importance_map(roi, inf.get("blend", "constant"))
    channels = int(meta["output"]["channels"])
    acc = np.zeros((channels,) + padded, np.float32)
    count = np.zeros(padded, np.float32)
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(starts), sw_batch):
            batch_starts = starts[b:b + sw_batch]
            x = np.stack([padded_vol[s[0]:s[0] + roi[0], s[1]:s[1] + roi[1], s[2]:s[2] + roi[2]]
                          for s in batch_starts])[:, None]
            logits = model(torch.from_numpy(np.ascontiguousarray(x))).numpy()
            if b == 0:
                if dump_window:
                    np.save(dump_window, x[:1])
                if dump_logits:
                    np.save(dump_logits, logits[:1])
            for s, lg in zip(batch_starts, logits):
                sl = (slice(s[0], s[0] + roi[0]), slice(s[1], s[1] + roi[1]),
                      slice(s[2], s[2] + roi[2]))
                acc[(slice(None),) + sl] += w * lg
                count[sl] += w
            if progress:
                print(f"  windows {min(b + sw_batch, len(starts))}/{len(starts)} "
                      f"({time.time() - t0:.1f} s)", file=sys.stderr, flush=True)
    acc /= count
    crop = tuple(slice(a, a + n) for (a, _), n in zip(pads, vol.shape))
    return acc[(slice(None),) + crop]


def infer(vol, model, meta, **kw):
    """Labels (uint8/int16) of the cropped box: argmax over the averaged logits (first max wins)."""
    logits = sliding_window(vol, model, meta, **kw)
    labels = np.argmax(logits, axis=0)
    return labels.astype(np.uint8 if meta["output"]["channels"] <= 256 else np.int16)


# ---------------------------------------------------------------------------------------------
# 4. Postprocess
# ---------------------------------------------------------------------------------------------
def uncrop(labels_box, box, resampled_shape):
    full = np.zeros(resampled_shape, labels_box.dtype)
    full[box[0][0]:box[0][1], box[1][0]:box[1][1], box[2][0]:box[2][1]] = labels_box
    return full


def nearest_to_grid(values, values_affine, target_shape, target_affine):
    """Every target voxel takes the value of the nearest voxel of `values`: its centre mapped to
    continuous index of `values` through the two affines, floor(x + 0.5), clamped."""
    m = np.linalg.inv(values_affine) @ target_affine
    ni, nj, nk = target_shape
    out = np.empty(target_shape, values.dtype)
    ii, jj = np.meshgrid(np.arange(ni, dtype=np.float64), np.arange(nj, dtype=np.float64),
                         indexing="ij")
    hi = np.array(values.shape) - 1
    for k in range(nk):
        idx = []
        for r in range(3):
            x = m[r, 0] * ii + m[r, 1] * jj + (m[r, 2] * k + m[r, 3])
            idx.append(np.clip(np.floor(x + 0.5).astype(np.int64), 0, hi[r]))
        out[:, :, k] = values[idx[0], idx[1], idx[2]]
    return out


def largest_components(labels):
    """Per label, keep only its largest 26-connected component (ties: the first found by
    scipy.ndimage.label's scan)."""
    from scipy import ndimage
    out = labels.copy()
    for lab in np.unique(labels):
        if lab == 0:
            continue
        comp, n = ndimage.label(labels == lab, structure=np.ones((3, 3, 3), bool))
        if n > 1:
            sizes = np.bincount(comp.ravel())[1:]
            keep = 1 + int(np.argmax(sizes))
            out[(comp != keep) & (comp > 0)] = 0
    return out


def postprocess(labels_box, pre, src_shape, src_affine, largest_component=False):
    full = uncrop(labels_box, pre.box, pre.resampled_shape)
    out = nearest_to_grid(full, pre.resampled_affine, src_shape, src_affine)
    return largest_components(out) if largest_component else out


# ---------------------------------------------------------------------------------------------
# Whole pipeline
# ---------------------------------------------------------------------------------------------
def segment(input_path, model_dir, threads=None, dump_window=None, dump_logits=None,
            save_preprocessed=None, largest_component=False, progress=False):
    import torch
    if threads:
        torch.set_num_threads(int(threads))
    meta = load_metadata(model_dir)
    model = load_model(model_dir, meta)
    src = load(input_path)
    pre = preprocess(src.hu, src.affine, meta)
    if save_preprocessed:
        nib.save(nib.Nifti1Image(pre.volume, pre.cropped_affine), save_preprocessed)
    labels_box = infer(pre.volume, model, meta, dump_window=dump_window, dump_logits=dump_logits,
                       progress=progress)
    labels = postprocess(labels_box, pre, src.hu.shape, src.affine, largest_component)
    return labels, src, pre


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="model folder (metadata.json + TorchScript)")
    p.add_argument("--input", required=True, help="CT NIfTI file, DICOM folder or DICOMDIR")
    p.add_argument("-o", "--output", required=True, help="label map .nii.gz (source grid)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--save-preprocessed", help="windowed, cropped volume as NIfTI")
    p.add_argument("--dump-window", help="first network input window [1,1,rx,ry,rz] as .npy")
    p.add_argument("--dump-logits", help="logits of that first window [1,C,rx,ry,rz] as .npy")
    p.add_argument("--largest-component", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    t0 = time.time()
    labels, src, pre = segment(a.input, a.model, a.threads, a.dump_window, a.dump_logits,
                               a.save_preprocessed, a.largest_component, progress=not a.quiet)
    nib.save(nib.Nifti1Image(labels.astype(np.uint8), src.affine), a.output)
    if not a.quiet:
        present = {int(v): int(c) for v, c in zip(*np.unique(labels, return_counts=True))}
        print(f"source {src.hu.shape}, resampled {pre.resampled_shape}, box {pre.box}, "
              f"labels {present}, {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()
