"""Compressed transfer syntaxes decode to exactly the HU of the uncompressed original: slices of the
LIDC series are re-encoded with DCMTK (an outside encoder) as JPEG lossless (process 14 SV1),
JPEG-LS lossless, RLE, explicit VR big and little endian, and with GDCM's tool as JPEG 2000
lossless."""
import os
import shutil
import subprocess
import tempfile

import nibabel as nib
import numpy as np

from pydicom_ct import lidc_slices_by_position
from truth_common import check, fail, info, parse_args, run

args = parse_args(__doc__)
files = lidc_slices_by_position(args.data)[100:108]  # eight neighbouring slices

encoders = {
    "1.2.840.10008.1.2.4.70": ["dcmcjpeg", "+e1"],       # JPEG lossless, first-order prediction
    "1.2.840.10008.1.2.4.57": ["dcmcjpeg", "+el", "+sv", "7"],  # JPEG lossless, predictor 7
    "1.2.840.10008.1.2.4.57/4": ["dcmcjpeg", "+el", "+sv", "4"],  # predictor 4 (a+b-c)
    "1.2.840.10008.1.2.4.80": ["dcmcjpls", "+el"],       # JPEG-LS lossless
    "1.2.840.10008.1.2.5": ["dcmcrle"],                  # RLE lossless
    "1.2.840.10008.1.2.4.90": ["gdcmconv", "--j2k"],     # JPEG 2000 lossless
    "1.2.840.10008.1.2.2": ["dcmconv", "+tb"],           # explicit VR big endian (retired)
    "1.2.840.10008.1.2.1": ["dcmconv", "+te"],           # explicit VR little endian
}


def volume(folder, out):
    run(args.viscera, "convert", folder, out)
    img = nib.load(out)
    return np.asanyarray(img.dataobj), img.affine


with tempfile.TemporaryDirectory() as tmp:
    native = os.path.join(tmp, "native")
    os.makedirs(native)
    for f in files:
        shutil.copy(f, native)
    ref, ref_affine = volume(native, os.path.join(tmp, "native.nii"))
    for uid, encoder in encoders.items():
        folder = os.path.join(tmp, uid.replace("/", "_"))
        os.makedirs(folder)
        for f in files:
            target = os.path.join(folder, os.path.basename(f))
            proc = subprocess.run([*encoder, f, target], capture_output=True, text=True)
            if proc.returncode != 0:
                fail(f"{encoder[0]} failed on {f}: {proc.stderr}")
        j = info(args.viscera, folder)
        check(j["series"]["transfer_syntax_uid"] == uid.split("/")[0],
              f"{encoder[0]} output has transfer syntax {j['series']['transfer_syntax_uid']}, "
              f"expected {uid}")
        data, affine = volume(folder, folder + ".nii")
        check(np.array_equal(data, ref), f"{uid}: {np.count_nonzero(data != ref)} voxels differ")
        check(np.allclose(affine, ref_affine), f"{uid}: geometry differs from the native series")
        print(f"ok {uid} ({encoder[0]}): {data.shape} identical to native")
print("PASS")
