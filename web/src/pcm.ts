// Microphone audio as the server's speech recogniser wants it: 16 kHz mono little-endian int16,
// sent in ~100 ms chunks. The browser captures at the device's rate (44.1 or 48 kHz), so the
// samples are low-pass filtered below the new Nyquist frequency (a windowed-sinc FIR) before
// they are resampled: naive decimation would fold 8-24 kHz noise into the speech band.

export const speechSampleRate = 16000;
export const chunkSamples = 1600; // 100 ms at 16 kHz: 3200 bytes per WebSocket message

// Float samples at `inputRate` -> int16 at `outputRate`, streaming (state carries over calls).
export class Downsampler {
  private readonly taps: Float32Array;
  private readonly step: number;
  private buffer = new Float32Array(0);
  private position = 0; // the next output's position in `buffer`, in input samples

  constructor(
    readonly inputRate: number,
    readonly outputRate = speechSampleRate,
  ) {
    if (!(inputRate > 0 && outputRate > 0))
      throw new RangeError(`sample rates ${inputRate} -> ${outputRate}`);
    this.step = inputRate / outputRate;
    this.taps = lowPass(inputRate, outputRate);
  }

  process(input: Float32Array): Int16Array {
    const n = this.taps.length;
    const buffer = new Float32Array(this.buffer.length + input.length);
    buffer.set(this.buffer);
    buffer.set(input, this.buffer.length);
    const out: number[] = [];
    let p = this.position;
    // y[k] = sum_j taps[j] x[k + j]: a constant delay of (n - 1) / 2 input samples.
    while (Math.floor(p) + n < buffer.length) {
      const k = Math.floor(p);
      const frac = p - k;
      let y = this.filterAt(buffer, k);
      if (frac > 1e-9) y += frac * (this.filterAt(buffer, k + 1) - y);
      out.push(y);
      p += this.step;
    }
    const consumed = Math.floor(p);
    this.buffer = buffer.slice(consumed);
    this.position = p - consumed;
    return toInt16(out);
  }

  private filterAt(x: Float32Array, k: number): number {
    const taps = this.taps;
    let sum = 0;
    for (let j = 0; j < taps.length; j++) sum += taps[j] * x[k + j];
    return sum;
  }
}

// A Blackman-windowed sinc low-pass at `inputRate` with its cutoff at 0.47 of the lower rate
// (7.5 kHz for 16 kHz speech), unity gain at DC; 64 taps per unit of the rate ratio (193 for 48 kHz).
function lowPass(inputRate: number, outputRate: number): Float32Array {
  const ratio = Math.max(1, inputRate / outputRate);
  const length = 2 * Math.ceil(32 * ratio) + 1;
  const cutoff = (0.47 * Math.min(inputRate, outputRate)) / inputRate; // cycles per input sample
  const taps = new Float32Array(length);
  const mid = (length - 1) / 2;
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const w =
      0.42 -
      0.5 * Math.cos((2 * Math.PI * i) / (length - 1)) +
      0.08 * Math.cos((4 * Math.PI * i) / (length - 1));
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < length; i++) taps[i] /= sum;
  return taps;
}

export function toInt16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    out[i] = Math.round(s < 0 ? s * 32768 : s * 32767);
  }
  return out;
}

// Gathers int16 samples into fixed chunks (little-endian bytes, ready for WebSocket.send).
export class PcmChunker {
  private readonly pending: Int16Array;
  private filled = 0;

  constructor(
    private readonly emit: (chunk: ArrayBuffer) => void,
    readonly samplesPerChunk = chunkSamples,
  ) {
    this.pending = new Int16Array(samplesPerChunk);
  }

  push(samples: Int16Array): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(samples.length - offset, this.pending.length - this.filled);
      this.pending.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.pending.length) this.flush();
    }
  }

  // Sends what is gathered (a shorter last chunk).
  flush(): void {
    if (this.filled === 0) return;
    this.emit(littleEndian(this.pending.subarray(0, this.filled)));
    this.filled = 0;
  }
}

function littleEndian(samples: Int16Array): ArrayBuffer {
  const bytes = new ArrayBuffer(samples.length * 2);
  const view = new DataView(bytes);
  for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i], true);
  return bytes;
}
