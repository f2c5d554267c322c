"""Reference CT series loader with pydicom + numpy: the outside truth for geometry and HU values,
and the peer in bench/dicom_load_vs_pydicom.py. Independent of Viscera's code."""
import glob
import os

import numpy as np
import pydicom


def load_ct_series(folder):
    """Returns (hu, affine_lps): hu is int16 indexed [i, j, k] (column, row, slice), slices sorted
    by position along the slice normal; affine_lps maps (i, j, k, 1) to LPS millimetres."""
    files = [f for f in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
             if os.path.isfile(f)]
    datasets = [pydicom.dcmread(f) for f in files]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    datasets.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, float), normal)))
    positions = np.array([np.dot(np.array(d.ImagePositionPatient, float), normal)
                          for d in datasets])
    slice_spacing = (positions[-1] - positions[0]) / (len(positions) - 1)
    row_spacing, col_spacing = (float(v) for v in datasets[0].PixelSpacing)
    hu = np.empty((len(datasets), int(datasets[0].Rows), int(datasets[0].Columns)), np.int16)
    for k, d in enumerate(datasets):
        slope = float(getattr(d, "RescaleSlope", 1))
        intercept = float(getattr(d, "RescaleIntercept", 0))
        hu[k] = np.round(d.pixel_array.astype(np.float64) * slope + intercept)
    affine = np.eye(4)
    affine[:3, 0] = row_dir * col_spacing
    affine[:3, 1] = col_dir * row_spacing
    affine[:3, 2] = normal * slice_spacing
    affine[:3, 3] = np.array(datasets[0].ImagePositionPatient, float)
    return hu.transpose(2, 1, 0), affine


def lps_to_ras(affine):
    flip = np.diag([-1.0, -1.0, 1.0, 1.0])
    return flip @ affine


def lidc_slices_by_position(data_dir):
    """The shared LIDC series' files sorted by z (their names are not in position order)."""
    folder = os.path.join(data_dir, "lidc-idri-0314-chest", "dicom")
    files = glob.glob(os.path.join(folder, "*.dcm"))
    if len(files) != 275:
        raise SystemExit(f"FAIL: expected 275 LIDC slices in {folder}, found {len(files)}")
    return sorted(files, key=lambda f: float(pydicom.dcmread(f, stop_before_pixels=True)
                                             .ImagePositionPatient[2]))
