#!/usr/bin/env python3
"""Truth test: Viscera's NIfTI reader and writer against nibabel (Debian's python3-nibabel).

For every NIfTI file under DATA (the shared TotalSegmentator examples) it compares
`viscera info --json` with nibabel (affine, shape, axis codes, value range, voxel type), converts
the file to .nii.gz and .nii with `viscera convert` and checks with nibabel that the affine and the
voxel array are unchanged. It then has nibabel write the headers the shared files lack (NIfTI-2,
big-endian, qform-only oblique of both handednesses, no transform at all, scaled voxels) and checks
Viscera reads those the way nibabel does. Missing data or binary is a failure, never a skip.

Usage: test_nifti_nibabel.py --viscera BIN --data DATA_DIR --source SOURCE_DIR
"""
import glob
import os
import sys
import tempfile

import nibabel as nib
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from truth_common import check, fail, info, parse_args, run  # noqa: E402

ATOL = 1e-4
# nibabel dtype of the stored voxels -> the voxel type Viscera promises (src/io/nifti_io.h).
EXPECTED_TYPE = {"uint8": "uint8", "int8": "int16", "int16": "int16", "uint16": "uint16",
                 "int32": "int32", "float32": "float32", "float64": "float32"}


def nibabel_truth(path):
    img = nib.load(path)
    data = np.asanyarray(img.dataobj)  # with nibabel's scl_slope / scl_inter applied
    return img, data


def check_info(viscera, path, img, data, expected_type):
    """`viscera info --json` agrees with nibabel about one file."""
    name = os.path.basename(path)
    j = info(viscera, path)
    affine = np.array(j["affine_ras"], dtype=float)
    check(affine.shape == (4, 4), f"{name}: affine_ras is not 4x4: {j['affine_ras']}")
    if not np.allclose(affine, img.affine, atol=ATOL, rtol=0):
        fail(f"{name}: affine_ras differs from nibabel's img.affine\n"
             f"viscera:\n{affine}\nnibabel:\n{img.affine}")
    check(tuple(j["size"]) == tuple(img.shape[:3]) + (1,) * (3 - len(img.shape)),
          f"{name}: size {j['size']} but nibabel shape {img.shape}")
    codes = "".join(nib.aff2axcodes(img.affine))
    check(j["axis_codes"] == codes, f"{name}: axis codes {j['axis_codes']}, nibabel {codes}")
    lo, hi = float(data.min()), float(data.max())
    check(abs(j["range"][0] - lo) <= ATOL * max(1, abs(lo)) and
          abs(j["range"][1] - hi) <= ATOL * max(1, abs(hi)),
          f"{name}: range {j['range']} but nibabel data spans {lo}..{hi}")
    check(j["voxel_type"] == expected_type,
          f"{name}: voxel_type {j['voxel_type']}, expected {expected_type} "
          f"(stored {img.get_data_dtype()})")
    # The LPS fields are the same placement: spacing = column norms, origin/direction flipped x, y.
    flip = np.diag([-1.0, -1.0, 1.0])
    spacing = np.linalg.norm(img.affine[:3, :3], axis=0)
    check(np.allclose(j["spacing"], spacing, atol=ATOL), f"{name}: spacing {j['spacing']} "
          f"but nibabel column norms {spacing}")
    check(np.allclose(j["origin_lps"], flip @ img.affine[:3, 3], atol=ATOL),
          f"{name}: origin_lps {j['origin_lps']} vs nibabel {flip @ img.affine[:3, 3]}")
    direction = flip @ img.affine[:3, :3] / spacing
    check(np.allclose(np.array(j["direction_lps"]), direction, atol=ATOL),
          f"{name}: direction_lps {j['direction_lps']} vs nibabel\n{direction}")


def check_convert(viscera, path, img, data, tmp):
    """`viscera convert` to .nii.gz and .nii keeps affine and voxels, as nibabel sees them."""
    stem = os.path.basename(path).split(".")[0]
    for ext in (".nii.gz", ".nii"):
        out = os.path.join(tmp, stem + "_converted" + ext)
        run(viscera, "convert", path, out)
        check(os.path.isfile(out), f"convert {path} {out} reported success but wrote nothing")
        back = nib.load(out)
        if not np.array_equal(back.affine, img.affine):
            fail(f"{stem}{ext}: affine changed by convert\nbefore:\n{img.affine}\n"
                 f"after:\n{back.affine}")
        hdr = back.header
        check(int(hdr["sform_code"]) == 1 and int(hdr["qform_code"]) == 1,
              f"{stem}{ext}: sform/qform codes {hdr['sform_code']}/{hdr['qform_code']}, want 1/1")
        check(np.allclose(hdr.get_qform(), img.affine, atol=ATOL),
              f"{stem}{ext}: qform\n{hdr.get_qform()}\ndisagrees with sform\n{img.affine}")
        check(hdr.get_xyzt_units()[0] == "mm", f"{stem}{ext}: units {hdr.get_xyzt_units()}")
        converted = np.asanyarray(back.dataobj)
        check(converted.shape == data.shape, f"{stem}{ext}: shape {converted.shape}, "
              f"was {data.shape}")
        if not np.array_equal(converted, data):
            bad = np.argwhere(converted != data)
            fail(f"{stem}{ext}: {len(bad)} voxels changed by convert, first at {bad[0].tolist()}")
        os.remove(out)


def synthetic_cases(source_path, tmp):
    """Headers nibabel writes that the shared files do not have: (file, expected voxel type)."""
    src = nib.load(source_path)
    data = np.asanyarray(src.dataobj)[:40, :30, :10].astype(np.int16)
    oblique = np.eye(4)
    c, s = np.cos(0.3), np.sin(0.3)
    rotation = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ np.array(
        [[1, 0, 0], [0, np.cos(0.2), -np.sin(0.2)], [0, np.sin(0.2), np.cos(0.2)]])
    oblique[:3, :3] = rotation @ np.diag([0.8, 0.9, 2.5])
    oblique[:3, 3] = [10.5, -20.25, 30.0]
    improper = oblique.copy()
    improper[:3, 2] *= -1
    cases = []

    def save(img, name, expected_type="int16"):
        path = os.path.join(tmp, name)
        nib.save(img, path)
        cases.append((path, expected_type))

    save(nib.Nifti2Image(data, src.affine), "nifti2.nii.gz")
    save(nib.Nifti2Image(data, oblique), "nifti2_plain.nii")
    big_endian = nib.Nifti1Header(endianness=">")
    big_endian.set_data_dtype(np.int16)
    save(nib.Nifti1Image(data, oblique, header=big_endian), "big.nii")
    save(nib.Nifti1Image(data.astype(np.float64) / 3, improper), "float64.nii.gz", "float32")
    save(nib.Nifti1Image(data.astype(np.int8), src.affine), "int8.nii", "int16")
    for name, affine in (("qform_only.nii", oblique), ("qform_improper.nii.gz", improper)):
        img = nib.Nifti1Image(data, affine)
        img.set_sform(None, code=0)
        img.set_qform(affine, code=1)
        save(img, name)
    base = nib.Nifti1Image(data, None)
    base.header.set_zooms((0.8, 0.9, 2.5))
    save(base, "no_transform.nii")
    halved = nib.Nifti1Image(data, src.affine)
    halved.header.set_slope_inter(0.5, 10)
    save(halved, "slope_half.nii", "float32")
    shifted = nib.Nifti1Image(data, src.affine)
    shifted.header.set_slope_inter(1, -1024)
    save(shifted, "inter_int.nii.gz", "int16")  # whole-number scaling that fits stays int16
    return cases


def main():
    args = parse_args(__doc__.splitlines()[0])
    check(os.path.isfile(args.viscera), f"viscera binary not found at {args.viscera}")
    files = sorted(glob.glob(os.path.join(args.data, "**", "*.nii.gz"), recursive=True))
    check(len(files) >= 5, f"expected the 5 TotalSegmentator NIfTI files under {args.data}, "
          f"found {len(files)}: {files}")
    with tempfile.TemporaryDirectory(prefix="viscera-nifti-truth-") as tmp:
        for path in files:
            img, data = nibabel_truth(path)
            expected = EXPECTED_TYPE[img.get_data_dtype().name]
            check_info(args.viscera, path, img, data, expected)
            check_convert(args.viscera, path, img, data, tmp)
            print(f"ok  {os.path.relpath(path, args.data)}: {img.shape} {expected}, "
                  f"{''.join(nib.aff2axcodes(img.affine))}")
        ct_sm = [f for f in files if f.endswith("example_ct_sm.nii.gz")]
        check(len(ct_sm) == 1, "example_ct_sm.nii.gz missing from the shared data")
        for path, expected in synthetic_cases(ct_sm[0], tmp):
            img, data = nibabel_truth(path)
            check(img.get_data_dtype().name in EXPECTED_TYPE, f"{path}: nibabel wrote "
                  f"{img.get_data_dtype()}")
            check_info(args.viscera, path, img, data, expected)
            print(f"ok  {os.path.basename(path)}: {expected}, "
                  f"{''.join(nib.aff2axcodes(img.affine))}")
    print("PASS: NIfTI reading and writing agree with nibabel")


if __name__ == "__main__":
    main()
