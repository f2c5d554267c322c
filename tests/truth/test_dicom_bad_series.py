"""Broken and ambiguous DICOM folders get clear errors naming the problem (never a wrong volume),
series selection rules pick the right series, and a failed convert leaves no output behind.
Fixtures are crafted with pydicom from six neighbouring slices of the LIDC series."""
import copy
import json
import os
import tempfile

import pydicom
from pydicom.uid import generate_uid

from pydicom_ct import lidc_slices_by_position
from truth_common import check, info, parse_args, run

args = parse_args(__doc__)
slices = [pydicom.dcmread(f) for f in lidc_slices_by_position(args.data)[50:56]]


def write_series(folder, datasets):
    os.makedirs(folder)
    for n, d in enumerate(datasets):
        d.save_as(os.path.join(folder, f"slice{n:03d}.dcm"))
    return folder


def fresh():
    return [copy.deepcopy(d) for d in slices]


def expect_error(folder, *needles, extra=(), code=None):
    rc, _, err = run(args.viscera, "info", folder, *extra, expect_ok=False)
    for needle in needles:
        check(needle in err, f"{folder}: error should mention '{needle}', got: {err.strip()}")
    if code is not None:
        check(rc == code, f"{folder}: exit code {rc}, expected {code}")
    print(f"ok {os.path.basename(folder)}: {err.strip().splitlines()[0][:150]}")


with tempfile.TemporaryDirectory() as tmp:
    good = write_series(os.path.join(tmp, "good"), fresh())
    j = info(args.viscera, good)
    check(j["size"] == [512, 512, 6], f"good series size {j['size']}")

    ds = fresh()
    del ds[3]
    expect_error(write_series(os.path.join(tmp, "missing_slice"), ds),
                 "non-uniform slice spacing", "missing slices")

    ds = fresh()
    dup = copy.deepcopy(ds[2])
    dup.SOPInstanceUID = generate_uid()
    expect_error(write_series(os.path.join(tmp, "duplicate"), ds + [dup]), "duplicate slice position")

    ds = fresh()
    for k, d in enumerate(ds):
        x, y, z = (float(v) for v in d.ImagePositionPatient)
        d.ImagePositionPatient = [x, y + 0.3 * k, z]
    expect_error(write_series(os.path.join(tmp, "tilt"), ds), "gantry tilt")

    ds = fresh()
    small = ds[4]
    small.PixelData = small.pixel_array[:256, :256].copy().tobytes()
    small.Rows, small.Columns = 256, 256
    expect_error(write_series(os.path.join(tmp, "mixed_size"), ds), "mixed image sizes")

    ds = fresh()
    ds[1].ImageOrientationPatient = [1, 0, 0, 0, 0.9950042, -0.0998334]
    expect_error(write_series(os.path.join(tmp, "mixed_orientation"), ds), "mixed orientations")

    ds = fresh()
    for d in ds:
        d.Modality = "MR"
    expect_error(write_series(os.path.join(tmp, "no_ct"), ds), "no CT series", "(MR, 6 instances",
                 code=3)

    text = os.path.join(tmp, "not_dicom")
    os.makedirs(text)
    for n in range(3):
        with open(os.path.join(text, f"note{n}.txt"), "w") as f:
            f.write("not a DICOM file\n")
    expect_error(text, "no CT series", "3 not DICOM images", code=3)

    corrupt = write_series(os.path.join(tmp, "truncated"), fresh())
    victim = os.path.join(corrupt, "slice002.dcm")
    with open(victim, "r+b") as f:
        f.truncate(os.path.getsize(victim) - 100000)
    expect_error(corrupt, "slice002.dcm")

    # Two series in one folder: the original axial CT and a derived reformat.
    ds = fresh()
    derived_uid = generate_uid()
    derived = fresh()
    for d in derived:
        d.SeriesInstanceUID = derived_uid
        d.SeriesDescription = "Scout reformat"
        d.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
        d.SOPInstanceUID = generate_uid()
    both = write_series(os.path.join(tmp, "two_series"), ds + derived)
    j = info(args.viscera, both)
    check(j["series"]["series_instance_uid"] == str(slices[0].SeriesInstanceUID),
          "default rules must choose the ORIGINAL/PRIMARY series")
    check(len(j["series"]["other_series"]) == 1, "the other series is listed")

    def with_rules(rules):
        path = os.path.join(tmp, f"rules{abs(hash(json.dumps(rules)))}.json")
        with open(path, "w") as f:
            json.dump(rules, f)
        return path

    def selected(rules):
        return info(args.viscera, both, "--rules", with_rules(rules))["series"]["series_instance_uid"]

    rule = {"selections": [{"name": "scout", "conditions": {"Modality": "(?i)ct",
                                                            "SeriesDescription": "(?i)^scout"}}]}
    check(selected(rule) == derived_uid, "regex on SeriesDescription selects the reformat")
    rule = {"selections": [{"name": "x", "conditions": {"ImageType": ["AXIAL", "!DERIVED"]}}]}
    check(selected(rule) == str(slices[0].SeriesInstanceUID), "'!' excludes DERIVED")
    rule = {"selections": [{"name": "x", "conditions": {"SeriesDescription": "!scout"}}]}
    check(selected(rule) == str(slices[0].SeriesInstanceUID), "'!' negates a regex")
    thickness = float(slices[0].SliceThickness)
    rule = {"selections": [{"name": "x", "conditions": {"SliceThickness": [thickness - 0.1,
                                                                           thickness + 0.1]}}]}
    check(selected(rule) is not None, "numeric range on SliceThickness matches")
    rule = {"selections": [{"name": "x", "conditions": {"SliceThickness": [thickness + 1, None]}}]}
    expect_error(both, "no CT series matching", extra=("--rules", with_rules(rule)), code=3)
    rule = {"selections": [{"name": "x", "conditions": {"SeriesDescription": "(unclosed"}}]}
    expect_error(both, "invalid regex", extra=("--rules", with_rules(rule)), code=2)
    bad_json = os.path.join(tmp, "bad.json")
    with open(bad_json, "w") as f:
        f.write("{selections: ")
    expect_error(both, "not valid JSON", extra=("--rules", bad_json), code=2)
    j = info(args.viscera, both, "--series", derived_uid)
    check(j["series"]["series_instance_uid"] == derived_uid, "--series picks that UID")

    # A failed convert leaves an existing output untouched and no temporary files.
    out_dir = os.path.join(tmp, "out")
    os.makedirs(out_dir)
    out = os.path.join(out_dir, "ct.nii.gz")
    with open(out, "wb") as f:
        f.write(b"previous result")
    run(args.viscera, "convert", os.path.join(tmp, "missing_slice"), out, expect_ok=False)
    run(args.viscera, "convert", good, os.path.join(out_dir, "sub", "x.nii"), expect_ok=False)
    with open(out, "rb") as f:
        check(f.read() == b"previous result", "failed convert must not touch the existing output")
    check(sorted(os.listdir(out_dir)) == ["ct.nii.gz"],
          f"failed convert left files behind: {os.listdir(out_dir)}")
    _, _, err = run(args.viscera, "convert", good, os.path.join(out_dir, "ct.png"), expect_ok=False)
    check("output must be a .nii" in err, f"unknown output format error: {err}")
    _, _, err = run(args.viscera, "convert", good, out_dir, expect_ok=False)
    check("output must be a .nii" in err, f"folder as output error: {err}")
    run(args.viscera, "convert", good, out)
    check(sorted(os.listdir(out_dir)) == ["ct.nii.gz"], "no temporary files after success")
    print("ok atomic convert")
print("PASS")
