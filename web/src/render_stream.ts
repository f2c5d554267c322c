// One render session: a WebSocket to /api/render (src/control/session_command.h has the messages)
// and the canvas its JPEG frames are drawn on. Frames are binary: uint32 LE header length, a JSON
// header {type, input_id, seq, width, height, quality, render_ms}, then the JPEG. The page's binary
// messages are microphone audio after a "listen" message (command_panel.ts).
import { withToken } from "./api";

export interface FrameHeader {
  input_id: number;
  seq: number;
  width: number;
  height: number;
  quality: string;
  render_ms: number;
}

export interface SessionState {
  session: string;
  dataset: string;
  width: number;
  height: number;
  input_id: number;
  saved_version: number;
  modified: boolean;
  labels: { id: number; name: string }[];
  settings: any;
}

export interface StreamEvents {
  onState?: (state: SessionState) => void;
  // `latencyMs`: from sending an input to drawing the first frame that shows it (undefined for
  // frames showing an input already drawn).
  onFrame?: (header: FrameHeader, latencyMs?: number) => void;
  onSaved?: (version: number) => void;
  onError?: (message: string) => void;
  onClose?: (reason: string) => void;
  // Text messages of other types (the voice messages: listening, transcript, reply).
  onMessage?: (message: { type: string; [key: string]: unknown }) => void;
}

export class RenderStream {
  private socket: WebSocket | null = null;
  private nextInput = 1;
  private decoding = false;
  private pendingFrame: { header: FrameHeader; jpeg: Blob } | null = null;
  private closedByUs = false;
  private readonly sentAt = new Map<number, number>();
  private lastDrawnInput = 0;
  state: SessionState | null = null;

  constructor(
    readonly dataset: string,
    readonly canvas: HTMLCanvasElement,
    private readonly events: StreamEvents,
  ) {}

  open(width: number, height: number): void {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const path = `/api/render?dataset=${encodeURIComponent(this.dataset)}&width=${width}&height=${height}`;
    const socket = new WebSocket(`${scheme}//${location.host}${withToken(path)}`);
    socket.binaryType = "blob";
    socket.onmessage = (e) => this.receive(e.data);
    socket.onclose = (e) => {
      if (!this.closedByUs) {
        this.events.onClose?.(e.reason || `the render session closed (code ${e.code})`);
      }
    };
    this.socket = socket;
  }

  close(): void {
    this.closedByUs = true;
    this.socket?.close();
    this.socket = null;
  }

  // Sends a message and returns its input id (echoed by the frames that show it).
  send(message: Record<string, unknown>): number {
    const id = this.nextInput++;
    this.sentAt.set(id, performance.now());
    this.transmit(JSON.stringify({ ...message, id }));
    return id;
  }

  // Sends a message that is no input of its own (no id): "voice", "listen_end".
  sendControl(message: Record<string, unknown>): void {
    this.transmit(JSON.stringify(message));
  }

  // Sends binary data (microphone audio); dropped unless the session is open.
  sendBinary(data: ArrayBuffer): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(data);
  }

  private transmit(text: string): void {
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) {
      socket.addEventListener("open", () => socket.send(text), { once: true });
    } else if (socket.readyState === WebSocket.OPEN) {
      socket.send(text);
    }
  }

  patch(settings: Record<string, unknown>): number {
    return this.send({ type: "settings", patch: settings });
  }

  private receive(data: Blob | string): void {
    if (typeof data === "string") {
      let message: any;
      try {
        message = JSON.parse(data);
      } catch {
        return;
      }
      if (message.type === "state") {
        this.state = message as SessionState;
        this.events.onState?.(this.state);
      } else if (message.type === "saved") {
        this.events.onSaved?.(message.version);
      } else if (message.type === "error") {
        this.events.onError?.(message.message ?? "the render server refused a request");
      } else if (typeof message.type === "string") {
        this.events.onMessage?.(message);
      }
      return;
    }
    void this.receiveFrame(data);
  }

  private async receiveFrame(blob: Blob): Promise<void> {
    const head = new DataView(await blob.slice(0, 4).arrayBuffer());
    const headerBytes = head.getUint32(0, true);
    const header = JSON.parse(await blob.slice(4, 4 + headerBytes).text()) as FrameHeader;
    const jpeg = blob.slice(4 + headerBytes, blob.size, "image/jpeg");
    // Only the newest frame matters: while one decodes, later ones replace each other.
    this.pendingFrame = { header, jpeg };
    if (this.decoding) return;
    this.decoding = true;
    try {
      while (this.pendingFrame) {
        const frame: { header: FrameHeader; jpeg: Blob } = this.pendingFrame;
        this.pendingFrame = null;
        await this.draw(frame.jpeg);
        const c = this.canvas;
        c.dataset.seq = String(frame.header.seq);
        c.dataset.inputId = String(frame.header.input_id);
        c.dataset.quality = frame.header.quality;
        this.events.onFrame?.(frame.header, this.inputLatency(frame.header.input_id));
      }
    } finally {
      this.decoding = false;
    }
  }

  private inputLatency(inputId: number): number | undefined {
    if (inputId <= this.lastDrawnInput) return undefined;
    this.lastDrawnInput = inputId;
    const sent = this.sentAt.get(inputId);
    for (const id of this.sentAt.keys()) if (id <= inputId) this.sentAt.delete(id);
    return sent === undefined ? undefined : performance.now() - sent;
  }

  private async draw(jpeg: Blob): Promise<void> {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    // createImageBitmap decodes off the main thread; older browsers fall back to an <img>.
    if (typeof createImageBitmap === "function") {
      const bitmap = await createImageBitmap(jpeg);
      this.fit(bitmap.width, bitmap.height);
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      return;
    }
    const url = URL.createObjectURL(jpeg);
    try {
      const img = new Image();
      img.src = url;
      await img.decode();
      this.fit(img.naturalWidth, img.naturalHeight);
      ctx.drawImage(img, 0, 0);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  private fit(width: number, height: number): void {
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
  }
}
