// The dashboard's cost over the bare protocol: input-to-screen latency and frame rate while
// dragging in the real page (Chromium: pointer events -> WebSocket -> JPEG decode -> canvas),
// against a bare WebSocket client in the same browser and server that sends the same orbit
// messages and only reads frame headers (no decode, no drawing). Same process, same dataset, same
// frame size, runs interleaved A B A B. Needs web/node_modules (scripts/install-deps.sh).
//   node bench/dashboard_latency.mjs --viscera build/ci/src/cmd/viscera --data ../shared/data \
//        --ui-dir build/ci/web/dist [--seconds 15]
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs, Server, settledFrame } from "../web/tests/harness.mjs";

const require = createRequire(new URL("../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const args = parseArgs(process.argv.slice(2), ["viscera", "data", "ui-dir"]);
const seconds = Number(args.seconds ?? 15);

function stats(latencies, duration, inputs) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return {
    frames: sorted.length,
    fps: sorted.length / duration,
    inputs_per_s: inputs / duration,
    p50_ms: at(0.5),
    p95_ms: at(0.95),
  };
}

// Drags the mouse over the 3D view for `seconds` at ~60 Hz; returns the page's own latencies.
async function dashboardRun(page) {
  const box = await page.locator("#view3d").boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const lastInput = () =>
    page.$eval("#view3d", (c) => Number(c.dataset.inputId));
  const firstInput = await lastInput();
  const start = await page.evaluate(() => performance.now());
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const end = Date.now() + seconds * 1000;
  for (let i = 0; Date.now() < end; i++) {
    await page.mouse.move(cx + 120 * Math.sin(i / 20), cy);
    await sleep(16);
  }
  await page.mouse.up();
  const stop = await page.evaluate(() => performance.now());
  await sleep(500);
  const latencies = await page.evaluate(
    ([a, b]) =>
      window.visceraFrameLog
        .filter((f) => f.at >= a && f.at <= b + 500)
        .map((f) => f.latency_ms),
    [start, stop],
  );
  return stats(
    latencies,
    (stop - start) / 1000,
    (await lastInput()) - firstInput,
  );
}

// The same orbit stream from a bare WebSocket in the page: latency to the frame's arrival.
async function bareSocketRun(page, width, height) {
  const latencies = await page.evaluate(
    async ([w, h, secs]) => {
      const ws = new WebSocket(
        `ws://${location.host}/api/render?dataset=abdomen&width=${w}&height=${h}`,
      );
      ws.binaryType = "arraybuffer";
      await new Promise((resolve) => (ws.onopen = resolve));
      const sent = new Map();
      const out = [];
      let last = 0;
      ws.onmessage = (e) => {
        if (typeof e.data === "string") return;
        const view = new DataView(e.data);
        const length = view.getUint32(0, true);
        const header = JSON.parse(
          new TextDecoder().decode(new Uint8Array(e.data, 4, length)),
        );
        if (header.input_id > last && sent.has(header.input_id)) {
          last = header.input_id;
          out.push(performance.now() - sent.get(header.input_id));
        }
      };
      const end = performance.now() + secs * 1000;
      for (let id = 1; performance.now() < end; id++) {
        sent.set(id, performance.now());
        ws.send(
          JSON.stringify({
            type: "orbit",
            id,
            yaw_deg: 2 * Math.cos(id / 20),
            pitch_deg: 0,
          }),
        );
        await new Promise((r) => setTimeout(r, 16));
      }
      await new Promise((r) => setTimeout(r, 500));
      ws.close();
      return { out, inputs: sent.size };
    },
    [width, height, seconds],
  );
  return stats(latencies.out, seconds, latencies.inputs);
}

const server = await Server.start(args.viscera, args["ui-dir"]);
const browser = await chromium.launch({
  executablePath: args.chromium,
  args: ["--no-sandbox"],
});
try {
  await server.importAbdomen(args.data, args.python, "abdomen");
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 } })
  ).newPage();
  await page.goto(`${server.base}/#/dataset/abdomen`);
  await settledFrame(page, "#view3d");
  const { width, height } = await page.$eval("#view3d", (c) => ({
    width: c.width,
    height: c.height,
  }));
  const runs = { dashboard: [], bare: [] };
  for (let round = 0; round < 2; round++) {
    runs.dashboard.push(await dashboardRun(page));
    await settledFrame(page, "#view3d");
    runs.bare.push(await bareSocketRun(page, width, height));
  }
  const median = (list, key) =>
    list.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const summary = {};
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      fps: median(list, "fps"),
      inputs_per_s: median(list, "inputs_per_s"),
      p50_ms: median(list, "p50_ms"),
      p95_ms: median(list, "p95_ms"),
      frames: list.map((r) => r.frames),
    };
  }
  console.log(
    JSON.stringify(
      { frame: `${width}x${height}`, seconds, runs, summary },
      null,
      1,
    ),
  );
  const d = summary.dashboard;
  const b = summary.bare;
  console.log(
    `frame ${width}x${height}, ${seconds} s x 2 runs each, orbit input at ~60 Hz`,
  );
  console.log(
    `dashboard (drag -> canvas): ${d.inputs_per_s.toFixed(1)} inputs/s, ${d.fps.toFixed(1)} fps, input-to-screen p50 ${d.p50_ms.toFixed(1)} ms, p95 ${d.p95_ms.toFixed(1)} ms`,
  );
  console.log(
    `bare socket (send -> frame): ${b.inputs_per_s.toFixed(1)} inputs/s, ${b.fps.toFixed(1)} fps, p50 ${b.p50_ms.toFixed(1)} ms, p95 ${b.p95_ms.toFixed(1)} ms`,
  );
  console.log(
    `ratio dashboard / bare: p50 ${(d.p50_ms / b.p50_ms).toFixed(2)}x, p95 ${(d.p95_ms / b.p95_ms).toFixed(2)}x, fps ${(d.fps / b.fps).toFixed(2)}x`,
  );
} finally {
  await browser.close();
  await server.stop();
}
