// The files picked for the next message of one conversation: each is checked
// before anything is sent, then uploaded at once (reserve, PUT, finalize) so
// it is ready by the time the words are. The message can go once every file
// is finished; it then takes them as its attachments and the draft starts
// empty. Files removed before that are cancelled or deleted. No DOM here.

import {
  ATTACHMENT_MAX_COUNT,
  attachmentErrorMessage,
  attachmentFileProblem,
  attachmentName,
  attachmentType,
  isPreviewable,
} from "./attachments";
import type { Attachment } from "./types";
import { type UploadProgress, type UploadTransport, uploadFile } from "./upload";

export type DraftFileStatus = "uploading" | "ready" | "failed";

export interface DraftFile {
  /** This draft's own id for it (the upload's is known only once reserved). */
  key: string;
  file: Blob;
  /** The name members will see. */
  name: string;
  contentType: string;
  size: number;
  status: DraftFileStatus;
  /** While uploading. */
  progress: UploadProgress | null;
  /** Once ready: the file as the message will carry it. */
  attachment?: Attachment;
  /** Once failed: why, as a sentence. */
  error?: string;
  /** Images: a local URL of the bytes, to show before (and after) they are sent. */
  previewUrl: string | null;
}

/** A file not taken, and why. */
export interface Refusal {
  name: string;
  reason: string;
}

/** Local URLs for files (object URLs in a browser). */
export interface PreviewUrls {
  create(file: Blob): string;
  revoke(url: string): void;
}

export interface AttachmentDraftOptions {
  transport: UploadTransport;
  previews?: PreviewUrls | undefined;
  max?: number;
}

/** What a sent message takes from the draft. */
export interface HandedOff {
  attachments: Attachment[];
  /** Upload id → local preview URL, for images that have one. */
  previews: Map<string, string>;
}

/** The part of a File the draft reads. */
export type PickedFile = Blob & { readonly name: string };

let keys = 0;

export class AttachmentDraft {
  private items: DraftFile[] = [];
  private refused: Refusal[] = [];
  private readonly aborts = new Map<string, AbortController>();
  private readonly listeners = new Set<() => void>();
  private readonly max: number;

  constructor(private readonly opts: AttachmentDraftOptions) {
    this.max = opts.max ?? ATTACHMENT_MAX_COUNT;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  get files(): readonly DraftFile[] {
    return this.items;
  }

  /** The files the last pick, paste or drop left out, and why. */
  get refusals(): readonly Refusal[] {
    return this.refused;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** Some file is still on its way. */
  get uploading(): boolean {
    return this.items.some((f) => f.status === "uploading");
  }

  /** Some file failed: retry or remove it before sending. */
  get failed(): boolean {
    return this.items.some((f) => f.status === "failed");
  }

  /** Nothing holds a message back: no file uploading or failed (no files at all is fine). */
  get settled(): boolean {
    return this.items.every((f) => f.status === "ready");
  }

  /**
   * Checks and starts uploading files. Ones of a type the server does not
   * keep, too big, empty, or past the most a message carries are refused
   * (see `refusals`) without sending anything.
   */
  async add(files: Iterable<PickedFile>): Promise<void> {
    const list = [...files];
    if (!list.length) return;
    const checked = await Promise.all(
      list.map(async (file) => {
        const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
        const contentType = attachmentType(file.name, file.type, head);
        return { file, contentType, problem: attachmentFileProblem(contentType, file.size) };
      }),
    );
    const refused: Refusal[] = [];
    const started: DraftFile[] = [];
    for (const { file, contentType, problem } of checked) {
      const name = attachmentName(file.name);
      if (problem || contentType === null) {
        refused.push({ name, reason: attachmentErrorMessage(problem ?? "upload_type_not_allowed") });
        continue;
      }
      if (this.items.length + started.length >= this.max) {
        refused.push({ name, reason: `A message carries at most ${String(this.max)} files.` });
        continue;
      }
      const previewUrl = isPreviewable({ content_type: contentType }) ? (this.opts.previews?.create(file) ?? null) : null;
      started.push({
        key: `f${String(++keys)}`,
        file,
        name,
        contentType,
        size: file.size,
        status: "uploading",
        progress: { stage: "create", loaded: 0, total: file.size },
        previewUrl,
      });
    }
    this.refused = refused;
    this.items = [...this.items, ...started];
    this.emit();
    await Promise.all(started.map((f) => this.upload(f.key)));
  }

  /** Tries a failed file again. */
  retry(key: string): Promise<void> {
    const item = this.get(key);
    if (item?.status !== "failed") return Promise.resolve();
    this.update(key, { status: "uploading", progress: { stage: "create", loaded: 0, total: item.size }, error: undefined });
    return this.upload(key);
  }

  /** Takes a file out: its upload is cancelled, or deleted if it had finished. */
  remove(key: string): void {
    const item = this.get(key);
    if (!item) return;
    this.items = this.items.filter((f) => f !== item);
    this.aborts.get(key)?.abort();
    this.aborts.delete(key);
    if (item.attachment) this.opts.transport.discard(item.attachment.upload_id).catch(() => undefined);
    if (item.previewUrl) this.opts.previews?.revoke(item.previewUrl);
    this.emit();
  }

  dismissRefusals(): void {
    if (!this.refused.length) return;
    this.refused = [];
    this.emit();
  }

  /** The files as the message will carry them, in the order picked; null while any is not ready. */
  attachments(): Attachment[] | null {
    if (!this.settled) return null;
    return this.items.map((f) => f.attachment).filter((a): a is Attachment => a !== undefined);
  }

  /**
   * The message went with these files: they are its now (their uploads are
   * kept, their previews stay alive for its bubble) and the draft is empty.
   */
  handOff(): HandedOff | null {
    const attachments = this.attachments();
    if (!attachments) return null;
    const previews = new Map<string, string>();
    for (const f of this.items) if (f.attachment && f.previewUrl) previews.set(f.attachment.upload_id, f.previewUrl);
    this.items = [];
    this.refused = [];
    this.emit();
    return { attachments, previews };
  }

  /** The draft is dropped (signed out): uploads stop, finished ones are deleted. */
  dispose(): void {
    for (const item of [...this.items]) this.remove(item.key);
    this.refused = [];
    this.listeners.clear();
  }

  private get(key: string): DraftFile | undefined {
    return this.items.find((f) => f.key === key);
  }

  private update(key: string, patch: Partial<DraftFile>): void {
    const at = this.items.findIndex((f) => f.key === key);
    const item = this.items[at];
    if (!item) return;
    this.items = this.items.with(at, { ...item, ...patch });
    this.emit();
  }

  private async upload(key: string): Promise<void> {
    const item = this.get(key);
    if (!item) return;
    const controller = new AbortController();
    this.aborts.set(key, controller);
    try {
      const view = await uploadFile(this.opts.transport, {
        kind: "attachment",
        file: item.file,
        contentType: item.contentType,
        signal: controller.signal,
        onProgress: (progress) => {
          if (!controller.signal.aborted) this.update(key, { progress });
        },
      });
      if (controller.signal.aborted || !this.get(key)) {
        // Removed while it was being judged: nobody will use it.
        this.opts.transport.discard(view.upload_id).catch(() => undefined);
        return;
      }
      const attachment: Attachment = {
        upload_id: view.upload_id,
        name: item.name,
        // As the bytes show, which is what members will be told.
        content_type: view.content_type,
        size: view.size,
        ...(view.width !== undefined ? { width: view.width } : {}),
        ...(view.height !== undefined ? { height: view.height } : {}),
      };
      this.update(key, { status: "ready", progress: null, attachment });
    } catch (e) {
      if (controller.signal.aborted) return;
      this.update(key, { status: "failed", progress: null, error: attachmentErrorMessage(e) });
    } finally {
      if (this.aborts.get(key) === controller) this.aborts.delete(key);
    }
  }
}
