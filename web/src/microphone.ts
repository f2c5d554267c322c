// The microphone: getUserMedia -> AudioContext -> an AudioWorklet that hands the samples to the
// page (ScriptProcessor where AudioWorklet is missing) -> 16 kHz int16 chunks (pcm.ts). Stopping
// ends the audio graph and the tracks, so the browser's "recording" indicator goes away.
import { Downsampler, PcmChunker } from "./pcm";

// Mono (the node downmixes), in blocks of 2048 frames (~43 ms at 48 kHz) to keep messages few.
// Loaded from a data: URL: no file to serve, no Blob URL to keep alive. (Under Playwright 1.55
// a realtime context's addModule never settles, microsoft/playwright#37592: hence the timeout.)
const workletSource = `
class VisceraCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(2048);
    this.filled = 0;
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      let offset = 0;
      while (offset < channel.length) {
        const take = Math.min(channel.length - offset, this.block.length - this.filled);
        this.block.set(channel.subarray(offset, offset + take), this.filled);
        this.filled += take;
        offset += take;
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block, [this.block.buffer]);
          this.block = new Float32Array(2048);
          this.filled = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor("viscera-capture", VisceraCapture);
`;
const workletUrl = "data:text/javascript;charset=utf-8," + encodeURIComponent(workletSource);
const startTimeoutMs = 3000;
let workletFailed = false;

export class MicrophoneError extends Error {}

// One utterance per instance: start, then stop.
export class Microphone {
  private media: MediaStream | null = null;
  private context: AudioContext | null = null;
  private chunker: PcmChunker | null = null;
  private stopped = false;
  // "worklet" or "script-processor", once started: shown to tests and in the button's title.
  capture = "";

  // Starts capturing; `onChunk` gets ~100 ms of 16 kHz int16 PCM at a time. Throws a
  // MicrophoneError saying what went wrong in the user's terms. Call it from the click: the audio
  // context is made at once, while the user's gesture still allows sound. The capture node is
  // ready before the microphone opens, so nothing said right after the click is lost.
  async start(onChunk: (chunk: ArrayBuffer) => void): Promise<void> {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia)
      throw new MicrophoneError("The microphone needs the page over HTTPS (or on localhost).");
    let context: AudioContext;
    try {
      context = new AudioContext();
    } catch (e) {
      throw new MicrophoneError(`This browser cannot process audio: ${(e as Error).message}`);
    }
    this.context = context;
    const resumed = context.state === "suspended" ? context.resume() : Promise.resolve();
    const worklet = await this.addWorklet(context);
    if (this.stopped) return;
    try {
      this.media = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (e) {
      this.release();
      throw new MicrophoneError(describeMediaError(e));
    }
    if (this.stopped) {
      this.release();
      return;
    }
    try {
      if (!(await settlesWithin(resumed, startTimeoutMs)))
        throw new Error("the browser did not start audio processing (no audio device?)");
      const downsampler = new Downsampler(context.sampleRate);
      const chunker = new PcmChunker(onChunk);
      this.chunker = chunker;
      const take = (samples: Float32Array) => {
        if (!this.stopped) chunker.push(downsampler.process(samples));
      };
      const source = context.createMediaStreamSource(this.media);
      // Silent sink: keeps the capture node pulled by the graph without playing the voice back.
      const sink = context.createGain();
      sink.gain.value = 0;
      sink.connect(context.destination);
      if (worklet) {
        const node = new AudioWorkletNode(context, "viscera-capture", {
          numberOfInputs: 1,
          numberOfOutputs: 1,
          channelCount: 1,
          channelCountMode: "explicit",
          channelInterpretation: "speakers",
        });
        node.port.onmessage = (e: MessageEvent<Float32Array>) => take(e.data);
        source.connect(node).connect(sink);
        this.capture = "worklet";
      } else {
        const node = context.createScriptProcessor(2048, 1, 1);
        node.onaudioprocess = (e) => take(e.inputBuffer.getChannelData(0));
        source.connect(node).connect(sink);
        this.capture = "script-processor";
      }
    } catch (e) {
      this.release();
      throw new MicrophoneError(`The microphone could not be read: ${(e as Error).message}`);
    }
  }

  // Stops capturing. With `flush`, the samples gathered since the last chunk are sent first.
  stop(flush = false): void {
    if (flush && !this.stopped) this.chunker?.flush();
    this.stopped = true;
    this.release();
  }

  // Whether the capture worklet loaded; a browser where it did not load once (it timed out or
  // failed) goes straight to the ScriptProcessor afterwards.
  private async addWorklet(context: AudioContext): Promise<boolean> {
    if (workletFailed || !context.audioWorklet || typeof AudioWorkletNode !== "function") return false;
    const loaded = await settlesWithin(context.audioWorklet.addModule(workletUrl), startTimeoutMs);
    if (!loaded) workletFailed = true;
    return loaded;
  }

  private release(): void {
    for (const track of this.media?.getTracks() ?? []) track.stop();
    this.media = null;
    void this.context?.close().catch(() => undefined);
    this.context = null;
    this.chunker = null;
  }
}

// Whether `promise` resolves within `ms` (false when it rejects or takes longer).
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer = 0;
  const timeout = new Promise<boolean>((resolve) => {
    timer = window.setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function describeMediaError(e: unknown): string {
  const name = (e as { name?: string }).name ?? "";
  if (name === "NotAllowedError" || name === "SecurityError")
    return "The microphone is blocked: allow it for this site in the browser's settings.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No microphone was found.";
  if (name === "NotReadableError" || name === "AbortError")
    return "The microphone is in use by another program or could not be opened.";
  return `The microphone could not be opened: ${(e as Error).message ?? String(e)}`;
}
