#!/usr/bin/python3
"""Renders the same CT volumes at 512x512 with Viscera (`viscera render`) and with VTK 9.1's
vtkFixedPointVolumeRayCastMapper (CPU) and vtkGPUVolumeRayCastMapper (on Mesa llvmpipe, i.e. also
the CPU), in one run, and prints a Markdown table: first-frame and per-frame times over a full
360-degree orbit, fps, Viscera's speed-up over VTK's CPU mapper, and memory.

usage: /usr/bin/python3 bench/render_vs_vtk.py [--viscera build/ci/src/cmd/viscera]
           [--data ../shared/data] [--frames 10] [--datasets lidc,abdomen]
           [--renderers vtk-fixed,vtk-gpu,viscera-full,viscera-draft] [--preset NAME]
           [--json results.json] [--images /tmp/render_bench] [--timeout 900]

Run it as is, NOT under xvfb-run: VTK needs an X display even for offscreen windows (Debian's
python3-vtk9 is built against X/GLX, without OSMesa or EGL), so the script re-executes itself once
per VTK mapper as a worker under `xvfb-run -a` (packages xvfb and xauth, scripts/install-deps.sh
--test). Each worker is a separate process, so its RSS is that one mapper's, and a crash or hang of
the GPU mapper under llvmpipe only loses that row (workers are killed after --timeout seconds).
Only /usr/bin/python3 has VTK (python3-vtk9); the main process needs numpy, nibabel and pydicom.

Data: the LIDC-IDRI-0314 chest series (275 DICOM slices, 512x512, 0.78125 mm, 1 mm apart; read with
the pydicom + numpy outside-truth loader tests/truth/pydicom_ct.py) and the TotalSegmentator
abdomen example_ct.nii.gz (122x101x112, 3 mm; nibabel) whose label map Viscera gets via --labels.
VTK has no label-aware transfer function: it renders the abdomen with the plain CT transfer
function of the same preset, so the Viscera abdomen image may colour organs that VTK does not.

Geometry: each volume is reoriented (lossless axis permutation/flips) so that its index axes run
along +L, +P, +S, and handed to VTK with an identity direction matrix and the LPS position of voxel
(0,0,0) as origin, so VTK world coordinates are DICOM patient LPS millimetres, as in Viscera. The
anterior camera sits on the -P side of the volume's centre looking toward +P with +S up (vertical
view angle 30 degrees, vtkRenderer::ResetCamera distance); each further frame orbits it by 360/N
degrees with vtkCamera::Azimuth, i.e. around the superior axis through the centre -- what Viscera's
`--repeat N` does. VTK's light is its default headlight (moves with the camera).

Quality: both VTK mappers sample every min(smallest spacing, 1 mm) along the ray (Viscera's full
quality step), trilinear interpolation, gradient shading on, one ray per pixel
(ImageSampleDistance 1, AutoAdjustSampleDistances off: otherwise VTK silently lowers quality to
hit its desired frame rate), no jittering. Viscera is run twice: `--quality full` (the still) and
`--quality draft` (interaction: progressive low-resolution frames upscaled to 512x512) -- the draft
row is not the same quality as VTK's, compare it with care.

Times: the first frame on its own (includes upload, VTK's gradient/normal encoding, shader
compilation), then N frames (--frames) orbiting 360 degrees; median, mean and p95 of those. A VTK
frame is renderWindow.Render() followed by WaitForCompletion() (glFinish).

Memory: VTK row = the worker's RSS after loading the volume into vtkImageData and rendering the
first frame minus its RSS before (python + VTK imported, the 512x512 window and its GL context
already created and rendered once empty, so libGL/llvmpipe/X buffers are not counted), i.e.
voxels + mapper structures (fixed point: its encoded normals and gradient magnitudes, 3 bytes a
voxel; GPU: llvmpipe's copy of the 3D texture, in system memory); Viscera
row = `renderer_bytes` from its JSON (everything the renderer holds for the volume, incl. voxels
and acceleration structures). "mem/voxels" divides by the CT voxel bytes (int16; Viscera: its
`volume_bytes`, CT + labels); "mem vs VTK CPU" divides by the VTK fixed-point row.

Transfer functions: VTK is given exactly Viscera's preset (dumped by `viscera render
--dump-transfer-function`), converted to VTK's opacity-per-unit-distance.
"""
import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# ---------------------------------------------------------------------------------------------
# Transfer functions: VTK gets exactly Viscera's. `viscera render --preset P
# --dump-transfer-function F` writes the preset's transfer function for unlabelled voxels as
# extinction per mm and colour per 4-HU bin; VTK's scalar opacity per OPACITY_UNIT_MM of ray is
# then a = 1 - exp(-extinction * OPACITY_UNIT_MM) (VTK corrects it for its sample distance as
# a_step = 1 - (1 - a)^(step/unit), i.e. the same absorption law Viscera uses), and its colour
# function takes the same points.
OPACITY_UNIT_MM = 1.0
PRESETS = ["bone", "soft-tissue", "lung", "angio"]
# Shading (VTK's Phong on the gradient normal ~ Viscera's Blinn-Phong): ambient matches
# RenderSettings::ambient.
SHADING = {"ambient": 0.25, "diffuse": 0.75, "specular": 0.3, "specular_power": 20.0}
SIZE = (512, 512)
VIEW_ANGLE_DEG = 30.0

DATASETS = {
    # name: (default preset, how to load)
    "lidc": "bone",
    "abdomen": "soft-tissue",
}


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def summarize(times_ms):
    s = sorted(times_ms)
    p95 = s[min(len(s) - 1, max(0, int(round(0.95 * len(s) + 0.5)) - 1))]
    return {"mean_ms": statistics.fmean(s), "median_ms": statistics.median(s), "p95_ms": p95}


# ---------------------------------------------------------------------------------------------
# Data: HU volumes reoriented to LPS index axes, cached as .npy for the workers.

def to_lps_grid(hu, affine_lps):
    """Permutes/flips hu[i, j, k] so index axes run along +L, +P, +S. Returns (volume, spacing,
    origin) with origin the LPS position of the new voxel (0, 0, 0)."""
    import numpy as np
    a = np.asarray(affine_lps, float)
    rot, origin = a[:3, :3], a[:3, 3].copy()
    perm, spacing = [0, 0, 0], [0.0, 0.0, 0.0]
    for ax in range(3):
        col = rot[:, ax]
        w = int(np.argmax(np.abs(col)))
        if abs(col[w]) < 0.99 * np.linalg.norm(col):
            print(f"warning: voxel axis {ax} is oblique ({col}); ignoring the rotation",
                  file=sys.stderr)
        if col[w] < 0:
            hu = np.flip(hu, axis=ax)
            origin = origin + col * (hu.shape[ax] - 1)
        perm[w] = ax
        spacing[w] = float(np.linalg.norm(col))
    return np.transpose(hu, perm), spacing, [float(v) for v in origin]


def prepare(name, data_dir, cache):
    """Loads a dataset, writes the LPS volume to cache/name.npy (Fortran order: x fastest, as VTK
    stores it) and returns its description, including what Viscera is run on."""
    import numpy as np
    if name == "lidc":
        sys.path.insert(0, os.path.join(ROOT, "tests", "truth"))
        from pydicom_ct import load_ct_series
        folder = os.path.join(data_dir, "lidc-idri-0314-chest", "dicom")
        hu, affine = load_ct_series(folder)
        viscera_args = [folder]
    elif name == "abdomen":
        import nibabel as nib
        d = os.path.join(data_dir, "totalseg-example")
        img = nib.load(os.path.join(d, "example_ct.nii.gz"))
        hu = np.asarray(img.dataobj).astype(np.int16)
        affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ img.affine  # RAS -> LPS
        viscera_args = [os.path.join(d, "example_ct.nii.gz"), "--labels",
                        os.path.join(d, "example_seg_fast_force_split.nii.gz")]
    else:
        raise SystemExit(f"unknown dataset {name}")
    vol, spacing, origin = to_lps_grid(hu, affine)
    vol = np.asfortranarray(vol.astype(np.int16, copy=False))
    path = os.path.join(cache, f"{name}.npy")
    np.save(path, vol)
    return {"name": name, "npy": path, "shape": list(vol.shape), "spacing": spacing,
            "origin": origin, "voxel_bytes": int(vol.nbytes), "viscera_args": viscera_args}


# ---------------------------------------------------------------------------------------------
# VTK worker (runs under xvfb-run in its own process).

def vtk_worker(args):
    import numpy as np
    import vtk
    from vtk.util import numpy_support

    meta = json.loads(args.worker_meta)

    # The window and GL context first (libGL, llvmpipe, X buffers), rendered once empty, so that
    # the RSS difference below is what the volume and the mapper cost, not the GL stack.
    ren = vtk.vtkRenderer()
    ren.SetBackground(0, 0, 0)
    win = vtk.vtkRenderWindow()
    win.SetOffScreenRendering(1)
    win.SetSize(*SIZE)
    win.AddRenderer(ren)
    win.Render()
    win.WaitForCompletion()
    rss0 = rss_bytes()

    vol = np.load(meta["npy"])
    flat = vol.ravel(order="F")  # x fastest
    scalars = numpy_support.numpy_to_vtk(flat, deep=True, array_type=vtk.VTK_SHORT)
    del vol, flat
    image = vtk.vtkImageData()
    image.SetDimensions(*meta["shape"])
    image.SetSpacing(*meta["spacing"])
    image.SetOrigin(*meta["origin"])
    image.GetPointData().SetScalars(scalars)
    # Viscera steps one smallest spacing, at most 1 mm (frame_setup.cpp): the same here.
    step = min(min(meta["spacing"]), 1.0)

    with open(meta["tf"]) as f:
        tf = json.load(f)
    opacity = vtk.vtkPiecewiseFunction()
    color = vtk.vtkColorTransferFunction()
    for hu, ext, (r, g, b) in zip(tf["hu"], tf["extinction_per_mm"], tf["rgb"]):
        opacity.AddPoint(hu, 1.0 - math.exp(-ext * OPACITY_UNIT_MM))
        color.AddRGBPoint(hu, r, g, b)
    prop = vtk.vtkVolumeProperty()
    prop.SetColor(color)
    prop.SetScalarOpacity(opacity)
    prop.SetScalarOpacityUnitDistance(OPACITY_UNIT_MM)
    prop.SetInterpolationTypeToLinear()
    prop.ShadeOn()
    prop.SetAmbient(SHADING["ambient"])
    prop.SetDiffuse(SHADING["diffuse"])
    prop.SetSpecular(SHADING["specular"])
    prop.SetSpecularPower(SHADING["specular_power"])

    if args.worker == "vtk-fixed":
        mapper = vtk.vtkFixedPointVolumeRayCastMapper()
        mapper.SetNumberOfThreads(os.cpu_count() or 1)
    else:
        mapper = vtk.vtkGPUVolumeRayCastMapper()
        mapper.SetUseJittering(0)
    mapper.SetInputData(image)
    mapper.SetBlendModeToComposite()
    mapper.AutoAdjustSampleDistancesOff()
    mapper.SetSampleDistance(step)
    mapper.SetImageSampleDistance(1.0)
    if args.worker == "vtk-fixed":
        mapper.SetInteractiveSampleDistance(step)

    volume = vtk.vtkVolume()
    volume.SetMapper(mapper)
    volume.SetProperty(prop)
    ren.AddVolume(volume)

    # Anterior view: eye on the -P side of the centre, looking along +P, superior up.
    b = image.GetBounds()
    centre = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2]
    cam = ren.GetActiveCamera()
    cam.SetFocalPoint(*centre)
    cam.SetPosition(centre[0], centre[1] - 1000.0, centre[2])
    cam.SetViewUp(0, 0, 1)
    cam.SetViewAngle(VIEW_ANGLE_DEG)
    ren.ResetCamera()

    def frame():
        ren.ResetCameraClippingRange()
        t0 = time.perf_counter()
        win.Render()
        win.WaitForCompletion()
        return (time.perf_counter() - t0) * 1000.0

    first_ms = frame()
    rss1 = rss_bytes()
    times = []
    for _ in range(args.frames):
        cam.Azimuth(360.0 / args.frames)
        times.append(frame())

    gl = ""
    try:
        caps = win.ReportCapabilities()
        gl = next((ln.split(":", 1)[1].strip() for ln in caps.splitlines()
                   if "renderer string" in ln), "")
    except Exception:  # noqa: BLE001 - informational only
        pass
    png = os.path.join(args.images, f"{meta['name']}_{args.worker}.png")
    w2i = vtk.vtkWindowToImageFilter()
    w2i.SetInput(win)
    w2i.ReadFrontBufferOff()
    w2i.Update()
    writer = vtk.vtkPNGWriter()
    writer.SetFileName(png)
    writer.SetInputConnection(w2i.GetOutputPort())
    writer.Write()

    result = {"frames": args.frames, "size": list(SIZE), "first_ms": first_ms,
              **summarize(times), "times_ms": times, "sample_distance_mm": step,
              "mem_bytes": rss1 - rss0, "rss_before_bytes": rss0, "rss_after_first_bytes": rss1,
              "peak_rss_bytes": peak_rss_bytes(), "gl_renderer": gl, "image": png,
              "vtk_version": vtk.vtkVersion.GetVTKVersion(), "preset": args.preset}
    print("RESULT " + json.dumps(result), flush=True)


def run_vtk(renderer, meta, preset, args):
    if not shutil.which("xvfb-run"):
        return {"error": "xvfb-run missing (apt-get install xvfb xauth)"}
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1024x768x24", "/usr/bin/python3",
           os.path.abspath(__file__), "--worker", renderer, "--worker-meta", json.dumps(meta),
           "--preset", preset, "--frames", str(args.frames), "--images", args.images]
    env = dict(os.environ)
    env.setdefault("LIBGL_ALWAYS_SOFTWARE", "1")  # llvmpipe even if a GPU driver were present
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker's own session: xvfb-run, Xvfb, python
        proc.communicate()
        return {"error": f"timeout after {args.timeout} s"}
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"error": f"exit {proc.returncode}: {err.strip()[-500:]}"}


# ---------------------------------------------------------------------------------------------
# Viscera.

def run_viscera(quality, meta, preset, args):
    exe = args.viscera
    if not os.access(exe, os.X_OK):
        return {"error": f"{exe} not found"}
    probe = subprocess.run([exe, "--help"], capture_output=True, text=True)
    if not re.search(r"^\s+render\s", probe.stdout, re.M):
        return {"error": "this viscera has no `render` subcommand yet"}
    png = os.path.join(args.images, f"{meta['name']}_viscera-{quality}.png")
    cmd = [exe, "-q", "render", *meta["viscera_args"], "--size", f"{SIZE[0]}x{SIZE[1]}",
           "--camera", "anterior", "--preset", preset, "--quality", quality,
           "--mode", "composite", "-o", png, "--repeat", str(args.frames)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {args.timeout} s"}
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}"}
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            r["mem_bytes"] = r.get("renderer_bytes")
            r["image"] = png
            r["preset"] = preset
            return r
    return {"error": "no JSON line on stdout"}


# ---------------------------------------------------------------------------------------------

def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def table(results):
    rows = ["| dataset | renderer | size | first ms | median ms | p95 ms | fps | speed-up vs VTK "
            "CPU | memory MB | mem/voxels | mem vs VTK CPU |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for ds, per in results.items():
        base = per["renderers"].get("vtk-fixed", {})
        base_med, base_mem = base.get("median_ms"), base.get("mem_bytes")
        for name, r in per["renderers"].items():
            if "error" in r:
                err = " ".join(str(r["error"]).split()).replace("|", "/")
                rows.append(f"| {ds} | {name} | | | | | | | | | error: {err} |")
                continue
            med, mem = r.get("median_ms"), r.get("mem_bytes")
            voxels = r.get("volume_bytes") or per["voxel_bytes"]
            size = "x".join(str(v) for v in r.get("size", SIZE))
            rows.append(
                f"| {ds} | {name} | {size} | {fmt(r.get('first_ms'), '.0f')} | {fmt(med, '.1f')} "
                f"| {fmt(r.get('p95_ms'), '.1f')} | {fmt(1000 / med if med else None, '.2f')} "
                f"| {fmt(base_med / med if base_med and med else None, '.2f')}x "
                f"| {fmt(mem / 2**20 if mem is not None else None, '.0f')} "
                f"| {fmt(mem / voxels if mem is not None else None, '.2f')} "
                f"| {fmt(mem / base_mem if mem is not None and base_mem else None, '.2f')} |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--viscera", default=os.path.join(ROOT, "build", "ci", "src", "cmd", "viscera"))
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    p.add_argument("--frames", type=int, default=10, help="frames per 360-degree orbit")
    p.add_argument("--datasets", default="lidc,abdomen")
    p.add_argument("--renderers", default="vtk-fixed,vtk-gpu,viscera-full,viscera-draft")
    p.add_argument("--preset", choices=PRESETS,
                   help="for every dataset (default: lidc bone, abdomen soft-tissue)")
    p.add_argument("--json", help="write the raw results here")
    p.add_argument("--images", default="/tmp/render_bench", help="last frame of each renderer")
    p.add_argument("--timeout", type=float, default=900, help="seconds per renderer run")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--worker-meta", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        vtk_worker(args)
        return
    os.makedirs(args.images, exist_ok=True)
    renderers = [r for r in args.renderers.split(",") if r]
    results = {}
    with tempfile.TemporaryDirectory(prefix="render_bench_") as cache:
        for ds in [d for d in args.datasets.split(",") if d]:
            preset = args.preset or DATASETS[ds]
            t0 = time.perf_counter()
            meta = prepare(ds, args.data, cache)
            print(f"{ds}: {meta['shape']} voxels, spacing {[round(s, 4) for s in meta['spacing']]}"
                  f" mm, preset {preset} (loaded in {time.perf_counter() - t0:.1f} s)",
                  file=sys.stderr)
            meta["tf"] = os.path.join(cache, f"{ds}_{preset}_tf.json")
            dump = subprocess.run([args.viscera, "-q", "render", *meta["viscera_args"], "--preset",
                                   preset, "--size", "16x16", "-o",
                                   os.path.join(cache, "tf.png"), "--dump-transfer-function",
                                   meta["tf"]], capture_output=True, text=True)
            if dump.returncode != 0:
                raise SystemExit(f"viscera could not dump its transfer function: {dump.stderr}")
            per = {"shape": meta["shape"], "spacing": meta["spacing"], "preset": preset,
                   "voxel_bytes": meta["voxel_bytes"], "renderers": {}}
            for r in renderers:
                t0 = time.perf_counter()
                if r.startswith("vtk-"):
                    res = run_vtk(r, meta, preset, args)
                else:
                    res = run_viscera(r.split("-", 1)[1], meta, preset, args)
                per["renderers"][r] = res
                state = res.get("error") or f"median {res['median_ms']:.1f} ms"
                print(f"  {r}: {state} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
            results[ds] = per
    print(f"{SIZE[0]}x{SIZE[1]}, {args.frames} frames over a 360-degree orbit, "
          f"{os.cpu_count()} cores; images in {args.images}\n")
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"frames": args.frames, "cores": os.cpu_count(),
                       "shading": SHADING, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
