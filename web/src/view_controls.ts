// Mouse, touch and keyboard on the 3D view, turned into the session's camera moves. Pointer
// moves are summed and sent once per animation frame, so a fast drag costs one message per
// displayed frame, not one per mouse event.
import type { RenderStream } from "./render_stream";

const degreesPerPixel = 0.4;

export interface CameraControlsOptions {
  // Millimetres one pixel spans at the target (for panning): from the camera's distance and
  // field of view.
  mmPerPixel: () => number;
  onZoom: (factor: number) => void;
  // Called when a gesture ends (the server then reports whether the view differs from the saved).
  onGestureEnd: () => void;
}

export function attachCameraControls(
  canvas: HTMLCanvasElement,
  stream: () => RenderStream | null,
  options: CameraControlsOptions,
): () => void {
  const pointers = new Map<number, { x: number; y: number }>();
  let mode: "orbit" | "pan" | null = null;
  let orbit = { x: 0, y: 0 };
  let pan = { x: 0, y: 0 };
  let zoom = 1;
  let scheduled = false;
  let pinchDistance = 0;
  let gestureTimer = 0;

  const flush = () => {
    scheduled = false;
    const s = stream();
    if (!s) return;
    if (orbit.x !== 0 || orbit.y !== 0) {
      s.send({ type: "orbit", yaw_deg: orbit.x * degreesPerPixel, pitch_deg: -orbit.y * degreesPerPixel });
    }
    if (pan.x !== 0 || pan.y !== 0) {
      // Scale from CSS pixels to the frame's pixels, then to millimetres.
      const scale = (canvas.width / Math.max(1, canvas.clientWidth)) * options.mmPerPixel();
      s.send({ type: "pan", dx_mm: -pan.x * scale, dy_mm: pan.y * scale });
    }
    if (zoom !== 1) {
      const factor = Math.min(20, Math.max(0.05, zoom));
      s.send({ type: "zoom", factor });
      options.onZoom(factor);
    }
    orbit = { x: 0, y: 0 };
    pan = { x: 0, y: 0 };
    zoom = 1;
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  };
  const gestureEnded = () => {
    clearTimeout(gestureTimer);
    gestureTimer = window.setTimeout(options.onGestureEnd, 250);
  };

  const onDown = (e: PointerEvent) => {
    canvas.focus();
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinchDistance = Math.hypot(a.x - b.x, a.y - b.y);
      mode = "pan";
    } else {
      mode = e.button === 1 || e.button === 2 || e.shiftKey ? "pan" : "orbit";
    }
    e.preventDefault();
  };
  const onMove = (e: PointerEvent) => {
    const last = pointers.get(e.pointerId);
    if (!last || !mode) return;
    const dx = e.clientX - last.x;
    const dy = e.clientY - last.y;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) {
      // Two fingers: the spread zooms, the common motion pans (each finger moves half of it).
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinchDistance > 0) zoom *= distance / pinchDistance;
      pinchDistance = distance;
      pan.x += dx / 2;
      pan.y += dy / 2;
    } else if (mode === "orbit") {
      orbit.x += dx;
      orbit.y += dy;
    } else {
      pan.x += dx;
      pan.y += dy;
    }
    schedule();
  };
  const onUp = (e: PointerEvent) => {
    if (!pointers.delete(e.pointerId)) return;
    if (pointers.size === 0) {
      mode = null;
      gestureEnded();
    }
    pinchDistance = 0;
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    // Lines (Firefox) and pixels (Chromium) both map to a gentle exponential zoom.
    const pixels = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoom *= Math.exp(-pixels * 0.0015);
    schedule();
    gestureEnded();
  };
  const onKey = (e: KeyboardEvent) => {
    const s = stream();
    if (!s || e.altKey || e.ctrlKey || e.metaKey) return;
    // Arrows orbit by 10 degrees, with shift they pan by 20 px; +/- zoom by 1.25.
    const arrows: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const zooms: Record<string, number> = { "+": 1.25, "=": 1.25, "-": 0.8, _: 0.8 };
    let handled = true;
    if (e.key in arrows) {
      const [x, y] = arrows[e.key];
      if (e.shiftKey) {
        pan.x += x * 20;
        pan.y += y * 20;
      } else {
        orbit.x += (x * 10) / degreesPerPixel;
        orbit.y += (y * 10) / degreesPerPixel;
      }
    } else if (e.key in zooms) {
      zoom *= zooms[e.key];
    } else {
      handled = false;
    }
    if (handled) {
      e.preventDefault();
      schedule();
      gestureEnded();
    }
  };
  const noMenu = (e: Event) => e.preventDefault();

  canvas.addEventListener("pointerdown", onDown);
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerup", onUp);
  canvas.addEventListener("pointercancel", onUp);
  canvas.addEventListener("wheel", onWheel, { passive: false });
  canvas.addEventListener("keydown", onKey);
  canvas.addEventListener("contextmenu", noMenu);
  return () => {
    canvas.removeEventListener("pointerdown", onDown);
    canvas.removeEventListener("pointermove", onMove);
    canvas.removeEventListener("pointerup", onUp);
    canvas.removeEventListener("pointercancel", onUp);
    canvas.removeEventListener("wheel", onWheel);
    canvas.removeEventListener("keydown", onKey);
    canvas.removeEventListener("contextmenu", noMenu);
    clearTimeout(gestureTimer);
  };
}
