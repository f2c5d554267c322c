// The smaller panels of the viewer: lights and quality, window/level and saved versions.
import { api, type SettingsVersion } from "./api";
import { h, hexToRgb, notify, rgbToHex } from "./dom";

export interface LightSettings {
  enable: boolean;
  direction: number[];
  color: number[];
  intensity: number;
}

export class LightsPanel {
  readonly element: HTMLElement;
  private readonly lightsBox: HTMLElement;
  private readonly ambient: HTMLInputElement;
  private readonly quality: HTMLSelectElement;
  private lights: LightSettings[] = [];

  constructor(private readonly change: (patch: Record<string, unknown>) => void) {
    this.quality = h(
      "select",
      { id: "quality" },
      h("option", { value: "draft" }, "Draft (fastest)"),
      h("option", { value: "full" }, "Full"),
      h("option", { value: "cinematic" }, "Cinematic (shadows, slower)"),
    );
    this.quality.addEventListener("change", () => this.change({ quality: this.quality.value }));
    this.ambient = h("input", { type: "range", id: "ambient", min: 0, max: 1, step: 0.05 });
    this.ambient.addEventListener("input", () => this.change({ ambient: Number(this.ambient.value) }));
    this.lightsBox = h("div", { class: "lights" });
    this.element = h(
      "div",
      {},
      h("div", { class: "field" }, h("label", { for: "quality" }, "Rendering quality"), this.quality),
      h("div", { class: "field" }, h("label", { for: "ambient" }, "Ambient light"), this.ambient),
      this.lightsBox,
    );
  }

  update(settings: any): void {
    if (document.activeElement !== this.quality) this.quality.value = settings.quality;
    if (document.activeElement !== this.ambient) this.ambient.value = String(settings.ambient);
    const lights: LightSettings[] = settings.lights ?? [];
    if (this.lightsBox.contains(document.activeElement) && lights.length === this.lights.length) {
      this.lights = lights;
      return;
    }
    this.lights = lights;
    this.lightsBox.replaceChildren(
      ...lights.map((light, i) => {
        const name = `Light ${i + 1}`;
        const enable = h("input", { type: "checkbox", id: `light-${i}-on`, checked: light.enable });
        enable.addEventListener("change", () => this.edit(i, { enable: enable.checked }));
        const intensity = h("input", {
          type: "range",
          min: 0,
          max: 5,
          step: 0.1,
          value: light.intensity,
          "aria-label": `${name} intensity`,
        });
        intensity.addEventListener("input", () => this.edit(i, { intensity: Number(intensity.value) }));
        const color = h("input", {
          type: "color",
          class: "swatch",
          value: rgbToHex(light.color),
          "aria-label": `${name} colour`,
        });
        color.addEventListener("input", () => this.edit(i, { color: hexToRgb(color.value) }));
        return h(
          "div",
          { class: "row" },
          enable,
          h("label", { for: `light-${i}-on` }, name),
          color,
          intensity,
        );
      }),
    );
  }

  private edit(index: number, change: Partial<LightSettings>): void {
    this.lights = this.lights.map((l, i) => (i === index ? { ...l, ...change } : l));
    this.change({ lights: this.lights });
  }
}

// Window/level for the slice views, with the usual CT windows.
export class WindowPanel {
  readonly element: HTMLElement;
  private readonly center: HTMLInputElement;
  private readonly width: HTMLInputElement;

  constructor(private readonly change: (slice: { window_center: number; window_width: number }) => void) {
    this.center = h("input", { type: "number", id: "window-center", step: 10, min: -100000, max: 100000 });
    this.width = h("input", { type: "number", id: "window-width", step: 10, min: 1, max: 100000 });
    const send = () => {
      const c = Number(this.center.value);
      const w = Number(this.width.value);
      if (Number.isFinite(c) && Number.isFinite(w) && w > 0)
        this.change({ window_center: c, window_width: w });
    };
    this.center.addEventListener("change", send);
    this.width.addEventListener("change", send);
    const windows: [string, number, number][] = [
      ["Abdomen", 40, 400],
      ["Liver", 60, 160],
      ["Lung", -600, 1500],
      ["Bone", 400, 1800],
      ["Mediastinum", 50, 350],
    ];
    this.element = h(
      "div",
      {},
      h(
        "div",
        { class: "row" },
        h("div", { class: "field" }, h("label", { for: "window-center" }, "Level (HU)"), this.center),
        h("div", { class: "field" }, h("label", { for: "window-width" }, "Window (HU)"), this.width),
      ),
      h(
        "div",
        { class: "row wrap", role: "group", "aria-label": "Window presets" },
        ...windows.map(([name, c, w]) =>
          h(
            "button",
            { class: "small", onclick: () => this.change({ window_center: c, window_width: w }) },
            name,
          ),
        ),
      ),
    );
  }

  update(slice: { window_center: number; window_width: number }): void {
    if (document.activeElement !== this.center) this.center.value = String(Math.round(slice.window_center));
    if (document.activeElement !== this.width) this.width.value = String(Math.round(slice.window_width));
  }
}

// The dataset's saved settings versions, newest first; restoring one applies it to the view and
// saves it as a new version (history is never rewritten).
export class VersionsPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;

  constructor(
    private readonly dataset: string,
    private readonly restore: (version: number, settings: Record<string, unknown>) => void,
  ) {
    this.list = h("ol", { class: "versions", "aria-label": "Saved versions" });
    this.element = h("div", {}, this.list);
  }

  async refresh(current: number): Promise<void> {
    let versions: SettingsVersion[];
    try {
      versions = await api.versions(this.dataset);
    } catch (e) {
      notify(`Could not list saved versions: ${(e as Error).message}`, "error");
      return;
    }
    if (versions.length === 0) {
      this.list.replaceChildren(
        h("li", { class: "muted" }, "Never saved: the view starts from the dataset's defaults."),
      );
      return;
    }
    this.list.replaceChildren(
      ...[...versions].reverse().map((v) => {
        const when = new Date(v.created);
        const label = `Version ${v.version}`;
        const button = h(
          "button",
          { class: "small", onclick: () => this.load(v.version) },
          v.version === current ? "Current" : "Restore",
        );
        button.disabled = v.version === current;
        button.setAttribute("aria-label", `Restore version ${v.version}`);
        return h(
          "li",
          { "data-version": v.version },
          h("span", { class: "version-name" }, label),
          h("span", { class: "muted" }, isNaN(when.getTime()) ? v.created : when.toLocaleString()),
          v.note ? h("span", { class: "version-note" }, v.note) : null,
          button,
        );
      }),
    );
  }

  private async load(version: number): Promise<void> {
    try {
      const v = await api.version(this.dataset, version);
      this.restore(version, v.settings);
    } catch (e) {
      notify(`Could not load version ${version}: ${(e as Error).message}`, "error");
    }
  }
}
