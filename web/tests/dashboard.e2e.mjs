// The dashboard end to end, as a clinician uses it: Debian's Chromium (headless) against a real
// `viscera serve` with the shared abdomen dataset. Each step checks what the server rendered or
// stored, not only what the page shows. Screenshots land in --out. The microphone is Chromium's
// fake capture device playing a command spoken by espeak-ng (needs espeak-ng and sox).
//   node web/tests/dashboard.e2e.mjs --viscera BIN --data SHARED_DATA --ui-dir DIST --out DIR
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import {
  accessibilityViolations,
  canvasPixels,
  meanDifference,
  parseArgs,
  Server,
  settledFrame,
  spokenWav,
} from "./harness.mjs";

const args = parseArgs(process.argv.slice(2));
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
mkdirSync(args.out, { recursive: true });
const view = "#view3d";
let failures = 0;

async function step(name, body) {
  const start = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
    throw e;
  }
}

// "show the liver" said by flite (rms), at 16 kHz mono with 0.5 s of silence before (the capture starts as the
// microphone opens) and 1.5 s after (the server ends the utterance on ~0.5 s of silence).
const scratch = mkdtempSync(join(tmpdir(), "viscera-e2e-voice-"));
const spokenCommand = spokenWav(scratch, "show-the-liver", "show the liver", 0.5, 1.5, "flite:rms");

const server = await Server.start(args.viscera, args["ui-dir"]);
const browser = await chromium.launch({
  executablePath: args.chromium,
  args: [
    "--no-sandbox",
    "--use-fake-ui-for-media-stream", // grants the microphone without asking
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${spokenCommand}%noloop`,
  ],
});
try {
  await server.importAbdomen(args.data, args.python, "abdomen");
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const api = async (path, init) => {
    const r = await fetch(server.base + path, init);
    assert.ok(r.ok, `${path}: ${r.status}`);
    return r.json();
  };

  await step("the dataset list shows the abdomen with a thumbnail", async () => {
    await page.goto(server.base + "/");
    const card = page.locator('.dataset-card[data-id="abdomen"]');
    await card.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector('.dataset-card[data-id="abdomen"] img');
      return img && img.complete && img.naturalWidth === 160;
    });
    const text = await card.innerText();
    const record = await api("/api/datasets/abdomen");
    assert.match(text, /CT/);
    assert.ok(text.includes(`${record.labels.length}: Spleen`), `organs shown: ${text}`);
    assert.ok(text.includes(record.dimensions.join(" × ")), `size shown: ${text}`);
    await page.screenshot({ path: join(args.out, "dataset-list.png") });
  });

  await step("the dataset list passes axe-core", async () => {
    const violations = await accessibilityViolations(page, axePath);
    assert.deepEqual(violations, []);
  });

  let seq = -1;
  let before;
  await step("opening the dataset streams a full-quality frame, save disabled", async () => {
    await page.getByRole("button", { name: "Open abdomen" }).click();
    seq = await settledFrame(page, view);
    before = await canvasPixels(page, view);
    assert.ok(await page.locator("#save").isDisabled(), "save is disabled while the view is the saved one");
    const organRows = await page.locator(".organ-row").count();
    const summary = await api("/api/datasets/abdomen/summary");
    assert.equal(organRows, summary.organs.length);
    const liverMl = await page.locator('.organ-row[data-name="liver"] .organ-volume').innerText();
    const liver = summary.organs.find((o) => o.name === "liver");
    assert.ok(liver, "the summary names the liver");
    assert.equal(liverMl, `${liver.volume_ml.toFixed(0)} mL`);
  });

  await step("dragging orbits: the streamed frame changes and save is enabled", async () => {
    const box = await page.locator(view).boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++)
      await page.mouse.move(box.x + box.width / 2 + i * 15, box.y + box.height / 2);
    await page.mouse.up();
    seq = await settledFrame(page, view, seq);
    const after = await canvasPixels(page, view);
    const diff = meanDifference(before, after);
    assert.ok(diff > 2, `mean grey difference after orbit ${diff.toFixed(2)} should exceed 2`);
    before = after;
    await page.waitForFunction(() => !document.querySelector("#save").disabled);
  });

  await step("hiding the liver changes the frame", async () => {
    const liver = page.locator('.organ-row[data-name="liver"] input[type="checkbox"]');
    await liver.uncheck();
    seq = await settledFrame(page, view, seq);
    const after = await canvasPixels(page, view);
    const diff = meanDifference(before, after);
    assert.ok(diff > 0.5, `mean grey difference after hiding the liver ${diff.toFixed(2)} should exceed 0.5`);
    before = after;
    assert.equal(await liver.isChecked(), false);
    await page.screenshot({ path: join(args.out, "viewer-liver-hidden.png") });
  });

  await step("saving stores version 1 and disables the button", async () => {
    await page.locator("#save").click();
    await page.waitForFunction(
      () =>
        document.querySelector("#save").disabled &&
        /version 1/.test(document.querySelector("#save-status").textContent),
    );
    const versions = await api("/api/datasets/abdomen/settings/versions");
    assert.equal(versions.versions.length, 1);
    const saved = await api("/api/datasets/abdomen/settings");
    const liverLabel = (await api("/api/datasets/abdomen/summary")).organs.find(
      (o) => o.name === "liver",
    ).label;
    const style = saved.settings.organs.find((o) => o.label === liverLabel);
    assert.equal(style.visible, false, "the stored settings hide the liver");
    await page.locator('.versions li[data-version="1"]').waitFor();
  });

  await step("after a reload the saved settings come back", async () => {
    await page.reload();
    const s = await settledFrame(page, view);
    seq = s;
    assert.equal(
      await page.locator('.organ-row[data-name="liver"] input[type="checkbox"]').isChecked(),
      false,
    );
    assert.ok(await page.locator("#save").isDisabled());
    const reloaded = await canvasPixels(page, view);
    const diff = meanDifference(before, reloaded);
    assert.ok(
      diff < 1.5,
      `the reloaded frame should match the saved view (mean difference ${diff.toFixed(2)})`,
    );
  });

  await step("keyboard: arrow keys orbit the focused view", async () => {
    await page.locator(view).focus();
    await page.keyboard.press("ArrowLeft");
    seq = await settledFrame(page, view, seq);
    const after = await canvasPixels(page, view);
    assert.ok(meanDifference(before, after) > 1, "the frame changed");
    before = after;
  });

  await step("a two-finger pinch zooms (touch)", async () => {
    const cdp = await context.newCDPSession(page);
    const box = await page.locator(view).boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const points = (spread) => [
      { x: cx - spread, y: cy, id: 1 },
      { x: cx + spread, y: cy, id: 2 },
    ];
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: points(40) });
    for (let spread = 50; spread <= 160; spread += 10) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: points(spread) });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    seq = await settledFrame(page, view, seq);
    const after = await canvasPixels(page, view);
    assert.ok(meanDifference(before, after) > 2, "pinching out zoomed in");
    before = after;
  });

  await step("transfer function: a preset and dragging a range change the frame", async () => {
    await page.locator("#tf-preset").selectOption("bone");
    seq = await settledFrame(page, view, seq);
    const bone = await canvasPixels(page, view);
    assert.ok(meanDifference(before, bone) > 0.5, "the bone preset changed the frame");
    const from = Number(await page.locator("#tf-from-hu").inputValue());
    const tf = await page.locator(".tf-canvas").boundingBox();
    // Grab the selected range in its middle and drag it 40 px to the right (higher HU).
    const summary = await api("/api/datasets/abdomen/summary");
    const to = Number(await page.locator("#tf-to-hu").inputValue());
    const lo = Math.max(-1200, summary.hu_range[0]);
    const hi = Math.min(3500, Math.max(summary.hu_range[1], lo + 100));
    const mid = tf.x + ((Math.min((from + to) / 2, hi) - lo) / (hi - lo)) * tf.width;
    await page.mouse.move(mid, tf.y + tf.height * 0.7);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) await page.mouse.move(mid + i * 5, tf.y + tf.height * 0.7);
    await page.mouse.up();
    seq = await settledFrame(page, view, seq);
    const moved = Number(await page.locator("#tf-from-hu").inputValue());
    assert.ok(moved > from, `the range moved to higher HU (${from} -> ${moved})`);
    const stored = await page.evaluate(() => document.querySelector("#save-status").textContent);
    assert.match(stored, /Unsaved/);
    before = await canvasPixels(page, view);
  });

  await step("cinematic quality is rendered as asked", async () => {
    await page.locator("summary", { hasText: "Lights and quality" }).click();
    await page.locator("#quality").selectOption("cinematic");
    await page.waitForFunction(
      () => document.querySelector("#view3d").dataset.quality === "cinematic",
      null,
      { timeout: 60000 },
    );
    seq = await settledFrame(page, view, seq);
    await page.locator("#quality").selectOption("full");
    seq = await settledFrame(page, view, seq);
    before = await canvasPixels(page, view);
  });

  await step("restoring version 1 after another save brings the liver back hidden", async () => {
    await page.locator('.organ-row[data-name="liver"] input[type="checkbox"]').check();
    seq = await settledFrame(page, view, seq);
    await page.locator("#save").click();
    await page.waitForFunction(() => /version 2/.test(document.querySelector("#save-status").textContent));
    await page.getByRole("button", { name: "Restore version 1" }).click();
    await page.waitForFunction(() => /version 3/.test(document.querySelector("#save-status").textContent));
    assert.equal(
      await page.locator('.organ-row[data-name="liver"] input[type="checkbox"]').isChecked(),
      false,
    );
    const versions = await api("/api/datasets/abdomen/settings/versions");
    assert.deepEqual(versions.versions.map((v) => v.version).sort(), [1, 2, 3]);
    assert.match(versions.versions.find((v) => v.version === 3).note, /restored version 1/);
  });

  await step("slice views render axial, coronal and sagittal with the organ overlay", async () => {
    await page.locator("#layout").selectOption("both");
    const seqs = {};
    for (const o of ["axial", "coronal", "sagittal"])
      seqs[o] = await settledFrame(page, `.slice-canvas[data-orientation="${o}"]`);
    const axial = await canvasPixels(page, '.slice-canvas[data-orientation="axial"]');
    await page.locator('.slice-canvas[data-orientation="axial"]').focus();
    await page.keyboard.press("PageUp");
    await page.waitForFunction(() =>
      /mm/.test(document.querySelector('.slice-canvas[data-orientation="axial"] + figcaption').textContent),
    );
    await settledFrame(page, '.slice-canvas[data-orientation="axial"]', seqs.axial);
    const moved = await canvasPixels(page, '.slice-canvas[data-orientation="axial"]');
    assert.ok(meanDifference(axial, moved) > 0.5, "paging moved to another slice");
    // A window preset reaches every slice view, each keeping its own orientation.
    const axialSeq = await page.$eval('.slice-canvas[data-orientation="axial"]', (c) =>
      Number(c.dataset.seq),
    );
    await page.locator("summary", { hasText: "Slices" }).click();
    await page.getByRole("button", { name: "Bone", exact: true }).click();
    await settledFrame(page, '.slice-canvas[data-orientation="axial"]', axialSeq);
    const boneWindow = await canvasPixels(page, '.slice-canvas[data-orientation="axial"]');
    assert.ok(meanDifference(moved, boneWindow) > 1, "the bone window changed the axial slice");
    assert.equal(await page.locator("#window-width").inputValue(), "1800");
    const coronal = await canvasPixels(page, '.slice-canvas[data-orientation="coronal"]');
    assert.ok(meanDifference(boneWindow, coronal) > 5, "axial and coronal views still differ");
    await page.screenshot({ path: join(args.out, "viewer-slices.png") });
  });

  // The last reply in the page's voice log whose query matches, once it has come.
  // The newest reply to a query matching `query`, among those after the first `since` replies.
  const reply = async (query, since = 0) => {
    const handle = await page.waitForFunction(
      ([q, from]) => (window.visceraVoiceLog ?? []).slice(from).findLast((r) => q.test(r.query)),
      [query, since],
      { timeout: 60000 },
    );
    return handle.jsonValue();
  };
  const liverShown = page.locator('.organ-row[data-name="liver"] input[type="checkbox"]');

  // After a command's reply: its frames arrive (they carry its input id), the picture changed and
  // the organ panel shows the liver `shown` or not.
  async function liverShownAfter(r, shown) {
    await page.waitForFunction(
      (id) => Number(document.querySelector("#view3d").dataset.inputId) >= id,
      r.input_id,
    );
    seq = await settledFrame(page, view, seq);
    const after = await canvasPixels(page, view);
    const diff = meanDifference(before, after);
    assert.ok(diff > 0.5, `mean grey difference after "${r.query}" ${diff.toFixed(2)} should exceed 0.5`);
    before = after;
    await page.waitForFunction(
      (want) =>
        document.querySelector('.organ-row[data-name="liver"] input[type="checkbox"]').checked === want,
      shown,
    );
  }

  await step("a typed command hides the liver: frame, organ panel and reply show it", async () => {
    await liverShown.check();
    seq = await settledFrame(page, view, seq);
    before = await canvasPixels(page, view);
    const box = page.getByRole("textbox", { name: "Command" });
    await box.fill("hide the liver");
    await box.press("Enter");
    const r = await reply(/^hide the liver$/);
    assert.equal(r.intent, "hide");
    assert.ok(r.applied && !r.needs_confirmation, JSON.stringify(r));
    await liverShownAfter(r, false);
    assert.equal(await page.locator("#command-reply").innerText(), r.text);
    assert.match(r.text, /liver/i);
    assert.match(await page.locator(".command-history li").first().innerText(), /hide the liver/);
    assert.equal(await box.inputValue(), "", "the box is cleared for the next command");
    await page.screenshot({ path: join(args.out, "viewer-command.png") });
  });

  // The page's capture worklet never loads under Playwright 1.55 (microsoft/playwright#37592), so
  // here the audio goes through its ScriptProcessor fallback: same downsampler, same chunks.
  await step("a spoken command over the microphone shows the liver, with a spoken reply", async () => {
    const mic = page.getByRole("button", { name: "Speak" });
    assert.equal(await mic.getAttribute("aria-pressed"), "false");
    const repliesBefore = await page.evaluate(() => (window.visceraVoiceLog ?? []).length);
    await mic.click();
    assert.equal(await mic.getAttribute("aria-pressed"), "true", "the button shows it is listening");
    await page.waitForFunction(
      () => document.querySelector("#microphone").dataset.state === "listening",
      null,
      {
        timeout: 20000,
      },
    );
    const transcript = await page.waitForFunction(
      () => (window.visceraTranscriptLog ?? []).find((t) => t.final),
      null,
      { timeout: 60000 },
    );
    const heard = await transcript.jsonValue();
    const partials = await page.evaluate(() => window.visceraTranscriptLog.filter((t) => !t.final).length);
    const r = await reply(/liver/, repliesBefore);
    const capture = await mic.getAttribute("data-capture");
    console.log(
      `     heard "${heard.text}" (${partials} partials, ${capture}); reply "${r.text}", ${r.audioBytes} bytes of audio`,
    );
    assert.match(heard.text, /show.*liver/);
    assert.equal(r.intent, "show");
    assert.ok(r.applied, JSON.stringify(r));
    assert.ok(r.audioBytes > 1000, `a spoken reply came (${r.audioBytes} bytes)`);
    await page.waitForFunction(
      () => document.querySelector("#microphone").getAttribute("aria-pressed") === "false",
    );
    await liverShownAfter(r, true);
    assert.match(await page.locator("#command-transcript").innerText(), /show.*liver/);
  });

  await step("“next dataset” opens the other dataset, “previous dataset” comes back", async () => {
    await server.importAbdomen(args.data, args.python, "abdomen-copy");
    const box = page.getByRole("textbox", { name: "Command" });
    await box.fill("next dataset");
    await box.press("Enter");
    const r = await reply(/^next dataset$/);
    assert.equal(r.intent, "next_dataset");
    await page.waitForFunction(() => location.hash === "#/dataset/abdomen-copy");
    await page.locator("h1", { hasText: "abdomen-copy" }).waitFor();
    await settledFrame(page, view);
    const back = page.getByRole("textbox", { name: "Command" });
    await back.fill("previous dataset");
    await back.press("Enter");
    await page.waitForFunction(() => location.hash === "#/dataset/abdomen");
    await page.locator("h1", { hasText: /^abdomen$/ }).waitFor();
    seq = await settledFrame(page, view);
    // As before the trip, for the accessibility check.
    await page.locator("#layout").selectOption("both");
    await settledFrame(page, '.slice-canvas[data-orientation="axial"]');
  });

  await step("the viewer passes axe-core", async () => {
    const violations = await accessibilityViolations(page, axePath);
    assert.deepEqual(violations, []);
  });

  await step("upload with progress, a server error shown, then delete with confirmation", async () => {
    await page.goto(server.base + "/#/");
    await page.locator('.dataset-card[data-id="abdomen"]').waitFor();
    const small = join(args.data, "totalseg-example", "example_ct_sm.nii.gz");
    // A name that exists: the server's refusal is shown as it said it.
    await page.locator("#upload-file").setInputFiles(small);
    await page.locator("#upload-name").fill("abdomen");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator("#errors .toast.error").waitFor();
    assert.match(await page.locator("#errors").innerText(), /abdomen/);
    await page.locator("#errors").getByRole("button", { name: "Dismiss" }).click();
    await page.locator("#errors .toast.error").waitFor({ state: "detached" });
    // A slow uplink (Chromium's network emulation) so the progress bar is seen moving.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    await page.locator("#upload-file").setInputFiles(small);
    await page.locator("#upload-name").fill("small-ct");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForFunction(() => {
      const bar = document.querySelector("#upload-progress");
      return bar && !bar.hidden && bar.value > 0 && bar.value < 1;
    });
    await page.locator('.dataset-card[data-id="small-ct"]').waitFor({ timeout: 60000 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    assert.ok(
      await page.locator("#upload-progress").isHidden(),
      "the progress bar goes once the upload is done",
    );
    const list = await api("/api/datasets");
    assert.ok(list.datasets.some((d) => d.id === "small-ct"));
    await page.getByRole("button", { name: "Delete small-ct" }).click();
    await page.locator("dialog.confirm").waitFor();
    await page.locator("dialog.confirm").getByRole("button", { name: "Delete" }).click();
    await page.locator('.dataset-card[data-id="small-ct"]').waitFor({ state: "detached" });
    const after = await api("/api/datasets");
    assert.ok(!after.datasets.some((d) => d.id === "small-ct"));
  });

  await step("a server with a token: the page asks for it, a wrong one is refused", async () => {
    const guarded = await Server.start(args.viscera, args["ui-dir"], ["--token", "e2e-secret"]);
    try {
      const tab = await context.newPage();
      await tab.goto(guarded.base + "/");
      await tab.locator("#token").fill("not-the-token");
      await tab.getByRole("button", { name: "Continue" }).click();
      await tab.waitForFunction(() => /not valid/.test(document.body.textContent));
      await tab.locator("#token").fill("e2e-secret");
      await tab.getByRole("button", { name: "Continue" }).click();
      await tab.locator(".dataset-grid .empty").waitFor();
      // A link with ?token= signs in directly, and the token leaves the address bar.
      const other = await browser.newContext();
      const linked = await other.newPage();
      await linked.goto(guarded.base + "/?token=e2e-secret");
      await linked.locator(".dataset-grid .empty").waitFor();
      assert.ok(!linked.url().includes("e2e-secret"), `the token stays out of the address: ${linked.url()}`);
      await other.close();
      await tab.close();
    } finally {
      await guarded.stop();
    }
  });

  assert.deepEqual(consoleErrors, [], "no uncaught errors in the page");
} catch (e) {
  if (failures === 0) console.log(`FAIL ${e.stack ?? e}`);
  failures++;
} finally {
  await browser.close();
  if (failures) console.log("--- server log ---\n" + server.logText().split("\n").slice(-40).join("\n"));
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(failures ? "dashboard e2e: FAILED" : "dashboard e2e: all steps passed");
process.exit(failures ? 1 : 0);
