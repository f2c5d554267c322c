"""DICOM SEG and RT Structure Set written by `viscera export`, checked from the outside: dciodvfy
(dicom3tools) finds no error in either; pydicom decodes the SEG frames and, placed by their
referenced source slice, they equal the label map voxel for voxel; the RTSTRUCT contours, filled
by the even-odd rule at pixel centres with pydicom's geometry of each referenced slice, give back
each organ (Dice reported, >= 0.95 required). References (SOP instances, series, study, frame of
reference) and patient/study attributes must be the source's. The label map is made from the
TotalSegmentator prediction for the shared DICOM series, mapped to BTCV ids (PIPELINE.md)."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile

import nibabel as nib
import numpy as np
import pydicom
from pydicom.uid import generate_uid

from truth_common import check, fail, parse_args, run, save_btcv_map

args = parse_args(__doc__)
series_dir = os.path.join(args.data, "totalseg-example", "example_ct_dicom")
total_map = os.path.join(args.data, "totalseg-example", "example_seg_dicom.nii.gz")
model_dir = os.path.join(args.source, "models", "demo")
for path in (series_dir, total_map, os.path.join(model_dir, "metadata.json")):
    check(os.path.exists(path), f"missing {path}")
DCIODVFY = "/usr/bin/dciodvfy"
check(os.access(DCIODVFY, os.X_OK), f"{DCIODVFY} not found (Debian package dicom3tools)")

with open(os.path.join(model_dir, "metadata.json")) as f:
    LABELS = {entry["id"]: entry for entry in json.load(f)["output"]["labels"]}
ANATOMICAL_STRUCTURE = ("123037004", "SCT", "Anatomical Structure")

# What dciodvfy may still say, and why it is not ours to fix: the shared series is anonymised
# with PatientID and StudyID emptied (Type 2, copied as they are), which a DICOMDIR would need.
ALLOWED_WARNINGS = [
    "Warning - Missing attribute or value that would be needed to build DICOMDIR - Patient ID",
    "Warning - Missing attribute or value that would be needed to build DICOMDIR - Study ID",
]


def source_slices(folder):
    """pydicom's view of the source: per slice (sorted along the normal) its SOP Instance UID,
    position, and the shared orientation and pixel spacing; plus the first slice's data set."""
    datasets = [pydicom.dcmread(f, stop_before_pixels=True)
                for f in glob.glob(os.path.join(folder, "*"))]
    iop = np.array(datasets[0].ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, float), normal)))
    slices = []
    for d in datasets:
        uid = str(d.get("SOPInstanceUID", "")) or str(d.file_meta.MediaStorageSOPInstanceUID)
        slices.append({"uid": uid, "ipp": np.array(d.ImagePositionPatient, float)})
    spacing = np.array(datasets[0].PixelSpacing, float)  # between rows, between columns
    return slices, iop, spacing, datasets[0]


def dicom_grid_affine(slices, iop, spacing):
    """(i column, j row, k slice) -> LPS mm, from pydicom's reading alone."""
    a = np.eye(4)
    a[:3, 0] = iop[:3] * spacing[1]
    a[:3, 1] = iop[3:] * spacing[0]
    a[:3, 2] = (slices[-1]["ipp"] - slices[0]["ipp"]) / (len(slices) - 1)
    a[:3, 3] = slices[0]["ipp"]
    return a


def labels_on_dicom_grid(nifti_path, slices, iop, spacing, shape):
    """The label map resampled (exactly: the grids coincide up to axis order and flips) onto the
    DICOM grid, indexed [i, j, k]."""
    img = nib.load(nifti_path)
    data = np.asanyarray(img.dataobj)
    ras_to_lps = np.diag([-1.0, -1.0, 1.0, 1.0])
    m = np.linalg.inv(ras_to_lps @ img.affine) @ dicom_grid_affine(slices, iop, spacing)
    check(np.allclose(np.abs(m[:3, :3]).sum(axis=0), 1, atol=1e-4) and
          np.allclose(m[:3, :3], np.round(m[:3, :3]), atol=1e-4) and
          np.allclose(m[:3, 3], np.round(m[:3, 3]), atol=1e-3),
          f"label map grid is not the DICOM grid up to axis flips: {m}")
    idx = np.indices(shape).reshape(3, -1)
    nifti_idx = np.round(m[:3, :3] @ idx + m[:3, 3:4]).astype(int)
    return data[tuple(nifti_idx)].reshape(shape)


def make_btcv_map(path):
    return save_btcv_map(total_map, path)[1]


def with_uids(src, dst, patient):
    """A copy of the anonymised series with Study/Series/SOP UIDs and a patient, so that the
    references and copies can be compared with real values (pixel data kept as encoded)."""
    os.makedirs(dst)
    study, series = generate_uid(), generate_uid()
    for n, f in enumerate(sorted(glob.glob(os.path.join(src, "*")))):
        d = pydicom.dcmread(f)
        d.SOPClassUID = d.file_meta.MediaStorageSOPClassUID
        d.SOPInstanceUID = d.file_meta.MediaStorageSOPInstanceUID
        d.StudyInstanceUID, d.SeriesInstanceUID = study, series
        d.PatientName, d.PatientID, d.StudyID = patient["name"], patient["id"], "S7"
        d.save_as(os.path.join(dst, f"slice{n:03d}.dcm"))


def dciodvfy(path):
    proc = subprocess.run([DCIODVFY, path], capture_output=True, text=True)
    lines = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    check(not errors, f"dciodvfy {path}:\n" + "\n".join(errors))
    warnings = [line for line in lines if line.startswith("Warning")]
    unexpected = [w for w in warnings if w not in ALLOWED_WARNINGS]
    check(not unexpected, f"dciodvfy {path}: new warnings:\n" + "\n".join(unexpected))
    print(f"  dciodvfy {os.path.basename(path)}: 0 errors, {len(warnings)} known warnings")


def code_of(item):
    return (str(item.CodeValue), str(item.CodingSchemeDesignator), str(item.CodeMeaning))


def lab_to_rgb(scaled):
    """DICOM scaled CIELab (D50) -> sRGB 0..255: the inverse path of the writer's conversion."""
    L = scaled[0] / 65535 * 100
    a, b = (v / 65535 * 255 - 128 for v in scaled[1:])
    fy = (L + 16) / 116
    f = np.array([fy + a / 500, fy, fy - b / 200])
    t = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29))
    xyz = t * np.array([0.96422, 1.0, 0.82521])
    d50_to_srgb = np.linalg.inv(np.array([[0.4360747, 0.3850649, 0.1430804],
                                          [0.2225045, 0.7168786, 0.0606169],
                                          [0.0139322, 0.0971045, 0.7141733]]))
    lin = np.clip(d50_to_srgb @ xyz, 0, 1)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return srgb * 255


def check_seg(path, expected, slices, present, source_ref):
    ds = pydicom.dcmread(path)
    check(ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1", "SEG: explicit VR LE")
    check(ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.66.4", f"SEG SOP class {ds.SOPClassUID}")
    check(ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID, "SEG meta instance UID")
    check(ds.Modality == "SEG" and ds.SegmentationType == "BINARY", "SEG modality / type")
    check(ds.BitsAllocated == 1 and ds.BitsStored == 1 and ds.HighBit == 0, "SEG 1-bit pixels")
    check([int(s.SegmentNumber) for s in ds.SegmentSequence] == list(range(1, len(present) + 1)),
          "segments numbered 1..n")
    by_number = {}
    for seg, label_id in zip(ds.SegmentSequence, present):
        entry = LABELS[label_id]
        check(seg.SegmentLabel == entry["name"], f"segment label {seg.SegmentLabel}")
        code = entry["code"]
        check(code_of(seg.SegmentedPropertyTypeCodeSequence[0]) ==
              (code["value"], code["scheme"], code["meaning"]), f"{entry['name']}: type code")
        check(code_of(seg.SegmentedPropertyCategoryCodeSequence[0]) == ANATOMICAL_STRUCTURE,
              f"{entry['name']}: category code")
        check(seg.SegmentAlgorithmType == "AUTOMATIC" and seg.SegmentAlgorithmName,
              "algorithm type and name")
        rgb = lab_to_rgb([int(v) for v in seg.RecommendedDisplayCIELabValue])
        check(np.abs(rgb - np.array(entry["color"])).max() < 1.0,
              f"{entry['name']}: CIELab {list(seg.RecommendedDisplayCIELabValue)} is not colour "
              f"{entry['color']} (back to sRGB: {rgb.round(2)})")
        by_number[int(seg.SegmentNumber)] = label_id
    frames = ds.pixel_array  # pydicom unpacks the 1-bit frames
    n_frames = len(present) * len(slices)
    check(int(ds.NumberOfFrames) == n_frames and frames.shape == (n_frames, ds.Rows, ds.Columns),
          f"SEG frames {frames.shape}, expected {n_frames}")
    # The same bits unpacked by hand: frames back to back, least significant bit first.
    raw = np.unpackbits(np.frombuffer(ds.PixelData, np.uint8), bitorder="little")
    check(np.array_equal(raw[:frames.size].reshape(frames.shape), frames), "bit packing")
    uid_to_k = {s["uid"]: k for k, s in enumerate(slices)}
    decoded = np.zeros(expected.shape, np.uint16)
    order = []
    for f, frame in enumerate(ds.PerFrameFunctionalGroupsSequence):
        number = int(frame.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        uid = frame.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        purpose = frame.DerivationImageSequence[0].SourceImageSequence[0] \
            .PurposeOfReferenceCodeSequence[0]
        check(code_of(purpose) == ("121322", "DCM", "Source image for image processing operation"),
              "purpose of reference")
        check(uid in uid_to_k, f"frame {f} references unknown instance {uid}")
        k = uid_to_k[uid]
        ipp = np.array(frame.PlanePositionSequence[0].ImagePositionPatient, float)
        check(np.allclose(ipp, slices[k]["ipp"], atol=1e-4), f"frame {f} position {ipp}")
        check(list(frame.FrameContentSequence[0].DimensionIndexValues) == [number, k + 1],
              f"frame {f} dimension index")
        order.append((number, k))
        mask = frames[f].T.astype(bool)  # frame is [row j, column i]
        check(not np.any(decoded[:, :, k][mask]), f"segments overlap on slice {k}")
        decoded[:, :, k][mask] = by_number[number]
    check(order == sorted(order), "frames ordered segment-major, then slice")
    mismatch = int(np.count_nonzero(decoded != expected))
    check(mismatch == 0, f"SEG decoded by pydicom differs from the label map in {mismatch} voxels")
    refs = ds.ReferencedSeriesSequence[0]
    check(sorted(r.ReferencedSOPInstanceUID for r in refs.ReferencedInstanceSequence) ==
          sorted(uid_to_k), "SEG references every source instance")
    shared = ds.SharedFunctionalGroupsSequence[0]
    check(np.allclose(np.array(shared.PlaneOrientationSequence[0].ImageOrientationPatient, float),
                      source_ref["iop"]), "SEG orientation")
    check(np.allclose(np.array(shared.PixelMeasuresSequence[0].PixelSpacing, float),
                      source_ref["spacing"]), "SEG pixel spacing")
    print(f"  seg.dcm: {len(present)} segments x {len(slices)} slices, identical to the label map")
    return ds


def even_odd_fill(polygons, rows, columns):
    """Pixels [j, i] whose centre is inside by the even-odd rule, for polygons in pixel units."""
    inside = np.zeros((rows, columns), bool)
    for poly in polygons:
        lo = np.maximum(np.floor(poly.min(axis=0)).astype(int), 0)
        hi = np.minimum(np.ceil(poly.max(axis=0)).astype(int), [columns - 1, rows - 1])
        ys, xs = np.mgrid[lo[1]:hi[1] + 1, lo[0]:hi[0] + 1].astype(float)
        region = np.zeros(xs.shape, bool)
        for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0)):
            crosses = (y0 > ys) != (y1 > ys)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x0 + (ys - y0) * (x1 - x0) / (y1 - y0)
            region ^= crosses & (xs < x_at)
        inside[lo[1]:hi[1] + 1, lo[0]:hi[0] + 1] ^= region
    return inside


def check_rtstruct(path, expected, slices, present, source_ref):
    ds = pydicom.dcmread(path)
    check(ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.481.3", "RTSTRUCT SOP class")
    check(ds.Modality == "RTSTRUCT", "RTSTRUCT modality")
    rois = {int(r.ROINumber): r for r in ds.StructureSetROISequence}
    check(sorted(rois) == present, f"ROIs {sorted(rois)} != present labels {present}")
    for number, roi in rois.items():
        check(roi.ROIName == LABELS[number]["name"], f"ROI {number} name {roi.ROIName}")
        check(roi.ROIGenerationAlgorithm == "AUTOMATIC", "ROIGenerationAlgorithm")
        check(roi.ReferencedFrameOfReferenceUID == source_ref["for"], "ROI frame of reference")
    check(all(o.RTROIInterpretedType == "ORGAN" for o in ds.RTROIObservationsSequence), "ORGAN")
    ref_for = ds.ReferencedFrameOfReferenceSequence[0]
    check(ref_for.FrameOfReferenceUID == source_ref["for"], "referenced frame of reference")
    study = ref_for.RTReferencedStudySequence[0]
    series = study.RTReferencedSeriesSequence[0]
    uid_to_k = {s["uid"]: k for k, s in enumerate(slices)}
    check(sorted(c.ReferencedSOPInstanceUID for c in series.ContourImageSequence) ==
          sorted(uid_to_k), "RTSTRUCT lists every source slice")
    iop, spacing = source_ref["iop"], source_ref["spacing"]
    normal = np.cross(iop[:3], iop[3:])
    columns, rows = expected.shape[0], expected.shape[1]
    dice = {}
    for roi_contour in ds.ROIContourSequence:
        number = int(roi_contour.ReferencedROINumber)
        check(list(roi_contour.ROIDisplayColor) == LABELS[number]["color"], "ROI colour")
        per_slice = {}
        for c in roi_contour.ContourSequence:
            check(c.ContourGeometricType == "CLOSED_PLANAR", "CLOSED_PLANAR")
            data = [str(v) for v in c.ContourData]
            check(all(len(v) <= 16 for v in data), "DS values of at most 16 characters")
            points = np.array([float(v) for v in data]).reshape(-1, 3)
            check(len(points) == int(c.NumberOfContourPoints), "NumberOfContourPoints")
            k = uid_to_k[c.ContourImageSequence[0].ReferencedSOPInstanceUID]
            rel = points - slices[k]["ipp"]
            check(np.abs(rel @ normal).max() < 1e-3, f"contour off the plane of slice {k}")
            pixel = np.stack([rel @ iop[:3] / spacing[1], rel @ iop[3:] / spacing[0]], axis=1)
            per_slice.setdefault(k, []).append(pixel)
        filled = np.zeros(expected.shape, bool)
        for k, polygons in per_slice.items():
            filled[:, :, k] = even_odd_fill(polygons, rows, columns).T
        truth = expected == number
        dice[number] = 2 * np.count_nonzero(filled & truth) / (filled.sum() + truth.sum())
    for number in present:
        print(f"    Dice {LABELS[number]['name']:<26} {dice.get(number, 0):.4f}")
        check(dice.get(number, 0) >= 0.95, f"RTSTRUCT {LABELS[number]['name']}: Dice "
                                             f"{dice.get(number, 0):.4f} < 0.95")
    return ds, dice


def export(folder, labels, out, quiet=True):
    if quiet:
        return run(args.viscera, "export", folder, "--labels", labels, "--model", model_dir,
                   "-o", out)
    proc = subprocess.run([args.viscera, "export", folder, "--labels", labels, "--model",
                           model_dir, "-o", out], capture_output=True, text=True)
    check(proc.returncode == 0, f"export failed: {proc.stderr}")
    return proc.returncode, proc.stdout, proc.stderr


with tempfile.TemporaryDirectory() as tmp:
    btcv_path = os.path.join(tmp, "btcv.nii.gz")
    make_btcv_map(btcv_path)
    patient = {"name": "Truth^Tester", "id": "TRUTH-0042"}
    repaired = os.path.join(tmp, "with_uids")
    with_uids(series_dir, repaired, patient)

    results = {}
    for name, folder in (("anonymised series (no study/series UIDs)", series_dir),
                         ("series with UIDs and a patient", repaired)):
        print(f"{name}:")
        slices, iop, spacing, first = source_slices(folder)
        shape = (int(first.Columns), int(first.Rows), len(slices))
        expected = labels_on_dicom_grid(btcv_path, slices, iop, spacing, shape)
        present = sorted(int(v) for v in np.unique(expected) if v != 0)
        out = os.path.join(tmp, "out_" + str(len(results)))
        _, stdout, stderr = export(folder, btcv_path, out, quiet=False)
        for secret in patient.values():
            check(secret not in stdout + stderr, "the log must not contain patient data")
        seg_path, rt_path = os.path.join(out, "seg.dcm"), os.path.join(out, "rtstruct.dcm")
        dciodvfy(seg_path)
        dciodvfy(rt_path)
        source_ref = {"iop": iop, "spacing": spacing, "for": str(first.FrameOfReferenceUID)}
        seg = check_seg(seg_path, expected, slices, present, source_ref)
        rt, dice = check_rtstruct(rt_path, expected, slices, present, source_ref)
        for ds in (seg, rt):
            check(ds.FrameOfReferenceUID == source_ref["for"], "FrameOfReferenceUID = source's")
            for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                            "StudyID", "AccessionNumber", "StudyDate", "StudyTime"):
                check(str(ds.get(keyword, "")) == str(first.get(keyword, "")),
                      f"{ds.Modality}: {keyword} not copied from the source")
            check(re.fullmatch(r"2\.25\.[1-9][0-9]*", ds.SeriesInstanceUID) is not None,
                  "new series UID under 2.25")
            check(ds.SeriesInstanceUID != first.get("SeriesInstanceUID"), "a new series")
        study_uid = str(first.get("StudyInstanceUID", ""))
        series_uid = str(first.get("SeriesInstanceUID", ""))
        rt_study = rt.ReferencedFrameOfReferenceSequence[0].RTReferencedStudySequence[0]
        refs = (seg.StudyInstanceUID, rt.StudyInstanceUID, rt_study.ReferencedSOPInstanceUID)
        series_refs = (seg.ReferencedSeriesSequence[0].SeriesInstanceUID,
                       rt_study.RTReferencedSeriesSequence[0].SeriesInstanceUID)
        if study_uid:
            check(all(r == study_uid for r in refs), f"StudyInstanceUID {refs} != {study_uid}")
            check(all(r == series_uid for r in series_refs), "referenced series = source's")
        else:
            # Blanked by the anonymiser: both files must agree on the UIDs standing in for them.
            check(len(set(refs)) == 1 and len(set(series_refs)) == 1, "stand-in UIDs agree")
        results[name] = dice

    # Bad input: a label map on another grid fails, names the problem, and leaves the earlier
    # output folder exactly as it was.
    out = os.path.join(tmp, "out_0")
    before = {f: open(os.path.join(out, f), "rb").read() for f in ("seg.dcm", "rtstruct.dcm")}
    listing = sorted(os.listdir(out))
    img = nib.load(btcv_path)
    cropped = os.path.join(tmp, "cropped.nii.gz")
    nib.save(nib.Nifti1Image(np.asanyarray(img.dataobj)[:, :, :19], img.affine), cropped)
    rc, _, err = run(args.viscera, "export", series_dir, "--labels", cropped, "--model", model_dir,
                     "-o", out, expect_ok=False)
    check("grid" in err and "cropped.nii.gz" in err, f"unclear error for a wrong grid: {err}")
    check(sorted(os.listdir(out)) == listing, "failed export changed the output folder")
    for f, data in before.items():
        check(open(os.path.join(out, f), "rb").read() == data, f"failed export changed {f}")
    print(f"ok wrong grid refused (exit {rc}): {err.strip().splitlines()[-1][:160]}")
    # Nothing labelled: no organ to write; the error says so.
    empty = os.path.join(tmp, "empty.nii.gz")
    nib.save(nib.Nifti1Image(np.zeros(img.shape, np.uint8), img.affine), empty)
    # Nothing found is a valid result: a Clara dataset and stats, but no SEG (it needs a
    # segment) and no RTSTRUCT, with a warning that says so.
    proc = subprocess.run([args.viscera, "export", series_dir, "--labels", empty, "--model",
                           model_dir, "-o", os.path.join(tmp, "out_empty")],
                          capture_output=True, text=True)
    check(proc.returncode == 0, f"empty label map export failed: {proc.stderr}")
    check("no organ found" in proc.stderr, f"no warning for an empty label map: {proc.stderr}")
    check(not os.path.exists(os.path.join(tmp, "out_empty", "seg.dcm")), "SEG without segments")
    check(os.path.isfile(os.path.join(tmp, "out_empty", "config.meta")), "empty: Clara dataset")
    print("ok empty label map: Clara dataset and stats only")
print("PASS")
