// Voice commands end to end on the render session's WebSocket, as the dashboard's microphone
// sends them: espeak-ng speaks each command, sox makes it 16 kHz mono int16 with 1 s of silence
// after it, and the PCM is streamed in 100 ms chunks paced in real time after a "listen"
// message. Measured from the end of speech (the moment the last chunk holding speech was sent)
// to the final transcript, the reply, and the first frame carrying the listen's input id (the
// goal: under 1 s to the new frame). Peer: the same commands typed ("query"), from sending to the
// reply and to the frame. Needs espeak-ng, sox and web/node_modules (scripts/install-deps.sh).
//   node bench/voice_latency.mjs --viscera build/ci/src/cmd/viscera --data ../shared/data \
//        [--ui-dir build/ci/web/dist] [--rounds 2] [--spoken-replies on|off] [--quiet-ms 500]
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, Server, spokenWav } from "../web/tests/harness.mjs";

const require = createRequire(new URL("../web/package.json", import.meta.url));
const WebSocket = require("ws");
const args = parseArgs(process.argv.slice(2), ["viscera", "data"]);
const rounds = Number(args.rounds ?? 2);
// Between commands: no message from the server for this long after the full-quality frame.
const quietBetweenMs = Number(args["quiet-ms"] ?? 500);
const spokenReplies = (args["spoken-replies"] ?? "on") !== "off";
const width = 852;
const height = 655;
const chunkSamples = 1600; // 100 ms at 16 kHz
const speechThreshold = 0.01; // |sample| above -40 dBFS counts as speech

// In pairs, so the scene comes back to where it was and every command changes the frame.
const commands = [
  ["hide the liver", "hide"],
  ["show the liver", "show"],
  ["zoom in", "zoom_in"],
  ["zoom out", "zoom_out"],
  ["rotate left", "orbit"],
  ["rotate right", "orbit"],
  ["bone preset", "preset"],
  ["soft tissue preset", "preset"],
  ["make the spleen transparent", "make_transparent"],
  ["make the spleen opaque", "make_opaque"],
];

// espeak-ng -> 16 kHz mono int16 with 0.3 s before and 1 s after; returns the samples and where
// the speech ends (the last sample above the threshold).
function speak(dir, text, index) {
  const wav = spokenWav(dir, String(index), text, 0.3, 1.0);
  const bytes = readFileSync(wav);
  let offset = 12;
  while (
    offset + 8 <= bytes.length &&
    bytes.toString("ascii", offset, offset + 4) !== "data"
  )
    offset += 8 + bytes.readUInt32LE(offset + 4);
  const length = Math.min(
    bytes.readUInt32LE(offset + 4),
    bytes.length - offset - 8,
  );
  const samples = new Int16Array(length / 2);
  for (let i = 0; i < samples.length; i++)
    samples[i] = bytes.readInt16LE(offset + 8 + 2 * i);
  let end = samples.length - 1;
  while (end > 0 && Math.abs(samples[end]) < speechThreshold * 32768) end--;
  return { text, samples, speechEnd: end };
}

// One render session: text messages and frame headers as they come, with arrival times.
class Session {
  static async open(base) {
    const url = `${base.replace("http", "ws")}/api/render?dataset=abdomen&width=${width}&height=${height}`;
    const session = new Session(new WebSocket(url));
    await new Promise((resolve, reject) => {
      session.socket.once("open", resolve);
      session.socket.once("error", reject);
    });
    return session;
  }

  constructor(socket) {
    this.socket = socket;
    this.nextId = 1;
    this.waiters = [];
    this.events = [];
    socket.on("message", (data, isBinary) => {
      const at = performance.now();
      let event;
      if (isBinary) {
        const length = data.readUInt32LE(0);
        event = {
          kind: "frame",
          at,
          ...JSON.parse(data.toString("utf8", 4, 4 + length)),
        };
      } else {
        event = { kind: "text", at, ...JSON.parse(String(data)) };
      }
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => !w(event));
    });
  }

  // Resolves with the first event (from now on) that `test` accepts.
  next(test, timeoutMs = 30000, what = "an event") {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}`)),
        timeoutMs,
      );
      this.waiters.push((event) => {
        if (!test(event)) return false;
        clearTimeout(timer);
        resolve(event);
        return true;
      });
    });
  }

  send(message) {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ ...message, id }));
    return id;
  }

  close() {
    this.socket.close();
  }
}

// Waits until the renderer is idle: the newest frame is a full-quality one (drafts come while a
// change is rendered, the full frame ~150 ms after, taking several hundred ms on 2 busy cores)
// and nothing has come for `quietMs`. A command sent during the full render waits for it.
async function settle(session, quietMs = quietBetweenMs) {
  for (;;) {
    const count = session.events.length;
    await sleep(quietMs);
    const frames = session.events.filter((e) => e.kind === "frame");
    if (session.events.length === count && frames.at(-1)?.quality !== "draft")
      return;
  }
}

async function spokenCommand(session, utterance) {
  const isOurs = (id) => (e) => e.kind === "frame" && e.input_id === id;
  const id = session.send({ type: "listen", sample_rate: 16000 });
  const frame = session.next(
    isOurs(id),
    60000,
    `a frame for "${utterance.text}"`,
  );
  const final = session.next(
    (e) => e.type === "transcript" && e.final,
    60000,
    "the final transcript",
  );
  const reply = session.next((e) => e.type === "reply", 60000, "the reply");
  let stopped = false;
  session
    .next((e) => e.type === "listening" && e.active === false, 60000)
    .then(() => (stopped = true))
    .catch(() => undefined);
  const start = performance.now();
  let speechEndSent = NaN;
  const { samples } = utterance;
  for (let k = 0; k * chunkSamples < samples.length && !stopped; k++) {
    const wait = start + k * 100 - performance.now();
    if (wait > 0) await sleep(wait);
    const chunk = samples.subarray(k * chunkSamples, (k + 1) * chunkSamples);
    session.socket.send(
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    const last = Math.min(samples.length, (k + 1) * chunkSamples) - 1;
    if (Number.isNaN(speechEndSent) && last >= utterance.speechEnd)
      speechEndSent = performance.now();
  }
  if (!stopped) session.socket.send(JSON.stringify({ type: "listen_end" }));
  const [t, r] = await Promise.all([final, reply]);
  // A command not understood (or only asked back) changes nothing: no frame to wait for.
  const f = r.applied ? await frame : { at: NaN };
  frame.catch(() => undefined);
  return {
    text: utterance.text,
    heard: t.text,
    intent: r.intent,
    right_intent: r.intent === utterance.expected,
    applied: r.applied,
    audio_bytes: r.audio ? Math.floor((r.audio.length * 3) / 4) : 0,
    endpointed: stopped,
    transcript_ms: t.at - speechEndSent,
    reply_ms: r.at - speechEndSent,
    frame_ms: f.at - speechEndSent,
    frame_after_reply: f.at >= r.at,
    frame_quality: f.quality,
    frame_render_ms: f.render_ms,
  };
}

async function typedCommand(session, text) {
  const sent = performance.now();
  const id = session.send({ type: "query", text });
  const frame = session.next(
    (e) => e.kind === "frame" && e.input_id === id,
    30000,
    `a frame for "${text}"`,
  );
  const r = await session.next(
    (e) => e.type === "reply" && e.input_id === id,
    30000,
    "the reply",
  );
  const f = r.applied ? await frame : { at: NaN };
  frame.catch(() => undefined);
  return {
    text,
    intent: r.intent,
    applied: r.applied,
    reply_ms: r.at - sent,
    frame_ms: f.at - sent,
    frame_quality: f.quality,
    frame_render_ms: f.render_ms,
  };
}

function percentiles(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return {
    n: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    max: sorted.at(-1) ?? NaN,
  };
}

const scratch = mkdtempSync(join(tmpdir(), "viscera-voice-bench-"));
const utterances = commands.map(([text, intent], i) => ({
  ...speak(scratch, text, i),
  expected: intent,
}));
const server = await Server.start(args.viscera, args["ui-dir"] ?? scratch);
const load = loadavg()[0];
try {
  await server.importAbdomen(args.data, args.python, "abdomen");
  const session = await Session.open(server.base);
  await session.next((e) => e.kind === "frame", 30000, "the first frame");
  if (!spokenReplies)
    session.socket.send(
      JSON.stringify({ type: "voice", spoken_replies: false }),
    );
  await settle(session);
  // One command first to load the recogniser (its grammar is built on first use), not timed.
  await spokenCommand(session, utterances[0]);
  await settle(session);
  await spokenCommand(session, utterances[1]);
  await settle(session);
  const spoken = [];
  const typed = [];
  for (let round = 0; round < rounds; round++) {
    for (const u of utterances) {
      spoken.push(await spokenCommand(session, u));
      await settle(session);
    }
    for (const [text] of commands) {
      typed.push(await typedCommand(session, text));
      await settle(session);
    }
  }
  session.close();
  const right = spoken.filter((s) => s.applied).length;
  const summary = {
    spoken: {
      transcript: percentiles(spoken.map((s) => s.transcript_ms)),
      reply: percentiles(spoken.map((s) => s.reply_ms)),
      frame: percentiles(spoken.map((s) => s.frame_ms)),
      applied: `${right}/${spoken.length}`,
      right_intent: `${spoken.filter((s) => s.right_intent).length}/${spoken.length}`,
      endpointed: spoken.filter((s) => s.endpointed).length,
    },
    typed: {
      reply: percentiles(typed.map((s) => s.reply_ms)),
      frame: percentiles(typed.map((s) => s.frame_ms)),
    },
  };
  console.log(
    JSON.stringify(
      {
        frame: `${width}x${height}`,
        rounds,
        spokenReplies,
        load,
        spoken,
        typed,
        summary,
      },
      null,
      1,
    ),
  );
  const f = (p) =>
    `p50 ${p.p50.toFixed(0)} ms, p95 ${p.p95.toFixed(0)} ms (max ${p.max.toFixed(0)})`;
  console.log(
    `${commands.length} commands x ${rounds} rounds, frame ${width}x${height}, spoken replies ${spokenReplies ? "on" : "off"}, load average at start ${load.toFixed(2)}`,
  );
  console.log(
    `spoken (end of speech ->): final transcript ${f(summary.spoken.transcript)}; reply ${f(summary.spoken.reply)}; new frame ${f(summary.spoken.frame)}`,
  );
  console.log(
    `spoken: ${summary.spoken.right_intent} with the intended intent, ${summary.spoken.applied} applied, ${summary.spoken.endpointed} ended by the server's endpointing; goal p95 < 1000 ms to the new frame: ${summary.spoken.frame.p95 < 1000 ? "met" : "NOT met"}`,
  );
  console.log(
    `typed (send ->): reply ${f(summary.typed.reply)}; new frame ${f(summary.typed.frame)}`,
  );
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
