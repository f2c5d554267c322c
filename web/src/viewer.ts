// The viewer: the live 3D view (and slice views) of one dataset with the panels that edit its
// settings. Every edit goes to the server as a settings patch, is validated there, and comes back
// in the session's state; the page shows that state, so it never disagrees with what is rendered.
// Save follows Clara's "update" semantics: enabled only while the view differs from the saved.
import { api, ApiError, type DatasetRecord, type VolumeSummary } from "./api";
import { CommandPanel } from "./command_panel";
import { h, notify } from "./dom";
import { OrganPanel } from "./organ_panel";
import { RenderStream, type SessionState } from "./render_stream";
import { LightsPanel, VersionsPanel, WindowPanel } from "./side_panels";
import { SliceViews } from "./slice_views";
import { TransferFunctionEditor } from "./tf_editor";
import { renderTokenPrompt } from "./token_prompt";
import { attachCameraControls } from "./view_controls";

const views = ["anterior", "posterior", "left", "right", "superior", "inferior"] as const;
const maxFramePixels = 960;

function section(title: string, body: HTMLElement, open = true): HTMLElement {
  return h("details", { class: "panel", open }, h("summary", {}, h("h2", {}, title)), body);
}

export function renderViewer(root: HTMLElement, id: string): () => void {
  root.replaceChildren(h("p", { class: "loading", role: "status" }, `Loading ${id}…`));
  let cleanup: (() => void) | null = null;
  let stopped = false;
  Promise.all([api.getDataset(id), api.summary(id)])
    .then(([record, summary]) => {
      if (!stopped) cleanup = buildViewer(root, record, summary);
    })
    .catch((e) => {
      if (stopped) return;
      if (e instanceof ApiError && e.status === 401) {
        renderTokenPrompt(root, e.message);
        return;
      }
      root.replaceChildren(
        h("h1", {}, `Cannot open ${id}`),
        h("p", { role: "alert" }, (e as Error).message),
        h("a", { href: "#/" }, "Back to the datasets"),
      );
    });
  return () => {
    stopped = true;
    cleanup?.();
  };
}

function buildViewer(root: HTMLElement, record: DatasetRecord, summary: VolumeSummary): () => void {
  const canvas = h("canvas", {
    id: "view3d",
    tabindex: 0,
    "aria-label":
      "3D view. Drag to orbit, right- or shift-drag to pan, wheel to zoom; arrow keys orbit, shift+arrows pan, + and - zoom",
  });
  const frameInfo = h("span", { class: "frame-info", "aria-hidden": "true" });
  const saveButton = h(
    "button",
    { id: "save", class: "primary", disabled: true, title: "Save these settings as a new version (Ctrl+S)" },
    "Save",
  );
  const revertButton = h(
    "button",
    { id: "revert", disabled: true, title: "Back to the saved settings" },
    "Revert",
  );
  const saveStatus = h("span", { id: "save-status", class: "muted", "aria-live": "polite" });
  let seenState = false; // the first state also starts the slices and the versions list
  // Input-to-screen latencies of recent frames: shown, and read by bench/dashboard_latency.mjs.
  let lastLatency: number | undefined;
  const frameLog: { at: number; latency_ms: number; render_ms: number; quality: string }[] = [];
  (window as unknown as { visceraFrameLog: typeof frameLog }).visceraFrameLog = frameLog;
  let cameraDistance = 500;
  let fov = 30;

  const slices = new SliceViews(record.id, summary);
  const stream = new RenderStream(record.id, canvas, {
    onState: (s) => showState(s),
    onFrame: (f, latency) => {
      if (latency !== undefined) {
        lastLatency = latency;
        frameLog.push({
          at: performance.now(),
          latency_ms: latency,
          render_ms: f.render_ms,
          quality: f.quality,
        });
        if (frameLog.length > 2000) frameLog.splice(0, 1000);
      }
      const input = lastLatency === undefined ? "" : ` · input→screen ${lastLatency.toFixed(0)} ms`;
      frameInfo.textContent = `${f.quality} · render ${f.render_ms.toFixed(0)} ms${input} · ${f.width}×${f.height}`;
    },
    onSaved: (version) => {
      notify(`Saved as version ${version}`);
      void versions.refresh(version);
    },
    onError: (message) => {
      if (restoring !== null) notify(`Version ${restoring} was not restored`, "error");
      restoring = null;
      notify(message, "error");
    },
    onClose: (reason) => {
      commands.close();
      notify(`The render session ended: ${reason}. Reload the page to reconnect.`, "error");
    },
    onMessage: (message) => {
      // The slices follow what a command changed: its state comes just before its reply.
      if (message.type === "reply" && message.applied === true && stream.state) {
        const settings = stream.state.settings;
        slices.patch({
          organs: settings.organs,
          slice: { window_center: settings.slice.window_center, window_width: settings.slice.window_width },
        });
      }
      commands.receive(message);
    },
  });
  // Typed and spoken commands; "next dataset" opens another viewer (the reply stays on screen).
  const commands = new CommandPanel(stream, (dataset, replyText) => {
    notify(replyText);
    location.hash = `#/dataset/${encodeURIComponent(dataset)}`;
  });

  const change = (patch: Record<string, unknown>) => {
    stream.patch(patch);
    slices.patch(patch);
  };
  const organs = new OrganPanel(summary.organs, (entries) => change({ organs: entries }));
  const tf = new TransferFunctionEditor(summary, change);
  const windowPanel = new WindowPanel((w) => change({ slice: w }));
  const lights = new LightsPanel(change);
  // A restore saves only once the server has accepted the old settings (its next message is the
  // state, or an error that cancels the restore).
  let restoring: number | null = null;
  const versions = new VersionsPanel(record.id, (version, settings) => {
    restoring = version;
    change(settings);
  });

  function showState(s: SessionState): void {
    if (restoring !== null) {
      stream.send({ type: "save", note: `restored version ${restoring}` });
      restoring = null;
    }
    const first = !seenState;
    seenState = true;
    if (first) commands.enable();
    const settings = s.settings;
    const cam = settings.camera;
    cameraDistance = Math.hypot(
      cam.eye[0] - cam.look_at[0],
      cam.eye[1] - cam.look_at[1],
      cam.eye[2] - cam.look_at[2],
    );
    fov = cam.field_of_view_deg;
    organs.update(settings.organs ?? []);
    tf.update(settings.transfer_function?.components ?? []);
    windowPanel.update(settings.slice);
    lights.update(settings);
    saveButton.disabled = !s.modified;
    revertButton.disabled = !s.modified;
    saveButton.textContent = "Save";
    saveStatus.textContent = s.modified
      ? "Unsaved changes"
      : s.saved_version > 0
        ? `Saved · version ${s.saved_version}`
        : "Default settings";
    if (first) {
      // The slices start from the saved organ styles and window.
      slices.patch({
        organs: settings.organs,
        slice: { window_center: settings.slice.window_center, window_width: settings.slice.window_width },
      });
      void versions.refresh(s.saved_version);
    }
  }

  const save = () => {
    if (saveButton.disabled) return;
    saveButton.disabled = true;
    saveButton.textContent = "Saving…";
    stream.send({ type: "save" });
  };
  saveButton.addEventListener("click", save);
  revertButton.addEventListener("click", () => stream.send({ type: "reset" }));

  // Camera moves do not return the state: ask for it once the camera is there.
  const moveTo = (view: string) => {
    stream.send({ type: "view", view });
    window.setTimeout(() => stream.send({ type: "state" }), 250);
  };
  const viewButtons = views.map((v) =>
    h(
      "button",
      { class: "small", onclick: () => moveTo(v), title: `${v} view (${views.indexOf(v) + 1})` },
      v[0].toUpperCase() + v.slice(1),
    ),
  );
  const resetView = h(
    "button",
    { class: "small", onclick: () => moveTo("anterior"), title: "Reset the camera (0)" },
    "Reset view",
  );
  const layout = h(
    "select",
    { id: "layout" },
    h("option", { value: "3d" }, "3D"),
    h("option", { value: "both" }, "3D + slices"),
    h("option", { value: "slices" }, "Slices"),
  );
  const viewsBox = h(
    "section",
    { class: "views", "data-layout": "3d", "aria-label": "Views" },
    h("figure", { class: "main-view" }, canvas, frameInfo),
    slices.element,
  );
  layout.addEventListener("change", () => {
    viewsBox.dataset.layout = layout.value;
    if (layout.value === "3d") slices.close();
    else requestAnimationFrame(() => slices.open(sliceSize()));
  });

  const header = h(
    "header",
    { class: "viewer-head" },
    h("a", { href: "#/", class: "back" }, "← Datasets"),
    h("h1", {}, record.name || record.id),
    h(
      "span",
      { class: "muted" },
      `${record.modality || "CT"} · ${record.dimensions.join(" × ")} · ${record.spacing_mm.map((s) => s.toFixed(2)).join(" × ")} mm`,
    ),
    h("span", { class: "spacer" }),
    saveStatus,
    revertButton,
    saveButton,
  );
  const toolbar = h(
    "div",
    { class: "toolbar", role: "toolbar", "aria-label": "Camera" },
    ...viewButtons,
    resetView,
    h("label", { for: "layout" }, "Layout"),
    layout,
  );
  const aside = h(
    "aside",
    { class: "side", "aria-label": "Settings" },
    commands.element,
    section("Organs", organs.element),
    section("Transfer function", tf.element),
    section("Slices", windowPanel.element, false),
    section("Lights and quality", lights.element, false),
    section("Saved versions", versions.element),
  );
  root.replaceChildren(
    header,
    h("div", { class: "viewer" }, h("main", { class: "stage" }, toolbar, viewsBox), aside),
  );

  const frameSize = () => {
    const rect = canvas.getBoundingClientRect();
    const scale = Math.min(window.devicePixelRatio || 1, 1.5);
    let w = Math.max(64, Math.round(rect.width * scale));
    let hgt = Math.max(64, Math.round(rect.height * scale));
    const shrink = Math.min(1, maxFramePixels / Math.max(w, hgt));
    w = Math.round(w * shrink);
    hgt = Math.round(hgt * shrink);
    return { w, h: hgt };
  };
  const sliceSize = () => {
    const first = slices.element.querySelector("canvas");
    const rect = first?.getBoundingClientRect();
    return Math.max(64, Math.min(768, Math.round(Math.min(rect?.width || 256, rect?.height || 256))));
  };
  const initial = frameSize();
  stream.open(initial.w, initial.h);

  let resizeTimer = 0;
  const observer = new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      const size = frameSize();
      if (stream.state && (size.w !== stream.state.width || size.h !== stream.state.height)) {
        stream.send({ type: "resize", width: size.w, height: size.h });
      }
      if (viewsBox.dataset.layout !== "3d") slices.resize(sliceSize());
    }, 150);
  });
  observer.observe(canvas);

  const detachControls = attachCameraControls(canvas, () => stream, {
    mmPerPixel: () => (2 * cameraDistance * Math.tan((fov * Math.PI) / 360)) / Math.max(1, canvas.height),
    onZoom: (factor) => (cameraDistance /= factor),
    onGestureEnd: () => stream.send({ type: "state" }),
  });

  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if ((e.ctrlKey || e.metaKey) && e.key === "s") {
      e.preventDefault();
      save();
      return;
    }
    if (target.closest("input, select, textarea, [contenteditable]") || e.ctrlKey || e.metaKey || e.altKey)
      return;
    if (e.key >= "1" && e.key <= "6") {
      moveTo(views[Number(e.key) - 1]);
    } else if (e.key === "0" || e.key === "Home") {
      moveTo("anterior");
    } else {
      return;
    }
    e.preventDefault();
  };
  document.addEventListener("keydown", onKey);

  return () => {
    document.removeEventListener("keydown", onKey);
    observer.disconnect();
    detachControls();
    commands.close();
    stream.close();
    slices.close();
  };
}
