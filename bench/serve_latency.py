#!/usr/bin/python3
"""Input-to-frame latency and frames per second of `viscera serve` on loopback, with the server's
RSS before and after (no growth), against a peer in the same run: the same renderer's draft frame
rendered in process by `viscera render --quality draft --repeat N` on the same data and size, so
"latency / in-process draft" is what the service adds (network, JPEG, scheduling).

usage: /usr/bin/python3 bench/serve_latency.py [--build build/ci] [--data ../shared/data]
           [--datasets abdomen,lidc] [--seconds 60] [--sessions 1,4,16] [--size 512x512]

Datasets are imported through the service's own upload API (POST /api/datasets): the
TotalSegmentator abdomen (CT + 61 organ labels + names, 122x101x112, 3 mm) as a zip of NIfTI files,
and the LIDC-IDRI-0314 chest (275 DICOM slices 512x512) as a zip of the series. The benchmark
client (bench/serve_bench.cpp) sends orbit inputs at 30 Hz on one session and measures, per input,
the time until the first frame tagged with that input arrives; then N sessions at once, each
sending its next input when the previous one's frame arrived, for --seconds.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile


def start_server(viscera, data_dir, log_path):
    port_file = pathlib.Path(data_dir).parent / "port"
    if port_file.exists():
        port_file.unlink()
    log = open(log_path, "w")
    proc = subprocess.Popen([viscera, "-q", "serve", "--data", str(data_dir), "--port", "0",
                             "--port-file", str(port_file)], stdout=log, stderr=log)
    for _ in range(600):
        if port_file.exists() and port_file.read_text().strip():
            return proc, int(port_file.read_text())
        if proc.poll() is not None:
            sys.exit("viscera serve exited: " + pathlib.Path(log_path).read_text())
        time.sleep(0.1)
    sys.exit("viscera serve did not start")


def upload(port, dataset_id, zip_path):
    with open(zip_path, "rb") as f:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/datasets?id={dataset_id}",
                                         data=f.read(), method="POST",
                                         headers={"Content-Type": "application/zip"})
    start = time.monotonic()
    with urllib.request.urlopen(request, timeout=600) as response:
        assert response.status == 201, response.read()
    return time.monotonic() - start


def make_zips(data, tmp):
    zips = {}
    abdomen = pathlib.Path(tmp) / "abdomen.zip"
    with zipfile.ZipFile(abdomen, "w") as z:
        base = data / "totalseg-example"
        z.write(base / "example_ct.nii.gz", "example_ct.nii.gz")
        z.write(base / "example_seg_fast_force_split.nii.gz", "example_seg.nii.gz")
        z.write(base / "labels_total_v2.json", "labels.json")
    zips["abdomen"] = abdomen
    lidc = pathlib.Path(tmp) / "lidc.zip"
    with zipfile.ZipFile(lidc, "w") as z:
        for f in sorted((data / "lidc-idri-0314-chest" / "dicom").rglob("*")):
            if f.is_file():
                z.write(f, f.name)
    zips["lidc"] = lidc
    return zips


def in_process_draft_ms(viscera, folder, size, frames, tmp):
    out = subprocess.run([viscera, "-q", "render", str(folder), "--quality", "draft", "--size", size,
                          "--repeat", str(frames), "-o", str(pathlib.Path(tmp) / "peer.png")],
                         check=True, capture_output=True, text=True).stdout
    timings = json.loads(out.strip().splitlines()[-1])
    return timings


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=str(root / "build" / "ci"))
    p.add_argument("--data", default=str(root.parent / "shared" / "data"))
    p.add_argument("--datasets", default="abdomen,lidc")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--sessions", default="1,4,16")
    p.add_argument("--size", default="512x512")
    args = p.parse_args()
    viscera = str(pathlib.Path(args.build) / "src" / "cmd" / "viscera")
    bench = str(pathlib.Path(args.build) / "bench" / "serve_bench")
    data = pathlib.Path(args.data)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = pathlib.Path(tmp) / "data"
        data_dir.mkdir()
        zips = make_zips(data, tmp)
        proc, port = start_server(viscera, data_dir, pathlib.Path(tmp) / "server.log")
        try:
            for name in args.datasets.split(","):
                import_s = upload(port, name, zips[name])
                peer = in_process_draft_ms(viscera, data_dir / name, args.size, 30, tmp)
                command = [bench, "--url", f"http://127.0.0.1:{port}", "--dataset", name,
                           "--sessions", args.sessions, "--seconds", str(args.seconds),
                           "--size", args.size]
                result = subprocess.run(command, check=True, capture_output=True, text=True)
                print(result.stdout, file=sys.stderr)
                summary = json.loads(result.stdout.strip().splitlines()[-1])
                # The same load again: a server that keeps nothing per session ends where the
                # first run ended (the first run's growth is the shared volume and warm-up).
                again = subprocess.run(command, check=True, capture_output=True, text=True)
                summary["rss_after_repeat_mb"] = json.loads(
                    again.stdout.strip().splitlines()[-1])["rss_after_mb"]
                rows.append((name, import_s, peer, summary))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\n`/usr/bin/python3 bench/serve_latency.py --seconds {args.seconds}` "
          f"({os.cpu_count()} cores, {args.size}, loopback)\n")
    sessions = args.sessions.split(",")
    print("| dataset | import s | in-process draft ms (p50) | input-to-frame p50 ms | p95 ms | "
          "p95 / draft | " + " | ".join(f"fps/session, {n} sess." for n in sessions)
          + " | RSS MB: idle -> after run 1 -> after run 2 |")
    print("|" + "---|" * (7 + len(sessions)))
    for name, import_s, peer, s in rows:
        draft = peer.get("median_ms", peer.get("p50_ms", 0))
        fps = " | ".join(f"{s['fps'][n]:.1f}" for n in args.sessions.split(","))
        print(f"| {name} | {import_s:.1f} | {draft:.1f} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | "
              f"{s['p95_ms'] / max(draft, 1e-9):.2f}x | {fps} | "
              f"{s['rss_before_mb']:.0f} -> {s['rss_after_mb']:.0f} -> "
              f"{s['rss_after_repeat_mb']:.0f} |")


if __name__ == "__main__":
    main()
