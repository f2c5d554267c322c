#!/usr/bin/python3
"""Outside truth for `viscera export`'s stats.json, organ meshes and Clara dataset.

The BTCV label maps are made here from TotalSegmentator's 'total' maps with nibabel (ids mapped as
in models/unetr/PIPELINE.md, same affine), then exported twice: with the DICOM series
example_ct_dicom (whose label NIfTI is stored LAS, so viscera must reorient it onto the LPS image
grid) and with the NIfTI image example_ct.nii.gz (RAS; no DICOM outputs). Every figure is then
recomputed from the label NIfTI with nibabel + numpy only:
  stats.json   voxel counts, volumes (1e-6 relative), LPS centroids (1e-3 mm), index and LPS boxes;
  meshes       binary STL parsed with numpy and read with VTK's vtkSTLReader: "SPACE=LPS" header,
               closed and consistently oriented (each edge once in each direction), facet normals
               that match the vertex order, positive volume close to the voxel volume, bounds
               equal to the organ's voxel box in LPS within a voxel;
  Clara        config.meta names files that exist and `viscera info` loads; the .nii.gz holds the
               input HU (pydicom / nibabel); the density and mask .mhd (VTK's vtkMetaImageReader)
               hold the HU and the label map on the image grid; config_render.json has one
               component per present organ, ids exactly the present ones, distinct colours, and
               ranges normalised over the density's min..max.
Run: /usr/bin/python3 test_export_outputs.py --viscera BIN --data /work/shared/data --source REPO
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import nibabel as nib
import numpy as np

from pydicom_ct import load_ct_series
from truth_common import info, parse_args, save_btcv_map

LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
SOFT_TISSUE_HU, VESSEL_HU, BONE_MIN_HU = (-200, 300), (-200, 600), 200
VESSELS = {"aorta", "inferior vena cava", "portal and splenic veins"}

failures = []
passes = 0


def check(ok, message):
    global passes
    if ok:
        passes += 1
    else:
        failures.append(message)
        print("FAIL: " + message, flush=True)


def make_btcv_map(total_path, out_path):
    btcv, src = save_btcv_map(total_path, out_path)
    return btcv, LPS_FROM_RAS @ src.affine


def on_grid(labels, label_lps, image_lps, image_shape):
    """The label array resampled (exactly: the grids differ by axis order/flips) onto the image."""
    t = np.linalg.inv(label_lps) @ image_lps
    perm = np.round(t[:3, :3])
    if not (np.allclose(t[:3, :3], perm, atol=1e-4) and np.allclose(t[:3, 3], np.round(t[:3, 3]),
                                                                  atol=1e-3)):
        raise AssertionError("label and image grids are not axis permutations of each other")
    offset = np.round(t[:3, 3]).astype(int)
    image_axis = [int(np.nonzero(perm[b])[0][0]) for b in range(3)]
    idx = [perm[b, image_axis[b]] * np.arange(image_shape[image_axis[b]]) + offset[b]
           for b in range(3)]
    gathered = labels[np.ix_(*[i.astype(int) for i in idx])]  # axes in label order
    return np.transpose(gathered, np.argsort(image_axis))


def read_stl(path):
    with open(path, "rb") as f:
        data = f.read()
    header, count = data[:80], struct.unpack("<I", data[80:84])[0]
    record = np.dtype([("n", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    check(len(data) == 84 + 50 * count, f"{path}: size {len(data)} != 84 + 50 * {count}")
    facets = np.frombuffer(data, record, count, 84)
    return header, facets["n"].astype(np.float64), facets["v"].astype(np.float64)


def check_mesh(path, name, mask, label_lps, vtk):
    header, normals, tris = read_stl(path)
    check(header.startswith(b"SPACE=LPS"), f"{name}: STL header {header[:20]!r} lacks SPACE=LPS")
    # Shared vertices: identical coordinates in every facet that uses them.
    flat = tris.reshape(-1, 3)
    _, ids = np.unique(flat, axis=0, return_inverse=True)
    ids = ids.reshape(-1, 3).astype(np.int64)
    n = int(ids.max()) + 1
    directed = np.concatenate([ids[:, [0, 1]], ids[:, [1, 2]], ids[:, [2, 0]]])
    keys = directed[:, 0] * n + directed[:, 1]
    reverse = directed[:, 1] * n + directed[:, 0]
    check(len(np.unique(keys)) == len(keys), f"{name}: an edge is used twice in one direction")
    check(np.array_equal(np.sort(keys), np.sort(reverse)),
          f"{name}: mesh not closed / not consistently oriented")
    cross = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    length = np.linalg.norm(cross, axis=1)
    good = length > 1e-6
    agree = np.einsum("ij,ij->i", normals[good], cross[good] / length[good, None])
    check(agree.min() > 0.99, f"{name}: facet normals disagree with vertex order ({agree.min()})")
    volume = np.einsum("ij,ij->i", tris[:, 0], np.cross(tris[:, 1], tris[:, 2])).sum() / 6
    voxels = int(mask.sum())
    voxel_volume = voxels * abs(np.linalg.det(label_lps[:3, :3]))
    error = volume / voxel_volume - 1
    print(f"  {name}: {len(tris)} triangles, {volume / 1000:.1f} mL vs {voxel_volume / 1000:.1f} "
          f"mL of voxels ({100 * error:+.2f}%)")
    check(volume > 0, f"{name}: normals point inward (volume {volume})")
    if voxels >= 20000:  # thin or tiny organs lose a larger share to the smoothed voxel corners
        check(abs(error) < 0.05, f"{name}: mesh volume {volume:.0f} vs voxels {voxel_volume:.0f}")
    # Bounds: VTK's reader against the organ's voxel-centre box in LPS, within a voxel.
    reader = vtk.vtkSTLReader()
    reader.SetFileName(path)
    reader.Update()
    polydata = reader.GetOutput()
    check(polydata.GetNumberOfCells() == len(tris), f"{name}: VTK reads {polydata.GetNumberOfCells()}"
          f" triangles, not {len(tris)}")
    bounds = np.array(polydata.GetBounds()).reshape(3, 2)
    ijk = np.argwhere(mask)
    centres = (label_lps[:3, :3] @ ijk.T).T + label_lps[:3, 3]
    voxel_extent = np.abs(label_lps[:3, :3]).max(axis=1)  # per LPS axis (axis-aligned grids)
    for axis in range(3):
        lo, hi = centres[:, axis].min(), centres[:, axis].max()
        check(abs(bounds[axis, 0] - lo) <= voxel_extent[axis] and
              abs(bounds[axis, 1] - hi) <= voxel_extent[axis],
              f"{name}: LPS axis {axis} bounds {bounds[axis]} vs voxel centres [{lo}, {hi}]")


def check_stats(out, table, btcv, label_lps, image_lps, image_shape, labels_on_image):
    stats = json.load(open(os.path.join(out, "stats.json")))
    check(stats["coordinate_system"] == "LPS" and stats["unit"] == "mm", "stats.json units")
    check(stats["size"] == list(image_shape), f"stats size {stats['size']} != {image_shape}")
    check(np.allclose(stats["spacing"], np.linalg.norm(image_lps[:3, :3], axis=0), atol=1e-6),
          "stats spacing")
    check(np.allclose(stats["index_to_lps"], image_lps, atol=1e-5), "stats index_to_lps")
    organs = stats["organs"]
    check([o["id"] for o in organs] == [e["id"] for e in table], "stats: organs not in table order")
    voxel_ml = abs(np.linalg.det(label_lps[:3, :3])) / 1000
    image_from_lps = np.linalg.inv(image_lps)
    for entry, organ in zip(table, organs):
        name, mask = entry["name"], btcv == entry["id"]
        count = int(mask.sum())
        check(organ["name"] == name, f"stats name {organ['name']} != {name}")
        check(organ["voxel_count"] == count, f"{name}: voxel_count {organ['voxel_count']} != {count}")
        if count == 0:
            check(organ["volume_ml"] == 0 and organ["bbox"] is None and organ["centroid_lps"] is None,
                  f"{name}: absent organ must have volume 0 and null box/centroid")
            continue
        check(abs(organ["volume_ml"] / (count * voxel_ml) - 1) < 1e-6,
              f"{name}: volume_ml {organ['volume_ml']} != {count * voxel_ml}")
        ijk = np.argwhere(mask)
        centres = (label_lps[:3, :3] @ ijk.T).T + label_lps[:3, 3]
        check(np.allclose(organ["centroid_lps"], centres.mean(axis=0), atol=1e-3, rtol=0),
              f"{name}: centroid {organ['centroid_lps']} != {centres.mean(axis=0)}")
        box = organ["bbox"]
        check(np.allclose(box["min_lps"], centres.min(axis=0), atol=1e-3) and
              np.allclose(box["max_lps"], centres.max(axis=0), atol=1e-3),
              f"{name}: LPS box {box['min_lps']}..{box['max_lps']}")
        image_ijk = np.rint((image_from_lps[:3, :3] @ centres.T).T + image_from_lps[:3, 3])
        check(box["min_index"] == image_ijk.min(axis=0).astype(int).tolist() and
              box["max_index"] == image_ijk.max(axis=0).astype(int).tolist(),
              f"{name}: index box {box['min_index']}..{box['max_index']}")
        on_image = np.argwhere(labels_on_image == entry["id"])
        check(on_image.min(axis=0).tolist() == box["min_index"], f"{name}: reoriented index box")


def check_clara(viscera, out, table, present, labels_on_image, input_hu, image_lps, vtk, ns):
    meta = json.load(open(os.path.join(out, "config.meta")))
    check(meta == {"data": [{"file": "ct.mhd", "order": "DXYZ"},
                            {"file": "ct.output.mhd", "order": "MXYZ"}],
                   "name": "ct", "settings": "config_render.json"}, f"config.meta: {meta}")
    for item in meta["data"] + [{"file": meta["settings"]}, {"file": "ct.nii.gz"}]:
        check(os.path.isfile(os.path.join(out, item["file"])), f"missing {item['file']}")
    for item in meta["data"]:
        facts = info(viscera, os.path.join(out, item["file"]))
        check(facts["size"] == list(input_hu.shape), f"viscera info {item['file']}: {facts['size']}")
        check(np.allclose(facts["affine_lps"], image_lps, atol=1e-4), f"{item['file']} geometry")
    nii = nib.load(os.path.join(out, "ct.nii.gz"))
    check(np.array_equal(np.asanyarray(nii.dataobj), input_hu), "ct.nii.gz HU != input HU")
    check(np.allclose(LPS_FROM_RAS @ nii.affine, image_lps, atol=1e-4), "ct.nii.gz affine")

    def vtk_voxels(name):
        reader = vtk.vtkMetaImageReader()
        reader.SetFileName(os.path.join(out, name))
        reader.Update()
        image = reader.GetOutput()
        dims = image.GetDimensions()
        flat = ns.vtk_to_numpy(image.GetPointData().GetScalars())
        return flat.reshape(dims[2], dims[1], dims[0]).transpose(2, 1, 0)

    density = vtk_voxels("ct.mhd")
    check(np.array_equal(density, input_hu), "ct.mhd (VTK) != input HU")
    mask = vtk_voxels("ct.output.mhd")
    check(mask.dtype == np.uint8, f"mask type {mask.dtype}, expected uint8 for ids <= 255")
    check(np.array_equal(mask, labels_on_image), "ct.output.mhd (VTK) != label map on image grid")

    render = json.load(open(os.path.join(out, "config_render.json")))
    for key in ("Camera", "Cameras", "Light", "BackgroundLight", "CameraAperture",
                "PostProcessTonemap", "RenderSettings", "DataCrop", "TransferFunction"):
        check(key in render, f"config_render.json lacks {key}")
    check(render["CameraAperture"]["enable"] == "SWITCH_DISABLE", "camera aperture should be off")
    check(sorted(c["name"] for c in render["Cameras"]) ==
          sorted(["Anterior", "Posterior", "Left", "Right", "Superior", "Inferior"]), "camera names")
    check(render["DataCrop"]["limits"] == [{"max": 1, "min": 0}] * 4, "DataCrop must be full")
    lo, hi = float(input_hu.min()), float(input_hu.max())
    norm = lambda h: min(max((h - lo) / (hi - lo), 0.0), 1.0)
    components = render["TransferFunction"]["components"]
    check("blendingProfile" in render["TransferFunction"], "TransferFunction lacks blendingProfile")
    check(components[0]["activeRegions"] == [0], "first component should be body/bone, region 0")
    check(abs(components[0]["range"]["min"] - norm(BONE_MIN_HU)) < 1e-9, "bone range min")
    organ_components = components[1:]
    ids = [c["activeRegions"] for c in organ_components]
    check(ids == [[i] for i in present], f"components' activeRegions {ids} != present {present}")
    colours = {tuple(c["diffuseStart"].values()) for c in organ_components}
    check(len(colours) == len(organ_components), "organ colours are not distinct")
    names = {e["id"]: e["name"] for e in table}
    for c in components:
        r = c["range"]
        check(0 <= r["min"] < r["max"] <= 1, f"range {r} outside Clara's [0, 1]")
    for c in organ_components:
        window = VESSEL_HU if names[c["activeRegions"][0]] in VESSELS else SOFT_TISSUE_HU
        check(abs(c["range"]["min"] - norm(window[0])) < 1e-9 and
              abs(c["range"]["max"] - norm(window[1])) < 1e-9,
              f"{names[c['activeRegions'][0]]}: range {c['range']} != HU {window} normalised")
        check(c["opacityProfile"] == "SQUARE" and 0.3 <= c["opacity"] <= 0.7, "organ opacity")


def run_case(args, work, title, image, total_labels, input_hu, image_lps, expect_dicom, vtk, ns):
    print(f"{title}:")
    table = json.load(open(os.path.join(args.source, "models", "demo", "metadata.json")))
    table = table["output"]["labels"]
    labels_path = os.path.join(work, title + "_btcv.nii.gz")
    btcv, label_lps = make_btcv_map(os.path.join(args.data, "totalseg-example", total_labels),
                                    labels_path)
    out = os.path.join(work, title)
    start = time.monotonic()
    proc = subprocess.run([args.viscera, "export", image, "--labels", labels_path, "--model",
                           os.path.join(args.source, "models", "demo"), "-o", out],
                          capture_output=True, text=True)
    print(f"  viscera export: {time.monotonic() - start:.2f} s")
    check(proc.returncode == 0, f"{title}: export failed ({proc.returncode}): {proc.stderr}")
    if proc.returncode != 0:
        return
    for line in proc.stderr.splitlines():
        if "wrote meshes" in line or "wrote Clara" in line:
            print("  " + line.split("INFO ")[-1])
    labels_on_image = on_grid(btcv, label_lps, image_lps, input_hu.shape)
    present = sorted(int(i) for i in np.unique(btcv) if i != 0)
    check_stats(out, table, btcv, label_lps, image_lps, input_hu.shape, labels_on_image)
    mesh_dir = os.path.join(out, "meshes")
    expected = {e["name"].replace(" ", "_") + ".stl": e["id"] for e in table if e["id"] in present}
    found = sorted(os.listdir(mesh_dir))
    check(found == sorted(expected), f"{title}: meshes {found} != {sorted(expected)}")
    for file_name, label in sorted(expected.items(), key=lambda kv: kv[1]):
        path = os.path.join(mesh_dir, file_name)
        if os.path.isfile(path):
            check_mesh(path, file_name, btcv == label, label_lps, vtk)
    check_clara(args.viscera, out, table, present, labels_on_image, input_hu, image_lps, vtk, ns)
    has_dicom = os.path.isfile(os.path.join(out, "seg.dcm"))
    check(has_dicom == expect_dicom, f"{title}: seg.dcm present={has_dicom}, expected {expect_dicom}")


def main():
    args = parse_args(__doc__)
    try:
        import vtk
        from vtk.util import numpy_support
    except ImportError as e:
        print(f"FAIL: VTK for /usr/bin/python3 is missing (apt-get install python3-vtk9): {e}")
        return 1
    folder = os.path.join(args.data, "totalseg-example")
    with tempfile.TemporaryDirectory(prefix="viscera-export-truth-") as work:
        try:
            dicom = os.path.join(folder, "example_ct_dicom")
            hu, affine = load_ct_series(dicom)
            run_case(args, work, "dicom", dicom, "example_seg_dicom.nii.gz", hu, affine, True,
                     vtk, numpy_support)
        except Exception as e:  # a crash in one case is a failure, not the end of the run
            check(False, f"dicom case: {type(e).__name__}: {e}")
        try:
            nifti = os.path.join(folder, "example_ct.nii.gz")
            img = nib.load(nifti)
            run_case(args, work, "nifti", nifti, "example_seg_fast_force_split.nii.gz",
                     np.asanyarray(img.dataobj).astype(np.int16), LPS_FROM_RAS @ img.affine, False,
                     vtk, numpy_support)
        except Exception as e:
            check(False, f"nifti case: {type(e).__name__}: {e}")
    print(f"{passes} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
