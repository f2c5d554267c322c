#!/usr/bin/python3
"""`viscera render` end to end, with nibabel as the outside truth for left/right and head/feet.

Where organs must appear: nibabel's affine of the TotalSegmentator abdomen says on which side of
the patient the spleen (id 1) and the liver (id 5) lie (LPS centroids); each organ is then drawn
alone (every other label hidden) and its footprint in the image must be on the side the
radiological conventions put it: anterior view and axial/coronal slices show the patient's left on
the image's right, the posterior view on the image's left; and the liver (superior to the
bladder, id 21) higher in the image than the bladder in anterior and coronal views.

Also: every mode and input kind writes a PNG of the requested size (DICOM folder, NIfTI + labels,
a Clara dataset folder written by `viscera export`, Clara reference settings with either key
style); bad input is refused with a message naming the problem, and an existing output PNG is left
exactly as it was.
Run: /usr/bin/python3 test_render_cli.py --viscera BIN --data /work/shared/data --source REPO
"""
import os
import tempfile

import nibabel as nib
import numpy as np
from PIL import Image

from truth_common import check, parse_args, run, save_btcv_map

args = parse_args(__doc__)
V = args.viscera
abdomen = os.path.join(args.data, "totalseg-example")
ct = os.path.join(abdomen, "example_ct.nii.gz")
labels = os.path.join(abdomen, "example_seg_fast_force_split.nii.gz")
reference = os.path.join(args.data, "..", "reference", "clara-formats")


def render(out, *argv, size=(160, 160)):
    run(V, "render", *argv, "--size", f"{size[0]}x{size[1]}", "-o", out)
    image = np.asarray(Image.open(out).convert("RGB")).astype(int)
    check(image.shape == (size[1], size[0], 3), f"{out}: {image.shape}, expected {size}")
    return image


def footprint(tmp, organ, *argv):
    """Pixels where `organ` alone is drawn: a render with only it visible against one with
    nothing labelled visible."""
    others = f"0-{organ - 1},{organ + 1}-255" if organ > 1 else "0,2-255"
    alone = render(os.path.join(tmp, "alone.png"), ct, "--labels", labels, "--hide", others, *argv)
    none = render(os.path.join(tmp, "none.png"), ct, "--labels", labels, "--hide", "0-255", *argv)
    mask = np.abs(alone - none).sum(axis=2) > 0
    check(mask.sum() > 20, f"organ {organ} draws only {mask.sum()} pixels ({' '.join(argv)})")
    ys, xs = np.nonzero(mask)
    return xs.mean() / mask.shape[1], ys.mean() / mask.shape[0]


with tempfile.TemporaryDirectory() as tmp:
    # Outside truth: where the organs are, from nibabel's affine (RAS -> LPS).
    img = nib.load(labels)
    lab = np.asanyarray(img.dataobj)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ img.affine
    centre = lps @ np.append((np.array(lab.shape) - 1) / 2.0, 1.0)

    def centroid(organ):
        idx = np.argwhere(lab == organ).mean(axis=0)
        return lps @ np.append(idx, 1.0)

    spleen, liver, bladder = centroid(1), centroid(5), centroid(21)
    check(spleen[0] > centre[0] > liver[0], "nibabel: spleen on the left, liver on the right")
    check(liver[2] > bladder[2], "nibabel: liver above the bladder")

    # Anterior: patient's left on the image's right, head up.
    sx, _ = footprint(tmp, 1, "--camera", "anterior")
    lx, ly = footprint(tmp, 5, "--camera", "anterior")
    _, by = footprint(tmp, 21, "--camera", "anterior")
    check(sx > 0.5 > lx, f"anterior view: spleen x {sx:.2f} must be right, liver x {lx:.2f} left")
    check(ly < by, f"anterior view: liver (y {ly:.2f}) must be above the bladder (y {by:.2f})")
    # Posterior: mirrored.
    sx, _ = footprint(tmp, 1, "--camera", "posterior")
    lx, _ = footprint(tmp, 5, "--camera", "posterior")
    check(sx < 0.5 < lx, f"posterior view: spleen x {sx:.2f} must be left, liver x {lx:.2f} right")
    # Slices through the organs' level: radiological (left on the right), head up in coronal.
    def at(point):
        return ["--slice-at", ",".join(f"{v:.2f}" for v in point[:3])]

    # Slices through the volume's centre line, at the organs' mean level (axial) or depth
    # (coronal): the image centre is the volume's centre, so sides can be compared.
    level = (spleen + liver) / 2
    planes = {"axial": [centre[0], centre[1], level[2]], "coronal": [centre[0], level[1], centre[2]]}
    for view in ["axial", "coronal"]:
        mode = ["--mode", "slice-segmentation", "--slice", view, *at(planes[view])]
        sx, _ = footprint(tmp, 1, *mode)
        lx, _ = footprint(tmp, 5, *mode)
        check(sx > 0.5 > lx, f"{view} slice: spleen x {sx:.2f} right, liver x {lx:.2f} left")
    # A coronal slice through both the liver and the bladder (their mean y).
    both = [centre[0], (liver[1] + bladder[1]) / 2, centre[2]]
    _, ly = footprint(tmp, 5, "--mode", "slice-segmentation", "--slice", "coronal", *at(both))
    _, by = footprint(tmp, 21, "--mode", "slice-segmentation", "--slice", "coronal", *at(both))
    check(ly < by, f"coronal slice: liver (y {ly:.2f}) above the bladder (y {by:.2f})")

    # Every input kind and mode writes a PNG of the requested size.
    dicom = os.path.join(abdomen, "example_ct_dicom")
    render(os.path.join(tmp, "dicom.png"), dicom, "--preset", "bone", size=(200, 120))
    for mode in ["composite", "mip", "slice", "slice-segmentation"]:
        render(os.path.join(tmp, f"{mode}.png"), ct, "--labels", labels, "--mode", mode)
    for quality in ["draft", "full", "cinematic"]:
        render(os.path.join(tmp, f"{quality}.png"), ct, "--quality", quality)
    for preset in ["bone", "soft-tissue", "lung", "angio"]:
        image = render(os.path.join(tmp, f"{preset}.png"), ct, "--preset", preset)
        check((image.sum(axis=2) > 30).mean() > 0.03, f"preset {preset} draws (almost) nothing")
    btcv = os.path.join(tmp, "btcv.nii.gz")
    save_btcv_map(labels, btcv)
    dataset = os.path.join(tmp, "dataset")
    run(V, "export", ct, "--labels", btcv, "--model", os.path.join(args.source, "models", "demo"),
        "-o", dataset)
    for camera in ["Anterior", "left", "superior"]:
        image = render(os.path.join(tmp, "clara.png"), dataset, "--camera", camera)
        check((image.sum(axis=2) > 30).mean() > 0.03, f"Clara dataset, {camera}: nothing drawn")
    deploy = render(os.path.join(tmp, "deploy.png"), ct, "--labels", btcv, "--settings",
                    os.path.join(reference, "config_render.clara-deploy.json"))
    viz = render(os.path.join(tmp, "viz.png"), ct, "--labels", btcv, "--settings",
                 os.path.join(reference, "settings.clara-viz.json"))
    # The two reference files hold the same values (Clara Deploy's singular keys, Clara Viz's
    # plural ones, float32 rounding): the same picture.
    check(np.abs(deploy - viz).max() <= 2, "Clara Deploy and Clara Viz settings render differently")

    # Bad input: refused with a clear message; an earlier output survives byte for byte.
    out = os.path.join(tmp, "keep.png")
    render(out, ct)
    before = open(out, "rb").read()
    bad_json = os.path.join(tmp, "bad.json")
    with open(bad_json, "w") as f:
        f.write('{"TransferFunction": {"components": [{"opacityProfile": "ROUND"')
    wrong_grid = os.path.join(abdomen, "example_seg_dicom.nii.gz")
    cases = [
        (["--size", "8x8"], "--size"),
        (["--size", "512"], "--size"),
        (["--camera", "sideways"], "sideways"),
        (["--preset", "chrome"], "chrome"),
        (["--mode", "xray"], "--mode"),
        (["--hide", "5-x"], "--hide"),
        (["--crop", "0,2,0,1,0,1"], "--crop"),
        (["--clip", "0,0,0,0,0,0"], "--clip"),
        (["--window", "40"], "--window"),
        (["--slice-at", "1,2"], "--slice-at"),
        (["--settings", bad_json], "bad.json"),
        (["--labels", wrong_grid], "grid"),
        (["--labels", labels, "--label-names", bad_json], "bad.json"),
    ]
    for extra, expected in cases:
        code, _, err = run(V, "render", ct, *extra, "-o", out, expect_ok=False)
        check(expected in err, f"{extra}: error should mention '{expected}': {err.strip()}")
        check(open(out, "rb").read() == before, f"{extra}: the earlier output was changed")
    code, _, err = run(V, "render", os.path.join(tmp, "missing.nii.gz"), "-o", out, expect_ok=False)
    check("missing.nii.gz" in err, f"missing input: {err.strip()}")
    check(open(out, "rb").read() == before, "missing input: the earlier output was changed")
    leftovers = [n for n in os.listdir(tmp) if n.startswith(".") or ".tmp" in n]
    check(not leftovers, f"temporary files left behind: {leftovers}")
print("PASS")
