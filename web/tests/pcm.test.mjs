// The microphone's resampling (src/pcm.ts) in Node, no browser: tones at the capture rates
// browsers use go through the Downsampler in odd-sized blocks (as the audio callbacks deliver
// them); speech-band tones must pass (within 1 dB), tones above 8 kHz must not alias into the
// 16 kHz stream (at least 60 dB down), and the chunker must cut 100 ms little-endian chunks.
//   node web/tests/pcm.test.mjs
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import ts from "typescript";

const source = readFileSync(new URL("../src/pcm.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2021 },
}).outputText;
const { Downsampler, PcmChunker, chunkSamples } = await import(
  "data:text/javascript;base64," + Buffer.from(js).toString("base64")
);

// Level in dB of a 0.5-amplitude tone after resampling to 16 kHz (settled part only).
function gainDb(rate, frequency) {
  const d = new Downsampler(rate);
  const x = new Float32Array(rate);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * frequency * i) / rate);
  const out = [];
  for (let i = 0, k = 0; i < x.length; k++) {
    const n = 128 + ((k * 37) % 300);
    for (const v of d.process(x.subarray(i, i + n))) out.push(v);
    i += n;
  }
  assert.ok(Math.abs(out.length - 16000) < 200, `${rate} Hz: ${out.length} samples for 1 s`);
  const tail = out.slice(2000);
  const rms = Math.sqrt(tail.reduce((a, v) => a + v * v, 0) / tail.length) / 32767;
  return 20 * Math.log10(Math.max(rms, 1e-9) / (0.5 / Math.SQRT2));
}

let checks = 0;
for (const rate of [48000, 44100, 16000]) {
  for (const f of [200, 1000, 3000, 6000]) {
    const g = gainDb(rate, f);
    assert.ok(Math.abs(g) < 1, `${rate} Hz, ${f} Hz tone: ${g.toFixed(2)} dB`);
    checks++;
  }
  if (rate > 16000) {
    for (const f of [8500, 10000, 12000, 15000, 20000]) {
      const g = gainDb(rate, f);
      assert.ok(g < -60, `${rate} Hz, ${f} Hz tone aliases at ${g.toFixed(1)} dB`);
      checks++;
    }
  }
}

const chunks = [];
const chunker = new PcmChunker((c) => chunks.push(new Int16Array(c)));
const ramp = Int16Array.from({ length: 4000 }, (_, i) => i - 2000);
chunker.push(ramp.subarray(0, 1000));
chunker.push(ramp.subarray(1000));
chunker.flush();
assert.deepEqual(
  chunks.map((c) => c.length),
  [chunkSamples, chunkSamples, 4000 - 2 * chunkSamples],
);
assert.deepEqual(Int16Array.from(chunks.flatMap((c) => [...c])), ramp);
checks++;
console.log(`pcm: ${checks} checks passed`);
