#!/usr/bin/python3
"""Outside truth for viscera's MetaImage writer and reader.

Converts each real NIfTI under DATA/totalseg-example (plus an oblique copy of one, whose
non-symmetric direction matrix would expose a transposed TransformMatrix) with
`viscera convert` to .mhd, .mhd --compress and .mha, then checks the result against readers we
did not write:
  (a) VTK's vtkMetaImageReader (Kitware's MetaIO): dims, spacing, origin (= LPS Offset) and every
      voxel equal nibabel's view of the source NIfTI;
  (b) the header's TransformMatrix/Offset/ElementSpacing, parsed here with the MetaIO/ITK
      convention (the 9 numbers are the LPS directions of axes i, j, k in turn), give nibabel's
      affine converted to LPS;
  (c) ITK (through plastimatch, which reads MetaImage with itk::MetaImageIO) turns the .mhd back
      into a NIfTI whose nibabel affine and voxels equal the source: this pins the TransformMatrix
      convention against ITK itself;
  (d) `viscera info --json` on the written file reports the source geometry.
Run: /usr/bin/python3 test_metaimage_vtk.py --viscera BIN --data /work/shared/data --source REPO
Needs python3-vtk9 and plastimatch (installed by scripts/install-deps.sh --test).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np

LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
failures = []
passes = 0


def check(ok, message):
    global passes
    if ok:
        passes += 1
    else:
        failures.append(message)
        print("FAIL: " + message, flush=True)


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (result.returncode, " ".join(cmd),
                                                              result.stdout, result.stderr))
    return result.stdout


def read_header(path):
    """Key -> value of a MetaImage header, up to and including ElementDataFile."""
    fields = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("ascii").strip()
            if not line:
                continue
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip()
            if key.strip() == "ElementDataFile":
                break
    return fields


def header_affine_lps(fields):
    """Index -> LPS affine implied by a header, with MetaIO/ITK's TransformMatrix convention."""
    numbers = [float(x) for x in fields["TransformMatrix"].split()]
    spacing = [float(x) for x in fields["ElementSpacing"].split()]
    offset = [float(x) for x in fields["Offset"].split()]
    affine = np.eye(4)
    for axis in range(3):
        affine[:3, axis] = np.array(numbers[3 * axis:3 * axis + 3]) * spacing[axis]
    affine[:3, 3] = offset
    return affine


def vtk_read(path, vtk, numpy_support):
    reader = vtk.vtkMetaImageReader()
    reader.SetFileName(str(path))
    reader.Update()
    image = reader.GetOutput()
    dims = image.GetDimensions()
    scalars = image.GetPointData().GetScalars()
    if scalars is None:
        return dims, image.GetSpacing(), image.GetOrigin(), None
    flat = numpy_support.vtk_to_numpy(scalars)
    voxels = flat.reshape(dims[2], dims[1], dims[0]).transpose(2, 1, 0)  # VTK is x-fastest
    return dims, image.GetSpacing(), image.GetOrigin(), voxels


def make_oblique(source, out_path):
    """The source voxels with a rotated, anisotropic affine (no symmetric direction matrix)."""
    img = nib.load(source)
    angle = 0.5
    axis = np.array([1.0, 2.0, 3.0]) / np.sqrt(14.0)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)
    affine = np.eye(4)
    affine[:3, :3] = rotation @ np.diag([1.5, 2.25, 3.0])
    affine[:3, 3] = [-120.5, 33.25, -410.0]
    data = np.asanyarray(img.dataobj)
    out = nib.Nifti1Image(data, affine)
    out.set_qform(affine, code=1)
    out.set_sform(affine, code=1)
    nib.save(out, out_path)
    return out_path


def check_one(viscera, source, out, compress, vtk, numpy_support, plastimatch, work):
    name = "%s -> %s%s" % (os.path.basename(source), os.path.basename(out),
                           " --compress" if compress else "")
    src = nib.load(source)
    want_voxels = np.asanyarray(src.dataobj)
    want_lps = LPS_FROM_RAS @ src.affine
    want_spacing = np.linalg.norm(want_lps[:3, :3], axis=0)

    run([viscera, "convert", source, out] + (["--compress"] if compress else []))

    # (b) the header, parsed with the MetaIO/ITK convention.
    fields = read_header(out)
    check(np.allclose(header_affine_lps(fields), want_lps, atol=1e-4),
          "%s: header TransformMatrix/Offset/ElementSpacing give\n%s\nbut nibabel (LPS) says\n%s"
          % (name, header_affine_lps(fields), want_lps))
    check(fields.get("CompressedData") == ("True" if compress else "False"),
          "%s: CompressedData is %s" % (name, fields.get("CompressedData")))
    if out.endswith(".mha"):
        check(fields.get("ElementDataFile") == "LOCAL", "%s: .mha data is not LOCAL" % name)
    else:
        data_name = os.path.splitext(os.path.basename(out))[0] + (".zraw" if compress else ".raw")
        check(fields.get("ElementDataFile") == data_name,
              "%s: ElementDataFile %s, expected %s" % (name, fields.get("ElementDataFile"), data_name))
        check(os.path.isfile(os.path.join(os.path.dirname(out), data_name)),
              "%s: data file %s missing" % (name, data_name))

    # (a) VTK's MetaIO reader.
    dims, spacing, origin, voxels = vtk_read(out, vtk, numpy_support)
    check(tuple(dims) == tuple(want_voxels.shape),
          "%s: VTK dims %s, nibabel shape %s" % (name, dims, want_voxels.shape))
    check(np.allclose(spacing, want_spacing, atol=1e-4),
          "%s: VTK spacing %s, nibabel %s" % (name, spacing, want_spacing))
    check(np.allclose(origin, want_lps[:3, 3], atol=1e-4),
          "%s: VTK origin %s, nibabel LPS origin %s" % (name, origin, want_lps[:3, 3]))
    same = voxels is not None and voxels.shape == want_voxels.shape and np.array_equal(
        voxels.astype(np.float64), want_voxels.astype(np.float64))
    check(same, "%s: VTK voxels differ from nibabel's" % name)

    # (d) our own reader through the CLI.
    info = json.loads(run([viscera, "info", "--json", out]))
    check(list(info["size"]) == list(want_voxels.shape), "%s: info size %s" % (name, info["size"]))
    check(np.allclose(info["spacing"], want_spacing, atol=1e-4),
          "%s: info spacing %s" % (name, info["spacing"]))
    check(np.allclose(info["origin_lps"], want_lps[:3, 3], atol=1e-4),
          "%s: info origin_lps %s" % (name, info["origin_lps"]))
    check(np.allclose(np.array(info["direction_lps"]), want_lps[:3, :3] / want_spacing, atol=1e-4),
          "%s: info direction_lps %s" % (name, info["direction_lps"]))

    # (c) ITK reads the header (only the plain .mhd, to keep the run short).
    if out.endswith(".mhd") and not compress:
        itk_nifti = os.path.join(work, "itk.nii.gz")
        run([plastimatch, "convert", "--input", out, "--output-img", itk_nifti])
        itk = nib.load(itk_nifti)
        check(np.allclose(itk.affine, src.affine, atol=1e-3),
              "%s: ITK (plastimatch) reads the affine as\n%s\nbut the source is\n%s"
              % (name, itk.affine, src.affine))
        check(np.array_equal(np.asanyarray(itk.dataobj).astype(np.float64),
                             want_voxels.astype(np.float64)),
              "%s: ITK (plastimatch) voxels differ" % name)
        os.remove(itk_nifti)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viscera", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()

    folder = os.path.join(args.data, "totalseg-example")
    sources = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                     if f.endswith(".nii.gz")) if os.path.isdir(folder) else []
    if not sources:
        print("ERROR: no NIfTI files under %s (shared test data missing)" % folder)
        return 2
    if not os.access(args.viscera, os.X_OK):
        print("ERROR: viscera binary %s not found" % args.viscera)
        return 2
    try:
        import vtk
        from vtk.util import numpy_support
    except ImportError as e:
        print("ERROR: VTK for /usr/bin/python3 is missing (apt-get install python3-vtk9): %s" % e)
        return 2
    plastimatch = shutil.which("plastimatch")
    if plastimatch is None:
        print("ERROR: plastimatch (ITK's MetaImage reader) is missing (apt-get install plastimatch)")
        return 2

    with tempfile.TemporaryDirectory(prefix="viscera-mhd-truth-") as work:
        sources.append(make_oblique(os.path.join(folder, "example_ct_sm.nii.gz"),
                                    os.path.join(work, "oblique_ct_sm.nii.gz")))
        for source in sources:
            stem = os.path.basename(source).split(".")[0]
            for suffix, compress in ((".mhd", False), ("_z.mhd", True), (".mha", False)):
                out = os.path.join(work, stem + suffix)
                try:
                    check_one(args.viscera, source, out, compress, vtk, numpy_support,
                              plastimatch, work)
                except Exception as e:  # a crash in one case is a failure, not the end of the run
                    check(False, "%s -> %s: %s" % (os.path.basename(source), suffix, e))

    print("%d passed, %d failed" % (passes, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
