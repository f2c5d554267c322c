// The command box: typed or spoken commands ("hide the liver", "zoom in a bit") that the server's
// dialog manager turns into the same validated settings changes as the panels make. Typed text
// goes as a "query" message; the microphone streams 16 kHz PCM after a "listen" message and the
// server answers with partial and final transcripts, then executes the final one. Either way a
// "reply" comes back (its text, spoken as a WAV unless spoken replies are off), then the new state
// and frames carrying the command's input id.
import { h, notify } from "./dom";
import { Microphone, MicrophoneError } from "./microphone";
import { speechSampleRate } from "./pcm";

export interface CommandLink {
  send(message: Record<string, unknown>): number;
  sendControl(message: Record<string, unknown>): void;
  sendBinary(data: ArrayBuffer): void;
}

export interface CommandReply {
  input_id: number;
  query: string;
  intent: string;
  slots: Record<string, unknown>;
  confidence: number;
  text: string;
  needs_confirmation: boolean;
  applied: boolean;
  audio?: string; // base64 WAV
  navigate?: { dataset: string };
}

// What tests and the bench read (as window.visceraFrameLog): replies and transcripts, page-wide so
// they survive a "next dataset" that opens another viewer.
export interface VoiceLogEntry {
  input_id: number;
  query: string;
  intent: string;
  confidence: number;
  text: string;
  needs_confirmation: boolean;
  applied: boolean;
  audioBytes: number;
  played: boolean;
  at: number;
}
export interface TranscriptLogEntry {
  text: string;
  final: boolean;
  at: number;
}
type VoiceWindow = { visceraVoiceLog?: VoiceLogEntry[]; visceraTranscriptLog?: TranscriptLogEntry[] };
const page = window as unknown as VoiceWindow;
const voiceLog = (page.visceraVoiceLog ??= []);
const transcriptLog = (page.visceraTranscriptLog ??= []);

const spokenRepliesKey = "viscera.spokenReplies";
const historyLength = 6;

export class CommandPanel {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly submit: HTMLButtonElement;
  private readonly micButton: HTMLButtonElement;
  private readonly spoken: HTMLInputElement;
  private readonly transcript: HTMLElement;
  private readonly reply: HTMLElement;
  private readonly confirm: HTMLElement;
  private readonly history: HTMLOListElement;
  private microphone: Microphone | null = null;
  private listenId: number | null = null;
  private queued: ArrayBuffer[] = [];
  private audio: HTMLAudioElement | null = null;
  private audioUrl = "";

  constructor(
    private readonly link: CommandLink,
    private readonly navigate: (dataset: string, replyText: string) => void,
  ) {
    this.input = h("input", {
      type: "text",
      id: "command",
      name: "command",
      autocomplete: "off",
      maxlength: 500, // the server's limit
      placeholder: "e.g. “hide the liver”",
      "aria-describedby": "command-help",
      disabled: true,
    });
    this.submit = h("button", { type: "submit", class: "small", disabled: true }, "Send");
    this.micButton = h(
      "button",
      {
        type: "button",
        id: "microphone",
        class: "small mic",
        "aria-pressed": "false",
        title: "Speak a command; click again to stop",
        disabled: true,
      },
      h("span", { class: "mic-dot", "aria-hidden": "true" }),
      "Speak",
    );
    this.micButton.addEventListener("click", () => this.toggleMicrophone());
    this.spoken = h("input", { type: "checkbox", id: "spoken-replies", checked: spokenRepliesOn() });
    this.spoken.addEventListener("change", () => {
      try {
        localStorage.setItem(spokenRepliesKey, this.spoken.checked ? "on" : "off");
      } catch {
        // Storage refused (private mode): the choice holds for this page only.
      }
      this.sendVoiceSetting();
      if (!this.spoken.checked) this.stopAudio();
    });
    this.transcript = h("p", { id: "command-transcript", class: "muted", hidden: true });
    this.reply = h("p", { id: "command-reply" });
    this.confirm = h(
      "div",
      { class: "row command-confirm", hidden: true, role: "group", "aria-label": "Confirm the command" },
      h("button", { type: "button", class: "small primary", onclick: () => this.query("yes") }, "Yes"),
      h("button", { type: "button", class: "small", onclick: () => this.declined() }, "No"),
    );
    this.history = h("ol", { class: "command-history", "aria-label": "Recent commands" });
    const form = h(
      "form",
      { class: "command-form" },
      h("label", { for: "command" }, "Command"),
      h("div", { class: "row command-row" }, this.input, this.submit, this.micButton),
      h(
        "p",
        { id: "command-help", class: "muted" },
        "Type or speak, e.g. “show only the kidneys”, “zoom in”, “bone preset”; “what can I say” lists more.",
      ),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.query(text);
    });
    this.element = h(
      "section",
      { class: "command-box", "aria-label": "Commands" },
      form,
      // The transcript changes with every partial result, so only the reply is announced.
      h("div", { class: "command-output" }, this.transcript, h("div", { role: "status" }, this.reply)),
      this.confirm,
      h("div", { class: "row" }, this.spoken, h("label", { for: "spoken-replies" }, "Spoken replies")),
      this.history,
    );
  }

  // The session is open: commands can go. Replies are spoken unless the server hears otherwise
  // (telling it only then keeps a server without voice commands quiet about it).
  enable(): void {
    if (!this.spoken.checked) this.sendVoiceSetting();
    this.input.disabled = false;
    this.submit.disabled = false;
    this.micButton.disabled = false;
  }

  // A text message of the voice protocol from the session.
  receive(message: { type: string; [key: string]: unknown }): void {
    if (message.type === "listening") {
      // The final transcript follows at once, unless the server stopped on an error (shown).
      if (message.active === false && this.microphone) {
        this.stopListening(false);
        this.transcript.textContent = "Stopped listening.";
      }
    } else if (message.type === "transcript") {
      const text = String(message.text ?? "");
      const final = message.final === true;
      transcriptLog.push({ text, final, at: performance.now() });
      if (transcriptLog.length > 2000) transcriptLog.splice(0, 1000);
      this.transcript.hidden = false;
      this.transcript.classList.toggle("partial", !final);
      this.transcript.textContent = !final
        ? `Hearing: “${text}…”`
        : text
          ? `You said: “${text}”`
          : "No words were heard.";
      if (final) this.stopListening(false);
    } else if (message.type === "reply") {
      this.showReply(message as unknown as CommandReply);
    }
  }

  // The viewer is closing or its session ended.
  close(): void {
    this.stopListening(false);
    this.input.disabled = true;
    this.submit.disabled = true;
    this.micButton.disabled = true;
  }

  private query(text: string): void {
    this.confirm.hidden = true;
    this.link.send({ type: "query", text });
    this.reply.className = "pending";
    this.reply.textContent = `Working on “${text}”…`;
  }

  private declined(): void {
    this.confirm.hidden = true;
    this.reply.className = "muted";
    this.reply.textContent = "Nothing was changed.";
  }

  private sendVoiceSetting(): void {
    this.link.sendControl({ type: "voice", spoken_replies: this.spoken.checked });
  }

  private showReply(r: CommandReply): void {
    const audioBytes = r.audio ? Math.floor((r.audio.length * 3) / 4) : 0;
    const entry: VoiceLogEntry = {
      input_id: r.input_id,
      query: r.query,
      intent: r.intent,
      confidence: r.confidence,
      text: r.text,
      needs_confirmation: r.needs_confirmation,
      applied: r.applied,
      audioBytes,
      played: false,
      at: performance.now(),
    };
    voiceLog.push(entry);
    if (voiceLog.length > 500) voiceLog.splice(0, 250);
    this.reply.className = r.needs_confirmation ? "question" : r.applied ? "" : "muted";
    this.reply.textContent = r.text;
    this.confirm.hidden = !r.needs_confirmation;
    this.addHistory(r);
    if (r.audio && this.spoken.checked) this.play(r.audio, entry);
    if (r.navigate?.dataset) this.navigate(r.navigate.dataset, r.text);
  }

  private addHistory(r: CommandReply): void {
    const item = h(
      "li",
      { class: r.needs_confirmation ? "question" : r.applied ? "applied" : "not-applied" },
      h("span", { class: "command-query" }, r.query),
      h("span", { class: "command-answer" }, r.text),
    );
    this.history.prepend(item);
    while (this.history.children.length > historyLength) this.history.lastElementChild?.remove();
  }

  private play(base64: string, entry: VoiceLogEntry): void {
    this.stopAudio();
    let binary: string;
    try {
      binary = atob(base64);
    } catch {
      return;
    }
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    this.audioUrl = URL.createObjectURL(new Blob([bytes], { type: "audio/wav" }));
    const audio = new Audio(this.audioUrl);
    this.audio = audio;
    audio.addEventListener("playing", () => (entry.played = true), { once: true });
    const done = () => {
      if (this.audio === audio) this.stopAudio();
    };
    audio.addEventListener("ended", done, { once: true });
    audio.addEventListener("error", done, { once: true });
    // A browser that blocks autoplay only loses the sound; the text is shown anyway.
    audio.play().catch(() => undefined);
  }

  private stopAudio(): void {
    this.audio?.pause();
    this.audio = null;
    if (this.audioUrl) URL.revokeObjectURL(this.audioUrl);
    this.audioUrl = "";
  }

  private toggleMicrophone(): void {
    if (this.microphone) {
      // The user is done: the server finalises what it has.
      const listening = this.listenId !== null;
      this.microphone.stop(true);
      this.stopListening(listening);
      this.transcript.textContent = listening ? "Recognising…" : "";
      return;
    }
    void this.startListening();
  }

  private async startListening(): Promise<void> {
    this.stopAudio(); // the reply of the last command must not be heard as the next one
    const microphone = new Microphone();
    this.microphone = microphone;
    this.queued = [];
    this.setMicState("starting");
    // Audio sent in this utterance, in ms (the button's data-audio-ms, for tests).
    let sentBytes = 0;
    this.micButton.dataset.audioMs = "0";
    const send = (chunk: ArrayBuffer) => {
      this.link.sendBinary(chunk);
      sentBytes += chunk.byteLength;
      this.micButton.dataset.audioMs = String(Math.round((sentBytes / 2 / speechSampleRate) * 1000));
    };
    try {
      await microphone.start((chunk) => {
        if (this.microphone !== microphone) return;
        if (this.listenId === null) this.queued.push(chunk);
        else send(chunk);
      });
    } catch (e) {
      if (this.microphone === microphone) this.stopListening(false);
      const message = e instanceof MicrophoneError ? e.message : String(e);
      this.transcript.hidden = false;
      this.transcript.textContent = message;
      notify(message, "error");
      return;
    }
    if (this.microphone !== microphone) return; // stopped while the browser asked for permission
    this.listenId = this.link.send({ type: "listen", sample_rate: speechSampleRate });
    for (const chunk of this.queued) send(chunk);
    this.queued = [];
    this.micButton.dataset.capture = microphone.capture;
    this.setMicState("listening");
  }

  // Ends the utterance on the page; `tellServer` sends listen_end (the user stopped it).
  private stopListening(tellServer: boolean): void {
    if (tellServer && this.listenId !== null) this.link.sendControl({ type: "listen_end" });
    this.microphone?.stop();
    this.microphone = null;
    this.listenId = null;
    this.queued = [];
    this.setMicState("idle");
  }

  private setMicState(state: "idle" | "starting" | "listening"): void {
    this.micButton.setAttribute("aria-pressed", String(state !== "idle"));
    this.micButton.dataset.state = state;
    if (state === "idle") return;
    this.transcript.hidden = false;
    this.transcript.classList.add("partial");
    this.transcript.textContent =
      state === "starting" ? "Opening the microphone…" : "Listening… click Speak again when done.";
  }
}

function spokenRepliesOn(): boolean {
  try {
    return localStorage.getItem(spokenRepliesKey) !== "off";
  } catch {
    return true;
  }
}
