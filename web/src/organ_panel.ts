// The organ panel: one row per label of the mask with its name, colour, visibility, opacity,
// "show only" and its volume in millilitres (counted by the server over the mask).
import type { OrganSummary, Rgb } from "./api";
import { displayName, h, hexToRgb, rgbToHex } from "./dom";

export interface OrganStyle {
  label: number;
  visible: boolean;
  color: Rgb | null;
  opacity_scale: number;
}

export class OrganPanel {
  readonly element: HTMLElement;
  private readonly rows = new Map<
    number,
    { row: HTMLElement; visible: HTMLInputElement; color: HTMLInputElement; opacity: HTMLInputElement }
  >();
  private readonly filter: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly total: HTMLElement;

  // `change` gets the organ entries to patch: {"organs": [...]} in the settings' form.
  constructor(
    private readonly organs: OrganSummary[],
    private readonly change: (organs: Partial<OrganStyle>[]) => void,
  ) {
    this.filter = h("input", {
      type: "search",
      id: "organ-filter",
      placeholder: "Filter organs",
      autocomplete: "off",
    });
    this.filter.addEventListener("input", () => this.applyFilter());
    this.list = h("ul", { class: "organ-list", "aria-label": "Organs" });
    this.total = h("p", { class: "muted" });
    const showAll = h("button", { class: "small", onclick: () => this.setAll(true) }, "Show all");
    const hideAll = h("button", { class: "small", onclick: () => this.setAll(false) }, "Hide all");
    this.element = h(
      "div",
      { class: "organ-panel" },
      h(
        "div",
        { class: "row" },
        h("label", { for: "organ-filter", class: "visually-hidden" }, "Filter organs"),
        this.filter,
        showAll,
        hideAll,
      ),
      this.list,
      this.total,
    );
    for (const organ of organs) this.list.append(this.makeRow(organ));
    const ml = organs.reduce((sum, o) => sum + o.volume_ml, 0);
    this.total.textContent = organs.length
      ? `${organs.length} labelled structures, ${ml.toFixed(0)} mL in all`
      : "This dataset has no organ mask.";
  }

  private makeRow(organ: OrganSummary): HTMLElement {
    const name = displayName(organ.name, organ.label);
    const id = `organ-${organ.label}`;
    const visible = h("input", { type: "checkbox", id: `${id}-visible`, checked: true });
    visible.addEventListener("change", () => this.change([{ label: organ.label, visible: visible.checked }]));
    const color = h("input", {
      type: "color",
      class: "swatch",
      value: rgbToHex(organ.color),
      "aria-label": `${name} colour`,
    });
    color.addEventListener("input", () =>
      this.change([{ label: organ.label, color: hexToRgb(color.value) }]),
    );
    const opacity = h("input", {
      type: "range",
      min: 0,
      max: 1,
      step: 0.05,
      value: 1,
      "aria-label": `${name} opacity`,
    });
    opacity.addEventListener("input", () =>
      this.change([{ label: organ.label, opacity_scale: Number(opacity.value) }]),
    );
    const only = h("button", { class: "small", onclick: () => this.showOnly(organ.label) }, "Only");
    only.setAttribute("aria-label", `Show only ${name}`);
    const row = h(
      "li",
      { class: "organ-row", "data-label": organ.label, "data-name": organ.name.toLowerCase() },
      color,
      visible,
      h(
        "label",
        { for: `${id}-visible`, class: "organ-name", title: `${name} (label ${organ.label})` },
        name,
      ),
      h(
        "span",
        { class: "organ-volume", title: `${organ.voxels.toLocaleString()} voxels` },
        formatMl(organ.volume_ml),
      ),
      opacity,
      only,
    );
    this.rows.set(organ.label, { row, visible, color, opacity });
    return row;
  }

  // Shows the session's settings (after a load, a revert or a restore).
  update(styles: OrganStyle[]): void {
    const byLabel = new Map(styles.map((s) => [s.label, s]));
    for (const organ of this.organs) {
      const r = this.rows.get(organ.label);
      if (!r) continue;
      const style = byLabel.get(organ.label);
      r.visible.checked = style ? style.visible : true;
      r.row.classList.toggle("hidden-organ", !r.visible.checked);
      if (document.activeElement !== r.opacity) r.opacity.value = String(style ? style.opacity_scale : 1);
      if (document.activeElement !== r.color) r.color.value = rgbToHex(style?.color ?? organ.color);
    }
  }

  private setAll(visible: boolean): void {
    this.change(this.organs.map((o) => ({ label: o.label, visible })));
  }

  private showOnly(label: number): void {
    this.change(this.organs.map((o) => ({ label: o.label, visible: o.label === label })));
  }

  private applyFilter(): void {
    const text = this.filter.value.trim().toLowerCase().replace(/ /g, "_");
    for (const { row } of this.rows.values()) {
      row.hidden = text !== "" && !(row.dataset.name ?? "").includes(text);
    }
  }
}

function formatMl(ml: number): string {
  if (ml >= 100) return `${ml.toFixed(0)} mL`;
  if (ml >= 1) return `${ml.toFixed(1)} mL`;
  return `${ml.toFixed(2)} mL`;
}
