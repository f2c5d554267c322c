// The transfer-function editor: the CT's histogram (log counts over Hounsfield units) with each
// component drawn as a range of opacity; drag a range to move it, its edges to resize it. The
// selected component's numbers, colour and profile are edited in the form beside it, so the
// editor works from the keyboard too. Every edit patches the whole component list.
import type { VolumeSummary } from "./api";
import { h, hexToRgb, rgbToHex } from "./dom";

export interface TfComponent {
  min_hu: number;
  max_hu: number;
  profile: string;
  transition_hu: number;
  opacity: number;
  diffuse_start: number[];
  diffuse_end: number[];
  [key: string]: unknown;
}

const presets: [string, string][] = [
  ["soft-tissue", "Soft tissue"],
  ["bone", "Bone"],
  ["lung", "Lung"],
  ["angio", "Angio"],
];

export class TransferFunctionEditor {
  readonly element: HTMLElement;
  private components: TfComponent[] = [];
  private selected = 0;
  private readonly canvas: HTMLCanvasElement;
  private readonly form: HTMLElement;
  private readonly lo: number;
  private readonly hi: number;
  private drag: { index: number; part: "min" | "max" | "body"; startHu: number; start: TfComponent } | null =
    null;
  private scheduled = false;

  constructor(
    private readonly summary: VolumeSummary,
    private readonly change: (patch: Record<string, unknown>) => void,
  ) {
    // The editor spans the CT's range, widened a little so edges can be grabbed.
    this.lo = Math.max(-1200, summary.hu_range[0]);
    this.hi = Math.min(3500, Math.max(summary.hu_range[1], this.lo + 100));
    this.canvas = h("canvas", {
      class: "tf-canvas",
      width: 640,
      height: 160,
      role: "img",
      "aria-label":
        "CT histogram with the transfer function's components; drag a range to move it, its edges to resize",
    });
    this.canvas.addEventListener("pointerdown", (e) => this.onDown(e));
    this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
    this.canvas.addEventListener("pointerup", () => (this.drag = null));
    this.canvas.addEventListener("pointercancel", () => (this.drag = null));
    const preset = h(
      "select",
      { id: "tf-preset" },
      h("option", { value: "" }, "Apply a preset…"),
      ...presets.map(([value, text]) => h("option", { value }, text)),
    );
    preset.addEventListener("change", () => {
      if (preset.value) this.change({ preset: preset.value });
      preset.value = "";
    });
    const add = h("button", { class: "small", onclick: () => this.addComponent() }, "Add range");
    this.form = h("div", { class: "tf-form" });
    this.element = h(
      "div",
      { class: "tf-editor" },
      this.canvas,
      h("div", { class: "row" }, h("label", { for: "tf-preset" }, "Preset"), preset, add),
      this.form,
    );
  }

  update(components: TfComponent[]): void {
    if (this.drag) return; // the user's drag wins until it ends
    this.components = components.map((c) => ({ ...c }));
    this.selected = Math.min(this.selected, Math.max(0, this.components.length - 1));
    this.draw();
    // Rebuild the form unless the user is typing in it.
    if (!this.form.contains(document.activeElement)) this.buildForm();
  }

  private x(hu: number): number {
    return ((hu - this.lo) / (this.hi - this.lo)) * this.canvas.width;
  }

  private hu(clientX: number): number {
    const rect = this.canvas.getBoundingClientRect();
    return this.lo + ((clientX - rect.left) / Math.max(1, rect.width)) * (this.hi - this.lo);
  }

  private draw(): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const { width, height } = this.canvas;
    ctx.fillStyle = "#111418";
    ctx.fillRect(0, 0, width, height);
    // Histogram, log scale: soft tissue would vanish beside air and fat on a linear one.
    const { first_hu, bin_width_hu, counts } = this.summary.histogram;
    const peak = Math.log1p(Math.max(1, ...counts));
    ctx.fillStyle = "#4a5563";
    counts.forEach((count, i) => {
      const x0 = this.x(first_hu + i * bin_width_hu);
      const x1 = this.x(first_hu + (i + 1) * bin_width_hu);
      const bar = (Math.log1p(count) / peak) * (height - 14);
      ctx.fillRect(x0, height - bar, Math.max(1, x1 - x0 - 0.5), bar);
    });
    // HU ticks.
    ctx.fillStyle = "#9aa4b2";
    ctx.font = "10px system-ui, sans-serif";
    for (let hu = Math.ceil(this.lo / 500) * 500; hu <= this.hi; hu += 500) {
      ctx.fillRect(this.x(hu), 0, 1, 4);
      ctx.fillText(String(hu), this.x(hu) + 2, 11);
    }
    // Components: a trapezoid whose height is the opacity.
    this.components.forEach((c, i) => {
      const x0 = this.x(c.min_hu);
      const x1 = this.x(c.max_hu);
      const ramp = Math.min((x1 - x0) / 2, (c.transition_hu / (this.hi - this.lo)) * width);
      const top = height - c.opacity * (height - 16);
      ctx.beginPath();
      ctx.moveTo(x0, height);
      ctx.lineTo(x0 + ramp, top);
      ctx.lineTo(x1 - ramp, top);
      ctx.lineTo(x1, height);
      ctx.closePath();
      ctx.fillStyle = rgbToHex(c.diffuse_start) + "88";
      ctx.fill();
      ctx.lineWidth = i === this.selected ? 2 : 1;
      ctx.strokeStyle = i === this.selected ? "#ffffff" : rgbToHex(c.diffuse_start);
      ctx.stroke();
    });
  }

  private hit(clientX: number): { index: number; part: "min" | "max" | "body" } | null {
    const rect = this.canvas.getBoundingClientRect();
    const px = ((clientX - rect.left) / Math.max(1, rect.width)) * this.canvas.width;
    const grab = 6 * (this.canvas.width / Math.max(1, rect.width));
    // Later components are drawn on top: test them first.
    for (let i = this.components.length - 1; i >= 0; i--) {
      const c = this.components[i];
      const x0 = this.x(c.min_hu);
      const x1 = this.x(c.max_hu);
      if (Math.abs(px - x0) <= grab) return { index: i, part: "min" };
      if (Math.abs(px - x1) <= grab) return { index: i, part: "max" };
      if (px > x0 && px < x1) return { index: i, part: "body" };
    }
    return null;
  }

  private onDown(e: PointerEvent): void {
    const hit = this.hit(e.clientX);
    if (!hit) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.selected = hit.index;
    this.drag = { ...hit, startHu: this.hu(e.clientX), start: { ...this.components[hit.index] } };
    this.draw();
    this.buildForm();
  }

  private onMove(e: PointerEvent): void {
    if (!this.drag) {
      const hit = this.hit(e.clientX);
      this.canvas.style.cursor = hit ? (hit.part === "body" ? "grab" : "ew-resize") : "default";
      return;
    }
    const delta = Math.round(this.hu(e.clientX) - this.drag.startHu);
    const c = this.components[this.drag.index];
    const s = this.drag.start;
    if (this.drag.part === "body") {
      c.min_hu = s.min_hu + delta;
      c.max_hu = s.max_hu + delta;
    } else if (this.drag.part === "min") {
      c.min_hu = Math.min(s.min_hu + delta, c.max_hu);
    } else {
      c.max_hu = Math.max(s.max_hu + delta, c.min_hu);
    }
    this.draw();
    this.schedulePatch();
  }

  private schedulePatch(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.sendComponents();
      if (!this.form.contains(document.activeElement)) this.buildForm();
    });
  }

  private sendComponents(): void {
    this.change({ transfer_function: { components: this.components } });
  }

  private addComponent(): void {
    this.components.push({
      min_hu: 200,
      max_hu: 600,
      profile: "trapezoid",
      transition_hu: 50,
      opacity: 0.5,
      diffuse_start: [0.9, 0.85, 0.75],
      diffuse_end: [0.9, 0.85, 0.75],
    });
    this.selected = this.components.length - 1;
    this.sendComponents();
  }

  private buildForm(): void {
    const c = this.components[this.selected];
    if (!c) {
      this.form.replaceChildren(
        h("p", { class: "muted" }, "No components: the CT is not drawn, only organs."),
      );
      return;
    }
    const field = (label: string, input: HTMLInputElement | HTMLSelectElement) => {
      input.id = `tf-${label.toLowerCase().replace(/\W+/g, "-")}`;
      return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
    };
    const number = (key: "min_hu" | "max_hu" | "transition_hu", min: number, max: number) => {
      const input = h("input", { type: "number", min, max, step: 10, value: Math.round(c[key]) });
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (!Number.isFinite(v)) return;
        c[key] = v;
        if (c.min_hu > c.max_hu) [c.min_hu, c.max_hu] = [c.max_hu, c.min_hu];
        this.draw();
        this.sendComponents();
      });
      return input;
    };
    const opacity = h("input", { type: "range", min: 0, max: 1, step: 0.01, value: c.opacity });
    opacity.addEventListener("input", () => {
      c.opacity = Number(opacity.value);
      this.draw();
      this.schedulePatch();
    });
    const color = h("input", { type: "color", value: rgbToHex(c.diffuse_start) });
    color.addEventListener("input", () => {
      c.diffuse_start = hexToRgb(color.value);
      c.diffuse_end = hexToRgb(color.value);
      this.draw();
      this.schedulePatch();
    });
    const profile = h(
      "select",
      {},
      ...["square", "triangle", "sine", "trapezoid"].map((p) =>
        h("option", { value: p, selected: p === c.profile }, p),
      ),
    );
    profile.addEventListener("change", () => {
      c.profile = profile.value;
      this.draw();
      this.sendComponents();
    });
    const chooser = h(
      "select",
      {},
      ...this.components.map((comp, i) =>
        h(
          "option",
          { value: i, selected: i === this.selected },
          `${i + 1}: ${Math.round(comp.min_hu)}…${Math.round(comp.max_hu)} HU`,
        ),
      ),
    );
    chooser.addEventListener("change", () => {
      this.selected = Number(chooser.value);
      this.draw();
      this.buildForm();
    });
    const remove = h(
      "button",
      {
        class: "small danger",
        onclick: () => {
          this.components.splice(this.selected, 1);
          this.selected = Math.max(0, this.selected - 1);
          this.sendComponents();
        },
      },
      "Remove range",
    );
    this.form.replaceChildren(
      field("Range", chooser),
      field("From HU", number("min_hu", -100000, 100000)),
      field("To HU", number("max_hu", -100000, 100000)),
      field("Edge HU", number("transition_hu", 0, 100000)),
      field("Opacity", opacity),
      field("Colour", color),
      field("Profile", profile),
      remove,
    );
  }
}
