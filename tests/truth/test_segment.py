"""`viscera segment` end to end with the bundled demo model, against the Python reference of the
same pipeline (models/unetr/reference_pipeline.py: torch + numpy + nibabel + pydicom):
- the first window's network input agrees to 1e-5 and its logits to 1e-3;
- the final label maps agree on >= 99.5% of voxels, for the DICOM series and the NIfTI CT;
- the outputs (Clara dataset, SEG, RTSTRUCT, meshes, stats) are there, on the source grid;
- bad input (non-CT series, corrupt model, channels that do not match the metadata, an output
  folder that cannot be written, a full disk) fails with a clear message and leaves an earlier
  OUTDIR exactly as it was."""
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np
import pydicom

from truth_common import check, parse_args

args = parse_args(__doc__)
model_dir = os.path.join(args.source, "models", "demo")
reference = os.path.join(args.source, "models", "unetr", "reference_pipeline.py")
dicom_ct = os.path.join(args.data, "totalseg-example", "example_ct_dicom")
nifti_ct = os.path.join(args.data, "totalseg-example", "example_ct.nii.gz")
meta = json.load(open(os.path.join(model_dir, "metadata.json")))
roi = meta["inference"]["roi"]
channels = meta["output"]["channels"]


def segment(input_path, out, *extra, expect_ok=True, limit_file_bytes=None, model=model_dir):
    def limits():
        if limit_file_bytes is not None:
            # A "full disk": writes past the limit fail with EFBIG instead of killing us.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))
    proc = subprocess.run([args.viscera, "segment", input_path, "-o", out, "--model", model,
                           "--threads", "2", *extra],
                          capture_output=True, text=True, preexec_fn=limits)
    if expect_ok:
        check(proc.returncode == 0, f"segment {input_path} failed: {proc.stderr[-3000:]}")
    else:
        check(proc.returncode != 0, f"segment {input_path} {extra} should have failed")
    return proc


def run_reference(input_path, out_nii, dump):
    proc = subprocess.run([sys.executable, reference, "--model", model_dir, "--input", input_path,
                           "-o", out_nii, "--threads", "2", "-q", "--dump-window", dump + ".in.npy",
                           "--dump-logits", dump + ".logits.npy"], capture_output=True, text=True)
    check(proc.returncode == 0, f"reference pipeline failed: {proc.stderr[-3000:]}")
    return nib.load(out_nii)


def read_mhd(path):
    """A MetaImage (uncompressed) as an (x, y, z) array plus its LPS index->world affine."""
    header = {}
    for line in open(path):
        key, _, value = line.partition("=")
        header[key.strip()] = value.strip()
    size = [int(v) for v in header["DimSize"].split()]
    dtype = {"MET_UCHAR": np.uint8, "MET_USHORT": np.uint16, "MET_SHORT": np.int16}[
        header["ElementType"]]
    raw = np.fromfile(os.path.join(os.path.dirname(path), header["ElementDataFile"]), dtype=dtype)
    data = raw.reshape(size[::-1]).transpose(2, 1, 0)
    spacing = [float(v) for v in header["ElementSpacing"].split()]
    direction = np.array([float(v) for v in header["TransformMatrix"].split()]).reshape(3, 3).T
    affine = np.eye(4)
    affine[:3, :3] = direction * spacing
    affine[:3, 3] = [float(v) for v in header["Offset"].split()]
    return data, affine


def folder_digest(folder):
    digest = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            digest[os.path.relpath(path, folder)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return digest


def compare_with_reference(input_path, out, name, work):
    dump = os.path.join(work, name + "-cpp")
    segment(input_path, out, "--dump-window", dump, "--name", name)
    ref = run_reference(input_path, os.path.join(work, name + "-ref.nii.gz"),
                        os.path.join(work, name + "-ref"))
    # One window, stage by stage: the network input, then the logits.
    cpp_in = np.fromfile(dump + ".input.f32", dtype=np.float32).reshape(roi)
    ref_in = np.load(os.path.join(work, name + "-ref.in.npy")).reshape(roi)
    check(np.abs(cpp_in - ref_in).max() < 1e-5,
          f"{name}: first window input differs by {np.abs(cpp_in - ref_in).max()}")
    cpp_logits = np.fromfile(dump + ".logits.f32", dtype=np.float32).reshape([channels] + roi)
    ref_logits = np.load(os.path.join(work, name + "-ref.logits.npy")).reshape([channels] + roi)
    logit_diff = np.abs(cpp_logits - ref_logits).max()
    check(logit_diff < 1e-3, f"{name}: first window logits differ by {logit_diff}")
    # Whole label maps, on the source grid.
    labels, lps = read_mhd(os.path.join(out, name + ".output.mhd"))
    ref_labels = np.asanyarray(ref.dataobj)
    check(labels.shape == ref_labels.shape, f"{name}: shape {labels.shape} vs {ref_labels.shape}")
    ras = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps
    check(np.allclose(ras, ref.affine, atol=1e-3), f"{name}: mask geometry differs\n{ras}\n{ref.affine}")
    agree = float((labels == ref_labels).mean())
    check(agree >= 0.995, f"{name}: label maps agree on only {agree:.4%} of voxels")
    present = sorted(int(v) for v in np.unique(labels) if v)
    print(f"{name}: window input max diff {np.abs(cpp_in - ref_in).max():.2e}, logits max diff "
          f"{logit_diff:.2e}, labels agree {agree:.4%}, organs {present}")
    return labels, present


with tempfile.TemporaryDirectory() as work:
    # --- DICOM series: every output, parity with the reference -----------------------------
    out = os.path.join(work, "dicom-out")
    labels, present = compare_with_reference(dicom_ct, out, "abdomen", work)
    for f in ["abdomen.nii.gz", "abdomen.mhd", "abdomen.output.mhd", "config.meta",
              "config_render.json", "seg.dcm", "rtstruct.dcm", "stats.json"]:
        check(os.path.isfile(os.path.join(out, f)), f"DICOM input: {f} missing")
    check(len(os.listdir(os.path.join(out, "meshes"))) == len(present),
          "one mesh per organ present")
    stats = json.load(open(os.path.join(out, "stats.json")))
    counted = {o["id"]: o["voxel_count"] for o in stats["organs"]}
    for label in range(1, channels):
        check(counted.get(label, 0) == int((labels == label).sum()), f"stats voxel count {label}")
    seg = pydicom.dcmread(os.path.join(out, "seg.dcm"))
    def instance_uid(path):
        # This anonymised series keeps its instance UIDs only in the file meta header.
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        return ds.SOPInstanceUID or ds.file_meta.MediaStorageSOPInstanceUID
    source_uids = {instance_uid(os.path.join(dicom_ct, f)) for f in os.listdir(dicom_ct)}
    check(seg.NumberOfFrames == len(present) * labels.shape[2], "SEG: a frame per slice per organ")
    refs = {item.ReferencedSOPInstanceUID for item in seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence}
    check(refs == source_uids, "SEG references every source slice")
    image = nib.load(os.path.join(out, "abdomen.nii.gz"))
    check(image.shape == labels.shape, "the image is written on the source grid")

    # --- NIfTI CT: no DICOM outputs, parity too ---------------------------------------------
    out_nii = os.path.join(work, "nifti-out")
    compare_with_reference(nifti_ct, out_nii, "example_ct", work)
    check(not os.path.exists(os.path.join(out_nii, "seg.dcm")), "no SEG without a DICOM source")
    check(os.path.isfile(os.path.join(out_nii, "example_ct.output.mhd")), "NIfTI input: mask")

    # --- A volume smaller than the roi is padded, not refused ---------------------------------
    ct = nib.load(nifti_ct)
    small = np.asanyarray(ct.dataobj)[30:70, 30:70, 40:60].astype(np.int16)
    small_path = os.path.join(work, "small.nii.gz")
    nib.save(nib.Nifti1Image(small, ct.affine), small_path)
    small_out = os.path.join(work, "small-out")
    segment(small_path, small_out)
    small_labels, _ = read_mhd(os.path.join(small_out, "small.output.mhd"))
    check(small_labels.shape == small.shape, "small volume: labels on its grid")

    # --- Bad input: clear errors, earlier results untouched -----------------------------------
    before = folder_digest(out)

    def refused(input_path, *extra, message, **kw):
        proc = segment(input_path, out, *extra, expect_ok=False, **kw)
        check(message in proc.stderr, f"expected '{message}' in: {proc.stderr[-2000:]}")
        check(folder_digest(out) == before, f"{message}: earlier outputs changed")
        leftovers = [n for n in os.listdir(work) if ".staging-" in n]
        check(not leftovers, f"staging folders left behind: {leftovers}")

    mr = os.path.join(work, "mr-series")
    os.makedirs(mr)
    for f in sorted(os.listdir(dicom_ct)):
        ds = pydicom.dcmread(os.path.join(dicom_ct, f))
        ds.Modality = "MR"
        ds.save_as(os.path.join(mr, f))
    refused(mr, message="no CT series matching the selection rules")

    bad_model = os.path.join(work, "bad-model")
    shutil.copytree(model_dir, bad_model)
    with open(os.path.join(bad_model, meta["model_file"]), "r+b") as f:
        f.truncate(4096)
    refused(dicom_ct, model=bad_model, message="not a loadable TorchScript model")

    wide_model = os.path.join(work, "wide-model")
    shutil.copytree(model_dir, wide_model)
    wide = json.load(open(os.path.join(wide_model, "metadata.json")))
    wide["output"]["channels"] = channels + 1
    wide["output"]["labels"].append({"id": channels, "name": "extra organ"})
    json.dump(wide, open(os.path.join(wide_model, "metadata.json"), "w"))
    refused(dicom_ct, model=wide_model,
            message=f"produces {channels} output channels but its metadata.json declares {channels + 1}")

    unwritable_parent = os.path.join(work, "a-file")
    open(unwritable_parent, "w").write("not a folder")
    proc = segment(dicom_ct, os.path.join(unwritable_parent, "out"), expect_ok=False)
    check("a-file" in proc.stderr, f"unwritable OUTDIR error names it: {proc.stderr}")

    # One window only (the small CT), with room for nothing but its smallest files.
    refused(small_path, limit_file_bytes=16 << 10, message="disk full")
print("PASS")
