// The dashboard in Firefox (Debian's firefox-esr, headless), driven over WebDriver BiDi, the
// W3C protocol Firefox speaks natively (Playwright would need its own patched Firefox): the list
// and its thumbnail, the viewer's streamed frames (WebSocket, createImageBitmap, canvas), a real
// mouse drag that orbits, hiding the liver, and a typed command that shows it again.
//   node web/tests/firefox.e2e.mjs --viscera BIN --data SHARED_DATA --ui-dir DIST --out DIR
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { canvasPixelsExpression, meanDifference, parseArgs, Server } from "./harness.mjs";

const args = parseArgs(process.argv.slice(2));
const firefoxPath = process.env.VISCERA_FIREFOX ?? "/usr/bin/firefox-esr";

// A minimal WebDriver BiDi client: commands by id, answers matched by id.
class Bidi {
  static async launch() {
    const profile = mkdtempSync(join(tmpdir(), "viscera-firefox-"));
    const child = spawn(
      firefoxPath,
      [
        "--headless",
        "--no-remote",
        "--profile",
        profile,
        "--remote-debugging-port",
        "0",
        "--width",
        "1280",
        "--height",
        "800",
        "about:blank",
      ],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`firefox did not start its BiDi server:\n${stderr}`)),
        60000,
      );
      child.stderr.on("data", (d) => {
        stderr += d;
        const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", (code) => reject(new Error(`firefox exited (${code}):\n${stderr}`)));
    });
    const socket = new WebSocket(url.replace(/\/$/, "") + "/session");
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    const bidi = new Bidi(child, socket, profile);
    await bidi.send("session.new", { capabilities: {} });
    const tree = await bidi.send("browsingContext.getTree", {});
    bidi.context = tree.contexts[0].context;
    return bidi;
  }

  constructor(child, socket, profile) {
    this.child = child;
    this.socket = socket;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.type === "error") waiter.reject(new Error(`${message.error}: ${message.message}`));
      else waiter.resolve(message.result);
    });
  }

  send(method, params) {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  // Evaluates `expression` (may be a promise) in the page; returns its JSON value.
  async evaluate(expression) {
    const result = await this.send("script.evaluate", {
      expression: `(async () => JSON.stringify(await (${expression})))()`,
      target: { context: this.context },
      awaitPromise: true,
    });
    if (result.type !== "success")
      throw new Error(`in the page: ${JSON.stringify(result.exceptionDetails?.text ?? result)}`);
    return JSON.parse(result.result.value ?? "null");
  }

  async waitFor(expression, what, timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await this.evaluate(expression)) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async close() {
    try {
      await this.send("session.end", {});
    } catch {
      // Already gone.
    }
    this.socket.close();
    this.child.kill("SIGTERM");
    await new Promise((resolve) =>
      this.child.exitCode !== null ? resolve() : this.child.once("exit", resolve),
    );
    rmSync(this.profile, { recursive: true, force: true });
  }
}

const pixelsOf = canvasPixelsExpression;
const seqOf = `Number(document.querySelector("#view3d")?.dataset.seq ?? -1)`;
const settled = async (bidi, after) => {
  await bidi.waitFor(
    `${seqOf} > ${after} && document.querySelector("#view3d").dataset.quality !== "draft"`,
    `a frame after ${after}`,
  );
  for (;;) {
    const seq = await bidi.evaluate(seqOf);
    await sleep(400);
    if ((await bidi.evaluate(seqOf)) === seq) return seq;
  }
};

let failed = false;
const server = await Server.start(args.viscera, args["ui-dir"]);
let bidi = null;
try {
  await server.importAbdomen(args.data, args.python, "abdomen");
  bidi = await Bidi.launch();
  console.log(`firefox: ${await bidi.evaluate("navigator.userAgent")}`);
  await bidi.send("browsingContext.navigate", {
    context: bidi.context,
    url: server.base + "/",
    wait: "complete",
  });
  await bidi.waitFor(
    `(() => { const i = document.querySelector('.dataset-card[data-id="abdomen"] img'); return !!i && i.complete && i.naturalWidth === 160; })()`,
    "the abdomen's card with its thumbnail",
  );
  console.log("ok   the dataset list and thumbnail");

  await bidi.evaluate(`(location.hash = "#/dataset/abdomen", true)`);
  let seq = await settled(bidi, -1);
  let before = await bidi.evaluate(pixelsOf("#view3d"));
  const mean = before.reduce((a, b) => a + b, 0) / before.length;
  assert.ok(mean > 2, `the frame shows something (mean grey ${mean.toFixed(2)})`);
  console.log("ok   the viewer draws streamed frames");

  const rect = await bidi.evaluate(
    `(() => { const r = document.querySelector("#view3d").getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()`,
  );
  const x = Math.round(rect[0] + rect[2] / 2);
  const y = Math.round(rect[1] + rect[3] / 2);
  await bidi.send("input.performActions", {
    context: bidi.context,
    actions: [
      {
        type: "pointer",
        id: "mouse",
        parameters: { pointerType: "mouse" },
        actions: [
          { type: "pointerMove", x, y },
          { type: "pointerDown", button: 0 },
          ...Array.from({ length: 10 }, (_, i) => ({
            type: "pointerMove",
            x: x + (i + 1) * 15,
            y,
            duration: 20,
          })),
          { type: "pointerUp", button: 0 },
        ],
      },
    ],
  });
  seq = await settled(bidi, seq);
  let after = await bidi.evaluate(pixelsOf("#view3d"));
  assert.ok(meanDifference(before, after) > 2, "a mouse drag orbits");
  await bidi.waitFor(`!document.querySelector("#save").disabled`, "save enabled after the orbit");
  console.log("ok   a mouse drag orbits and enables save");

  before = after;
  await bidi.evaluate(
    `(document.querySelector('.organ-row[data-name="liver"] input[type="checkbox"]').click(), true)`,
  );
  seq = await settled(bidi, seq);
  after = await bidi.evaluate(pixelsOf("#view3d"));
  assert.ok(meanDifference(before, after) > 0.5, "hiding the liver changes the frame");
  console.log("ok   hiding the liver changes the frame");

  // A typed command: real key presses into the command box, Enter submits.
  before = after;
  await bidi.evaluate(`(document.querySelector("#command").focus(), true)`);
  await bidi.send("input.performActions", {
    context: bidi.context,
    actions: [
      {
        type: "key",
        id: "keyboard",
        actions: [
          ...[..."show the liver"].flatMap((c) => [
            { type: "keyDown", value: c },
            { type: "keyUp", value: c },
          ]),
          { type: "keyDown", value: "\uE007" },
          { type: "keyUp", value: "\uE007" },
        ],
      },
    ],
  });
  await bidi.waitFor(
    `(window.visceraVoiceLog ?? []).some((r) => r.query === "show the liver")`,
    "the reply to “show the liver”",
  );
  const reply = await bidi.evaluate(`window.visceraVoiceLog.find((r) => r.query === "show the liver")`);
  assert.equal(reply.intent, "show");
  assert.ok(reply.applied, JSON.stringify(reply));
  await bidi.waitFor(
    `Number(document.querySelector("#view3d").dataset.inputId) >= ${reply.input_id}`,
    "a frame showing the command",
  );
  seq = await settled(bidi, seq);
  after = await bidi.evaluate(pixelsOf("#view3d"));
  assert.ok(meanDifference(before, after) > 0.5, "showing the liver again changes the frame");
  await bidi.waitFor(
    `document.querySelector('.organ-row[data-name="liver"] input[type="checkbox"]').checked`,
    "the liver checked in the organ panel",
  );
  assert.equal(await bidi.evaluate(`document.querySelector("#command-reply").textContent`), reply.text);
  console.log(`ok   a typed command shows the liver again ("${reply.text}")`);

  const shot = await bidi.send("browsingContext.captureScreenshot", { context: bidi.context });
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "firefox-viewer.png"), Buffer.from(shot.data, "base64"));
} catch (e) {
  failed = true;
  console.log(`FAIL ${e.stack ?? e}`);
  console.log("--- server log ---\n" + server.logText().split("\n").slice(-30).join("\n"));
} finally {
  await bidi?.close();
  await server.stop();
}
console.log(failed ? "firefox e2e: FAILED" : "firefox e2e: all steps passed");
process.exit(failed ? 1 : 0);
