"""DICOM series geometry and HU values against an independent pydicom + numpy computation, for the
shared LIDC series (uncompressed, 275 slices) and the TotalSegmentator series (JPEG 2000)."""
import os
import tempfile

import nibabel as nib
import numpy as np

from pydicom_ct import load_ct_series, lps_to_ras
from truth_common import check, info, parse_args, run

args = parse_args(__doc__)
series = {
    "lidc": os.path.join(args.data, "lidc-idri-0314-chest", "dicom"),
    "totalseg": os.path.join(args.data, "totalseg-example", "example_ct_dicom"),
}
with tempfile.TemporaryDirectory() as tmp:
    for name, folder in series.items():
        check(os.path.isdir(folder), f"missing shared series {folder}")
        ref_hu, ref_affine_lps = load_ct_series(folder)
        j = info(args.viscera, folder)
        check(list(j["size"]) == list(ref_hu.shape), f"{name}: size {j['size']} != {ref_hu.shape}")
        check(np.allclose(j["affine_lps"], ref_affine_lps, atol=1e-4),
              f"{name}: affine_lps {j['affine_lps']} != pydicom {ref_affine_lps.tolist()}")
        check(np.allclose(j["affine_ras"], lps_to_ras(ref_affine_lps), atol=1e-4),
              f"{name}: affine_ras differs from pydicom")
        check(j["range"] == [int(ref_hu.min()), int(ref_hu.max())],
              f"{name}: HU range {j['range']} != pydicom {ref_hu.min()}..{ref_hu.max()}")
        check(j["voxel_type"] == "int16", f"{name}: voxel type {j['voxel_type']}")
        # Voxel-for-voxel HU, through a NIfTI written by viscera and read by nibabel.
        out = os.path.join(tmp, name + ".nii.gz")
        run(args.viscera, "convert", folder, out)
        img = nib.load(out)
        data = np.asanyarray(img.dataobj)
        check(data.dtype == np.int16, f"{name}: NIfTI dtype {data.dtype}")
        mismatch = int(np.count_nonzero(data != ref_hu))
        check(mismatch == 0, f"{name}: {mismatch} voxels differ from the pydicom decode")
        check(np.allclose(img.affine, lps_to_ras(ref_affine_lps), atol=1e-4),
              f"{name}: NIfTI affine {img.affine.tolist()} != pydicom")
        print(f"ok {name}: {ref_hu.shape} HU {ref_hu.min()}..{ref_hu.max()} identical")
print("PASS")
