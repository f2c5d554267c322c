// Axial, coronal and sagittal slices with the organ overlay: each is its own render session on
// the same dataset (the server shares the volume), in slice-segmentation mode. The wheel,
// PageUp/PageDown and the arrow keys step through slices one voxel spacing at a time.
import type { VolumeSummary } from "./api";
import { h, notify } from "./dom";
import { RenderStream } from "./render_stream";

type Orientation = "axial" | "coronal" | "sagittal";
// LPS axis each orientation steps along: axial z (superior), coronal y (posterior), sagittal x (left).
const axisOf: Record<Orientation, number> = { axial: 2, coronal: 1, sagittal: 0 };

interface SliceView {
  orientation: Orientation;
  canvas: HTMLCanvasElement;
  caption: HTMLElement;
  stream: RenderStream | null;
  position: number; // mm along the axis
}

export class SliceViews {
  readonly element: HTMLElement;
  private readonly views: SliceView[];
  private shared: Record<string, unknown> = {};

  constructor(
    private readonly dataset: string,
    private readonly summary: VolumeSummary,
  ) {
    this.views = (["axial", "coronal", "sagittal"] as Orientation[]).map((orientation) => {
      const title = orientation[0].toUpperCase() + orientation.slice(1);
      const canvas = h("canvas", {
        class: "slice-canvas",
        tabindex: 0,
        "data-orientation": orientation,
        "aria-label": `${title} slice; wheel, Page Up/Down or arrow keys move through slices`,
      });
      const caption = h("figcaption", {}, title);
      return { orientation, canvas, caption, stream: null, position: summary.center_mm[axisOf[orientation]] };
    });
    this.element = h(
      "div",
      { class: "slice-views" },
      ...this.views.map((v) => h("figure", { class: "slice-view" }, v.canvas, v.caption)),
    );
    for (const view of this.views) this.attach(view);
  }

  open(size: number): void {
    for (const view of this.views) {
      if (view.stream) continue;
      view.stream = new RenderStream(this.dataset, view.canvas, {
        onError: (m) => notify(`${view.orientation} slice: ${m}`, "error"),
      });
      view.stream.open(size, size);
      const window = (this.shared.slice ?? {}) as Record<string, number>;
      view.stream.patch({
        ...this.shared,
        mode: "slice-segmentation",
        slice: { ...window, ...this.sliceSettings(view) },
      });
    }
  }

  close(): void {
    for (const view of this.views) {
      view.stream?.close();
      view.stream = null;
    }
  }

  // Settings the slices follow from the 3D view: organ styles and the window.
  patch(patch: Record<string, unknown>): void {
    const follow: Record<string, unknown> = {};
    if (patch.organs) follow.organs = patch.organs;
    // Only the window: each view keeps its own orientation and position.
    const slice = patch.slice as { window_center?: number; window_width?: number } | undefined;
    if (slice && (slice.window_center !== undefined || slice.window_width !== undefined)) {
      const window: Record<string, number> = {};
      if (slice.window_center !== undefined) window.window_center = slice.window_center;
      if (slice.window_width !== undefined) window.window_width = slice.window_width;
      follow.slice = window;
    }
    if (Object.keys(follow).length === 0) return;
    this.shared = { ...this.shared, ...follow };
    for (const view of this.views) view.stream?.patch(follow);
  }

  resize(size: number): void {
    for (const view of this.views) view.stream?.send({ type: "resize", width: size, height: size });
  }

  private sliceSettings(view: SliceView): Record<string, unknown> {
    const center = [...this.summary.center_mm];
    center[axisOf[view.orientation]] = view.position;
    return { orientation: view.orientation, center, center_set: true };
  }

  private step(view: SliceView, slices: number): void {
    const axis = axisOf[view.orientation];
    const spacing = Math.max(0.1, this.summary.spacing_mm[axis]);
    const { min, max } = this.summary.bounds_mm;
    view.position = Math.min(max[axis], Math.max(min[axis], view.position + slices * spacing));
    view.caption.textContent = `${view.orientation[0].toUpperCase()}${view.orientation.slice(1)} · ${"LPS"[axis]} ${view.position.toFixed(1)} mm`;
    view.stream?.patch({ slice: this.sliceSettings(view) });
  }

  private attach(view: SliceView): void {
    view.canvas.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        this.step(view, e.deltaY > 0 ? -1 : 1);
      },
      { passive: false },
    );
    view.canvas.addEventListener("keydown", (e) => {
      const steps: Record<string, number> = {
        PageUp: 10,
        PageDown: -10,
        ArrowUp: 1,
        ArrowDown: -1,
        ArrowRight: 1,
        ArrowLeft: -1,
      };
      if (e.key in steps) {
        e.preventDefault();
        this.step(view, steps[e.key]);
      }
    });
  }
}
