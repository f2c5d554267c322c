#!/usr/bin/env python3
"""Makes the spoken-command corpus of the speech tests (speech_commands_test.cpp, the bench).

Every phrase of --phrases is spoken by espeak-ng (en-us at 150 and en+f3 at 190 words a
minute) and flite (slt, kal16, rms), resampled by sox to 16 kHz mono 16-bit, padded with 0.3 s of silence before and 0.8 s
after (the recogniser must find the end of speech itself), and written clean and mixed with white
and pink noise (made by sox `synth`) at 20 dB and 10 dB SNR. The SNR is exact against the speech's
active level: the RMS of its 20 ms frames within 40 dB of the loudest, so the TTS engines' own
leading and trailing silence does not lower it.

Writes OUT/manifest.json ({"key", "items": [{"file", "phrase", "voice", "condition"}, ...]}) and
the WAV files. A corpus whose key (a hash of this script and the phrase list) matches is reused.

    make_speech_corpus.py --phrases tests/voice/speech_commands.txt --out build/speech_corpus
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

RATE = 16000
PAD_BEFORE_S = 0.3
PAD_AFTER_S = 0.8
# Speech is normalised to this active level before mixing, so 10 dB of noise does not clip.
SPEECH_LEVEL = 0.1 * 32767

# (engine, voice, words per minute); flite has no speed option here, its voices differ instead.
VOICES = [
    ("espeak", "en-us", 150),
    ("espeak", "en+f3", 190),
    ("flite", "slt", None),
    ("flite", "kal16", None),
    ("flite", "rms", None),
]
# (name, sox noise type, SNR dB)
CONDITIONS = [
    ("clean", None, None),
    ("white20", "whitenoise", 20),
    ("pink20", "pinknoise", 20),
    ("white10", "whitenoise", 10),
    ("pink10", "pinknoise", 10),
]


def voice_name(voice):
    engine, name, speed = voice
    return f"{engine}-{name}" + (f"-{speed}" if speed else "")


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == RATE, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


def write_wav(path, samples):
    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def active_rms(x):
    frame = RATE // 50
    n = len(x) // frame
    if n == 0:
        return float(np.sqrt(np.mean(x**2)))
    levels = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1))
    active = levels[levels >= levels.max() * 10 ** (-40 / 20)]
    return float(np.sqrt(np.mean(active**2)))


def synthesise(voice, text, out_path, tmp_dir):
    engine, name, speed = voice
    raw = os.path.join(tmp_dir, os.path.basename(out_path) + ".raw.wav")
    if engine == "espeak":
        cmd = ["espeak-ng", "-v", name, "-s", str(speed), "-w", raw, text]
    else:
        cmd = ["flite", "-voice", name, "-t", text, "-o", raw]
    subprocess.run(cmd, check=True, capture_output=True)
    subprocess.run(["sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", out_path],
                   check=True, capture_output=True)
    os.remove(raw)


def make_noise(kind, seconds, tmp_dir):
    path = os.path.join(tmp_dir, kind + ".wav")
    subprocess.run(["sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", path,
                    "synth", str(seconds), kind, "vol", "0.5"], check=True, capture_output=True)
    noise = read_wav(path)
    return noise / np.sqrt(np.mean(noise**2))  # unit RMS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    with open(__file__, "rb") as f:
        key_source = f.read()
    with open(args.phrases, "rb") as f:
        key_source += f.read()
    key = hashlib.sha256(key_source).hexdigest()[:16]
    manifest_path = os.path.join(args.out, "manifest.json")
    try:
        with open(manifest_path) as f:
            if json.load(f).get("key") == key:
                print(f"speech corpus: up to date in {args.out}")
                return 0
    except (OSError, ValueError):
        pass

    with open(args.phrases) as f:
        phrases = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    staging = args.out + ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    tmp_dir = tempfile.mkdtemp(prefix="speech-corpus-")
    try:
        clean = {}  # (phrase index, voice) -> clean file
        jobs = []
        for p, phrase in enumerate(phrases):
            for voice in VOICES:
                path = os.path.join(tmp_dir, f"{p:02d}-{voice_name(voice)}.wav")
                clean[(p, voice)] = path
                jobs.append((voice, phrase, path))
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda j: synthesise(j[0], j[1], j[2], tmp_dir), jobs))

        longest = max(len(read_wav(path)) for path in clean.values()) / RATE
        noise_seconds = int(longest + PAD_BEFORE_S + PAD_AFTER_S) + 60
        noises = {kind: make_noise(kind, noise_seconds, tmp_dir)
                  for kind in {c[1] for c in CONDITIONS if c[1]}}
        rng = np.random.default_rng(7)
        items = []
        for (p, voice), path in clean.items():
            speech = read_wav(path)
            speech *= SPEECH_LEVEL / active_rms(speech)
            padded = np.concatenate([np.zeros(int(PAD_BEFORE_S * RATE)), speech,
                                     np.zeros(int(PAD_AFTER_S * RATE))])
            for condition, kind, snr in CONDITIONS:
                mixed = padded
                if kind:
                    noise = noises[kind]
                    start = int(rng.integers(0, len(noise) - len(padded)))
                    gain = SPEECH_LEVEL / 10 ** (snr / 20)  # the noise is unit RMS
                    mixed = padded + gain * noise[start:start + len(padded)]
                name = f"{p:02d}-{voice_name(voice)}-{condition}.wav"
                write_wav(os.path.join(staging, name), mixed)
                items.append({"file": name, "phrase": phrases[p], "voice": voice_name(voice),
                              "condition": condition,
                              "speech_seconds": round(len(speech) / RATE, 3)})
        with open(os.path.join(staging, "manifest.json"), "w") as f:
            json.dump({"key": key, "rate": RATE, "voices": [voice_name(v) for v in VOICES],
                       "conditions": [c[0] for c in CONDITIONS], "items": items}, f, indent=1)
        shutil.rmtree(args.out, ignore_errors=True)
        os.rename(staging, args.out)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    print(f"speech corpus: {len(items)} files in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
