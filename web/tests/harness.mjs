// What the dashboard's browser tests stand on: a real `viscera serve` on loopback with the shared
// abdomen dataset, Debian's Chromium driven by playwright-core, and frame comparisons done on
// the canvas's pixels.
import { spawn, execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  createReadStream,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// `text` spoken by espeak-ng (en-us) or flite (`voice`: "flite:rms", "flite:kal16"), resampled
// by sox to 16 kHz mono 16-bit with `before` and `after` seconds of silence: the audio the
// dashboard's microphone sends. Returns the WAV's path.
export function spokenWav(dir, name, text, before, after, voice = "espeak") {
  const raw = join(dir, `${name}-synth.wav`);
  const wav = join(dir, `${name}.wav`);
  if (voice.startsWith("flite:")) {
    execFileSync("flite", ["-voice", voice.slice(6), "-t", text, "-o", raw]);
  } else {
    execFileSync("espeak-ng", ["-v", "en-us", "-w", raw, text]);
  }
  execFileSync("sox", [raw, "-r", "16000", "-c", "1", "-b", "16", wav, "pad", String(before), String(after)]);
  return wav;
}

export function parseArgs(argv, required = ["viscera", "data", "ui-dir", "out"]) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) args[argv[i].slice(2)] = argv[++i];
  }
  for (const key of required) {
    if (!args[key]) throw new Error(`missing --${key}`);
  }
  args.chromium = args.chromium ?? process.env.VISCERA_CHROMIUM ?? "/usr/bin/chromium";
  args.python = args.python ?? "/usr/bin/python3";
  return args;
}

export class Server {
  static async start(viscera, uiDir, extra = []) {
    const scratch = mkdtempSync(join(tmpdir(), "viscera-e2e-"));
    const data = join(scratch, "data");
    mkdirSync(data, { recursive: true });
    const portFile = join(scratch, "port");
    const log = join(scratch, "server.log");
    const fd = openSync(log, "w");
    const child = spawn(
      viscera,
      ["serve", "--data", data, "--port", "0", "--port-file", portFile, "--ui-dir", uiDir, ...extra],
      {
        stdio: ["ignore", fd, fd],
      },
    );
    const server = new Server(child, scratch, data, log);
    for (let i = 0; i < 300 && !(existsSync(portFile) && statSync(portFile).size > 0); i++) {
      if (child.exitCode !== null) break;
      await sleep(100);
    }
    if (!existsSync(portFile)) throw new Error(`viscera serve did not start:\n${server.logText()}`);
    server.base = `http://127.0.0.1:${readFileSync(portFile, "utf8").trim()}`;
    return server;
  }

  constructor(child, scratch, data, log) {
    this.child = child;
    this.scratch = scratch;
    this.data = data;
    this.log = log;
  }

  logText() {
    return existsSync(this.log) ? readFileSync(this.log, "utf8") : "";
  }

  // The shared abdomen (CT, TotalSegmentator labels and their names) imported the way a user
  // would: a zip POSTed to the dataset service.
  async importAbdomen(sharedData, python, id) {
    const src = join(sharedData, "totalseg-example");
    const zip = join(this.scratch, `${id}.zip`);
    execFileSync(python, [
      "-c",
      "import sys, zipfile\n" +
        "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n" +
        "    for f in sys.argv[2:]: z.write(f, f.rsplit('/', 1)[1])",
      zip,
      join(src, "example_ct.nii.gz"),
      join(src, "example_seg_fast_force_split.nii.gz"),
      join(src, "labels_total_v2.json"),
    ]);
    const response = await fetch(`${this.base}/api/datasets?id=${id}`, {
      method: "POST",
      body: createReadStream(zip),
      duplex: "half",
      headers: { "Content-Type": "application/zip", "Content-Length": String(statSync(zip).size) },
    });
    if (response.status !== 201)
      throw new Error(`import of ${id}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  async stop() {
    if (this.child.exitCode === null) {
      this.child.kill("SIGTERM");
      await new Promise((resolve) => this.child.once("exit", resolve));
    }
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

// A 48x48 grey thumbnail of a canvas's pixels, for comparing frames in Node: a page expression,
// so both Playwright and the WebDriver BiDi client evaluate the same code.
export function canvasPixelsExpression(selector) {
  return `(() => {
    const c = document.querySelector(${JSON.stringify(selector)});
    const small = document.createElement("canvas");
    small.width = 48;
    small.height = 48;
    const ctx = small.getContext("2d");
    ctx.drawImage(c, 0, 0, 48, 48);
    const d = ctx.getImageData(0, 0, 48, 48).data;
    const grey = [];
    for (let i = 0; i < d.length; i += 4) grey.push((d[i] + d[i + 1] + d[i + 2]) / 3);
    return grey;
  })()`;
}

export async function canvasPixels(page, selector) {
  return page.evaluate(canvasPixelsExpression(selector));
}

export function meanDifference(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

// Waits until the canvas shows a full-quality frame newer than `afterSeq` and no newer frame
// arrives for a moment (the progressive renderer sends drafts first).
export async function settledFrame(page, selector, afterSeq = -1) {
  await page.waitForFunction(
    ([sel, after]) => {
      const c = document.querySelector(sel);
      return c && Number(c.dataset.seq ?? -1) > after && c.dataset.quality !== "draft";
    },
    [selector, afterSeq],
    { timeout: 30000 },
  );
  for (;;) {
    const seq = await page.$eval(selector, (c) => Number(c.dataset.seq));
    await sleep(400);
    const again = await page.$eval(selector, (c) => [Number(c.dataset.seq), c.dataset.quality]);
    if (again[0] === seq && again[1] !== "draft") return seq;
  }
}

// axe-core's rules (WCAG 2.1 A and AA) over the page as it is now; returns the violations.
export async function accessibilityViolations(page, axePath) {
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
}
