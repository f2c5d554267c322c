// A few DOM helpers: the dashboard is small enough that a framework would cost more than it saves.

type Attrs = Record<string, string | number | boolean | EventListener | undefined>;
type Child = Node | string | null | undefined | false;

// h("button", {class: "primary", onclick: save}, "Save")
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

// "#rrggbb" <-> [r, g, b] in 0..1, as the settings carry colours.
export function rgbToHex(rgb: number[]): string {
  return (
    "#" +
    rgb
      .slice(0, 3)
      .map((c) =>
        Math.round(Math.min(1, Math.max(0, c)) * 255)
          .toString(16)
          .padStart(2, "0"),
      )
      .join("")
  );
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// "liver", "kidney_left" -> "Liver", "Kidney left"
export function displayName(name: string, label: number): string {
  if (!name) return `Label ${label}`;
  const spaced = name.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

// Messages for the user: one polite live region for news, one alert region for errors.
export function notify(message: string, kind: "info" | "error" = "info"): void {
  const region = document.getElementById(kind === "error" ? "errors" : "status");
  if (!region) return;
  const item = h("div", { class: `toast ${kind}` }, message);
  if (kind === "error") {
    item.append(
      h("button", { class: "dismiss", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"),
    );
  } else {
    setTimeout(() => item.remove(), 4000);
  }
  region.append(item);
  while (region.children.length > 4) region.firstElementChild?.remove();
}
