"""The README's demo job, run as a test: scripts/run-demo.sh on the bundled series must print the
series facts and write volumes whose geometry and HU match pydicom's reading of the same files, then
serve the dashboard until interrupted (Ctrl-C: SIGINT)."""
import os
import re
import signal
import subprocess
import tempfile
import urllib.request

import nibabel as nib
import numpy as np

from pydicom_ct import load_ct_series, lps_to_ras
from truth_common import check, info, parse_args

args = parse_args(__doc__)
bundled = os.path.join(args.source, "data", "demo", "totalseg-ct-dicom")
check(os.path.isdir(bundled), f"bundled demo series missing: {bundled}")
check(os.path.isfile(os.path.join(args.source, "data", "demo", "LICENSE")), "demo data licence")

with tempfile.TemporaryDirectory() as out:
    # As a user runs it: it ends serving the dashboard and printing its address. Port 0: any.
    demo = subprocess.Popen([os.path.join(args.source, "scripts", "run-demo.sh"), args.viscera, out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "VISCERA_PORT": "0"})
    lines = []
    for line in demo.stdout:
        lines.append(line)
        if line.startswith("Dashboard: "):
            break
    url = re.search(r"http://\S+", lines[-1]) if lines else None
    check(url is not None, f"the demo printed no dashboard address:\n{''.join(lines)}")
    page = urllib.request.urlopen(url.group(0).split("#")[0], timeout=10).read().decode()
    # The built dashboard when this build made it (web/), else the service's minimal page.
    check("<title>Viscera</title>" in page, f"the demo's address serves no dashboard: {page[:200]}")
    demo.send_signal(signal.SIGINT)
    rest, stderr = demo.communicate(timeout=60)
    check(demo.returncode == 0, f"run-demo.sh failed ({demo.returncode}): {stderr}")
    proc = subprocess.CompletedProcess(demo.args, demo.returncode, "".join(lines) + rest, stderr)
    for expected in ["size:        512 x 512 x 20 voxels", "spacing:     0.976562 x 0.976562 x 2 mm",
                     "orientation: LPS", "transfer:    1.2.840.10008.1.2.4.90",
                     "orientation: RAS", "demo: done",
                     # viscera serve listed the segmented dataset over HTTP
                     'GET /api/datasets -> {"datasets":[{', '"id":"abdomen"']:
        check(expected in proc.stdout, f"demo output lacks '{expected}':\n{proc.stdout}")

    ref_hu, ref_affine = load_ct_series(bundled)
    img = nib.load(os.path.join(out, "ct.nii.gz"))
    check(np.array_equal(np.asanyarray(img.dataobj), ref_hu), "demo ct.nii.gz HU != pydicom")
    check(np.allclose(img.affine, lps_to_ras(ref_affine), atol=1e-4), "demo ct.nii.gz affine")

    mhd = info(args.viscera, os.path.join(out, "ct.mhd"))
    check(np.allclose(mhd["affine_lps"], ref_affine, atol=1e-4), "demo ct.mhd geometry")
    check(mhd["range"] == [int(ref_hu.min()), int(ref_hu.max())], "demo ct.mhd HU range")

    resampled = nib.load(os.path.join(out, "ct_ras_1.5mm.nii.gz"))
    check(nib.aff2axcodes(resampled.affine) == ("R", "A", "S"), "resampled demo must be RAS")
    check(np.allclose(resampled.header.get_zooms(), (1.5, 1.5, 1.5)), "resampled spacing 1.5 mm")
    # The resampled volume covers the same patient region: its centre stays put (within a voxel).
    def centre(affine, shape):
        return (affine @ np.append((np.array(shape) - 1) / 2.0, 1.0))[:3]
    shift = np.linalg.norm(centre(resampled.affine, resampled.shape) - centre(img.affine, img.shape))
    check(shift < 1.5, f"resampled volume centre moved {shift:.2f} mm")

    # The segmentation: a Clara dataset plus clinical outputs, the label map on the CT's grid.
    seg_dir = os.path.join(out, "abdomen")
    for f in ["abdomen.nii.gz", "abdomen.output.mhd", "config.meta", "config_render.json",
              "seg.dcm", "rtstruct.dcm", "stats.json"]:
        check(os.path.isfile(os.path.join(seg_dir, f)), f"demo segmentation lacks {f}")
    check("seconds: load" in proc.stdout and "windows" in proc.stdout,
          f"segment summary missing:\n{proc.stdout}")
    mask = info(args.viscera, os.path.join(seg_dir, "abdomen.output.mhd"))
    check(np.allclose(mask["affine_lps"], ref_affine, atol=1e-4), "demo mask on the CT's grid")

    # The renders: every view written, full size, showing something; hiding the ribs changes the
    # anterior view.
    from PIL import Image
    render_dir = os.path.join(out, "render")
    images = {}
    for name in ["abdomen_anterior", "abdomen_left", "abdomen_anterior_no_ribs",
                 "abdomen_anterior_cinematic", "abdomen_soft_tissue", "abdomen_mip",
                 "abdomen_coronal_labels", "abdomen_axial_labels", "segmented_dataset"]:
        path = os.path.join(render_dir, name + ".png")
        check(os.path.isfile(path), f"demo render lacks {path}")
        pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
        check(pixels.shape == (512, 512, 3), f"{name}: {pixels.shape}, expected 512x512 RGB")
        drawn = (pixels.sum(axis=2) > 30).mean()
        # The segmented dataset is a 40 mm slab seen from below, with the demo model's few organs.
        least = 0.01 if name == "segmented_dataset" else 0.05
        check(drawn > least, f"{name}: only {drawn:.1%} of the image is drawn")
        images[name] = pixels
    changed = (np.abs(images["abdomen_anterior"] - images["abdomen_anterior_no_ribs"]).sum(axis=2)
               > 0).mean()
    check(changed > 0.005, f"hiding the ribs changed only {changed:.2%} of the pixels")
print("PASS")
