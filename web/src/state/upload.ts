// Uploading a file: reserve it (POST /api/uploads), send the bytes straight
// to storage with the presigned PUT, then have the server judge them
// (finalize). The transport is injectable so tests need no network. No DOM.

import { type Api, ApiError } from "./api";
import { SHORTCODE_MAX, SHORTCODE_MIN } from "./shortcode";
import type { PresignedRequest, UploadKind, UploadTicket, UploadView } from "./types";

export type UploadStage = "create" | "put" | "finalize";

export interface UploadTransport {
  create(kind: UploadKind, contentType: string, size: number): Promise<UploadTicket>;
  put(request: PresignedRequest, body: Blob, onProgress: (loaded: number, total: number) => void, signal?: AbortSignal): Promise<void>;
  finalize(uploadId: string): Promise<UploadView>;
  /** Best effort: frees a reservation that will not be finished. */
  discard(uploadId: string): Promise<void>;
}

/** Why an upload stopped; `code` is the server's error code, or "put_failed" / "aborted". */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly stage: UploadStage,
    readonly status = 0,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

export interface UploadProgress {
  stage: UploadStage;
  /** Bytes sent so far (during "put"); the total is the file's size. */
  loaded: number;
  total: number;
}

export interface UploadOptions {
  kind: UploadKind;
  file: Blob;
  /** What the bytes are; the file's own type when not given. */
  contentType?: string;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
}

/** Runs the whole flow; resolves with the finished upload or rejects with an UploadError. */
export async function uploadFile(transport: UploadTransport, opts: UploadOptions): Promise<UploadView> {
  const { file, signal } = opts;
  const total = file.size;
  const contentType = opts.contentType ?? file.type;
  const report = (stage: UploadStage, loaded: number) => opts.onProgress?.({ stage, loaded, total });
  const aborted = (stage: UploadStage) => new UploadError("The upload was cancelled.", "aborted", stage);

  if (signal?.aborted) throw aborted("create");
  report("create", 0);
  let ticket: UploadTicket;
  try {
    ticket = await transport.create(opts.kind, contentType, total);
  } catch (e) {
    throw asUploadError(e, "create");
  }

  const discard = () => {
    transport.discard(ticket.upload_id).catch(() => undefined);
  };
  if (signal?.aborted) {
    discard();
    throw aborted("put");
  }
  report("put", 0);
  try {
    await transport.put(
      ticket.upload,
      file,
      (loaded) => {
        report("put", Math.min(loaded, total));
      },
      signal,
    );
  } catch (e) {
    discard();
    throw signal?.aborted ? aborted("put") : asUploadError(e, "put");
  }
  report("put", total);

  if (signal?.aborted) {
    discard();
    throw aborted("finalize");
  }
  report("finalize", total);
  try {
    return await transport.finalize(ticket.upload_id);
  } catch (e) {
    // A refused upload is deleted by the server; only an unanswered one may linger.
    if (!(e instanceof ApiError)) discard();
    throw asUploadError(e, "finalize");
  }
}

function asUploadError(e: unknown, stage: UploadStage): UploadError {
  if (e instanceof UploadError) return e;
  if (e instanceof ApiError) return new UploadError(e.message, e.code ?? "error", stage, e.status);
  if (e instanceof PutError) return new UploadError(e.message, "put_failed", stage, e.status);
  return new UploadError(e instanceof Error ? e.message : String(e), "network", stage);
}

// ------------------------------------------------------------ transport

export class PutError extends Error {
  constructor(readonly status: number) {
    super(status ? `storage answered ${status}` : "the connection failed");
    this.name = "PutError";
  }
}

/** The part of XMLHttpRequest a PUT with progress needs. */
export interface XhrLike {
  readonly status: number;
  readonly upload: { onprogress: ((ev: ProgressEvent) => unknown) | null };
  onload: ((ev: ProgressEvent) => unknown) | null;
  onerror: ((ev: ProgressEvent) => unknown) | null;
  onabort: ((ev: ProgressEvent) => unknown) | null;
  ontimeout: ((ev: ProgressEvent) => unknown) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
}

/** Headers a browser sets itself and refuses from scripts; the signed length is the body's. */
const BROWSER_HEADERS = new Set(["content-length", "host", "connection"]);

/** A PUT through XMLHttpRequest, because fetch cannot report upload progress. */
export function xhrPut(
  make: () => XhrLike = () => new XMLHttpRequest(),
): UploadTransport["put"] {
  return (request, body, onProgress, signal) =>
    new Promise<void>((resolve, reject) => {
      const xhr = make();
      const onAbort = () => {
        xhr.abort();
      };
      const done = (error: Error | null) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve();
      };
      xhr.open(request.method, request.url);
      for (const [name, value] of request.headers) {
        if (!BROWSER_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
      }
      xhr.upload.onprogress = (ev) => {
        onProgress(ev.loaded, ev.lengthComputable ? ev.total : body.size);
      };
      xhr.onload = () => {
        done(xhr.status >= 200 && xhr.status < 300 ? null : new PutError(xhr.status));
      };
      xhr.onerror = () => {
        done(new PutError(0));
      };
      xhr.ontimeout = () => {
        done(new PutError(0));
      };
      xhr.onabort = () => {
        done(new PutError(0));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      xhr.send(body);
    });
}

/** The real thing: the API for reserving and judging, XMLHttpRequest for the bytes. */
export function apiTransport(api: Api, put: UploadTransport["put"] = xhrPut()): UploadTransport {
  return {
    create: (kind, contentType, size) => api.createUpload(kind, contentType, size),
    put,
    finalize: (id) => api.finalizeUpload(id),
    discard: (id) => api.deleteUpload(id),
  };
}

// --------------------------------------------------------------- checks

/** The image type the first bytes of a file say, whatever its name claims. */
export function sniffImageType(head: Uint8Array): string | null {
  const at = (i: number) => head[i] ?? -1;
  const ascii = (from: number, s: string) => {
    for (let i = 0; i < s.length; i++) if (at(from + i) !== s.charCodeAt(i)) return false;
    return true;
  };
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => at(i) === b)) return "image/png";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "image/gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "image/jpeg";
  return null;
}

export const EMOJI_TYPES = ["image/png", "image/gif", "image/webp"] as const;
export const EMOJI_MAX_BYTES = 256 * 1024;
export const EMOJI_MAX_PIXELS = 256;

/** The error code the server would give this emoji file, found before sending anything; null if fine. */
export function emojiFileProblem(contentType: string | null, size: number): string | null {
  if (!contentType || !(EMOJI_TYPES as readonly string[]).includes(contentType)) return "upload_type_not_allowed";
  if (size > EMOJI_MAX_BYTES) return "upload_too_large";
  if (size === 0) return "empty_file";
  return null;
}

export function emojiDimensionsProblem(width: number, height: number): string | null {
  return width > EMOJI_MAX_PIXELS || height > EMOJI_MAX_PIXELS ? "image_too_large" : null;
}

/** A sentence for a person, for an error from uploading an emoji or from the emoji API. */
export function emojiErrorMessage(e: unknown): string {
  const code = e instanceof UploadError || e instanceof ApiError ? e.code : typeof e === "string" ? e : undefined;
  const stage = e instanceof UploadError ? e.stage : null;
  switch (code) {
    case "upload_type_not_allowed":
      return "Emoji must be PNG, GIF or WebP images.";
    case "upload_too_large":
      return "That file is over 256 KB, the most an emoji may be.";
    case "image_too_large":
      return "That image is larger than 256 × 256 pixels. Shrink it and try again.";
    case "empty_file":
      return "That file is empty.";
    case "upload_incomplete":
      return "The image did not arrive completely. Try again.";
    case "upload_expired":
      return "The upload took too long and expired. Try again.";
    case "quota_exceeded":
      return stage
        ? "Your storage is full. Delete some emoji or files first."
        : "You have 100 emoji, the most a library holds. Delete one first.";
    case "shortcode_taken":
      return "You already have an emoji with that name.";
    case "invalid_request":
      return `Names are ${SHORTCODE_MIN}–${SHORTCODE_MAX} letters A–Z, digits or _.`;
    case "not_found":
      return "That emoji no longer exists.";
    case "put_failed":
      return e instanceof UploadError && e.status === 403
        ? "The upload link expired before the file was sent. Try again."
        : "The file could not be sent. Check your connection and try again.";
    case "aborted":
      return "The upload was cancelled.";
    case "network":
      return "Chitter could not be reached. Check your connection and try again.";
    default:
      return e instanceof Error && e.message ? e.message : "Something went wrong. Try again.";
  }
}

// ------------------------------------------------------------ backgrounds

export const BACKGROUND_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
export const BACKGROUND_MAX_BYTES = 5 * 1024 * 1024;
export const BACKGROUND_MAX_PIXELS = 4096;

/** The error code the server would give this background file, found before sending anything; null if fine. */
export function backgroundFileProblem(contentType: string | null, size: number): string | null {
  if (!contentType || !(BACKGROUND_TYPES as readonly string[]).includes(contentType)) return "upload_type_not_allowed";
  if (size > BACKGROUND_MAX_BYTES) return "upload_too_large";
  if (size === 0) return "empty_file";
  return null;
}

export function backgroundDimensionsProblem(width: number, height: number): string | null {
  return width > BACKGROUND_MAX_PIXELS || height > BACKGROUND_MAX_PIXELS ? "image_too_large" : null;
}

/** A sentence for a person, for an error from uploading a background image. */
export function backgroundErrorMessage(e: unknown): string {
  const code = e instanceof UploadError || e instanceof ApiError ? e.code : typeof e === "string" ? e : undefined;
  switch (code) {
    case "upload_type_not_allowed":
      return "Backgrounds must be PNG, JPEG or WebP images.";
    case "upload_too_large":
      return "That file is over 5 MB, the most a background may be.";
    case "image_too_large":
      return "That image is larger than 4096 × 4096 pixels. Shrink it and try again.";
    case "quota_exceeded":
      return "Your storage is full. Delete some images first.";
    default:
      return emojiErrorMessage(e);
  }
}
