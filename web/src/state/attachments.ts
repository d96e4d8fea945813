// Files in messages: which files may go, what to call them, how big a
// preview is, and sentences for what went wrong. No DOM here.

import { ApiError } from "./api";
import type { Attachment } from "./types";
import { UploadError, sniffImageType } from "./upload";

/** The types the server keeps as attachments. */
export const ATTACHMENT_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "application/zip",
  "video/mp4",
  "video/webm",
  "audio/mpeg",
  "audio/ogg",
  "text/plain",
] as const;

/** 10 MiB, the most one file may be. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
/** The most files one message carries. */
export const ATTACHMENT_MAX_COUNT = 10;
/** The longest name a file may have, in characters. */
export const ATTACHMENT_NAME_MAX = 200;

/** Previews are at most this big (CSS px), keeping their shape. */
export const PREVIEW_MAX_WIDTH = 280;
export const PREVIEW_MAX_HEIGHT = 320;

/** What browsers and systems also call the allowed types. */
const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "application/x-zip-compressed": "application/zip",
  "application/x-zip": "application/zip",
  "audio/mp3": "audio/mpeg",
  "audio/x-mpeg": "audio/mpeg",
  "application/ogg": "audio/ogg",
};

/** For files the browser gives no type. */
const BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  zip: "application/zip",
  mp4: "video/mp4",
  m4v: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  txt: "text/plain",
};

/**
 * The type to declare for a file: what its first bytes say for images
 * (whatever the name claims), else what the browser says, else its extension.
 * Null when nothing says.
 */
export function attachmentType(name: string, browserType: string, head: Uint8Array): string | null {
  const sniffed = sniffImageType(head);
  if (sniffed) return sniffed;
  const declared = browserType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (declared) return ALIASES[declared] ?? declared;
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return ext ? (BY_EXTENSION[ext] ?? null) : null;
}

export function isAllowedType(contentType: string | null): boolean {
  return contentType !== null && (ATTACHMENT_TYPES as readonly string[]).includes(contentType);
}

/** The error code the server would give this file, found before sending anything; null if fine. */
export function attachmentFileProblem(contentType: string | null, size: number): string | null {
  if (!isAllowedType(contentType)) return "upload_type_not_allowed";
  if (size > ATTACHMENT_MAX_BYTES) return "upload_too_large";
  if (size === 0) return "empty_file";
  return null;
}

/** A sentence for a person, for a file refused or an upload that failed. */
export function attachmentErrorMessage(e: unknown): string {
  const code = e instanceof UploadError || e instanceof ApiError ? e.code : typeof e === "string" ? e : undefined;
  switch (code) {
    case "upload_type_not_allowed":
      return "Only images (PNG, JPEG, GIF, WebP), PDF, ZIP, MP4 or WebM video, MP3 or Ogg audio and plain text files can be sent.";
    case "upload_too_large":
      return "It is over 10 MB, the most a file may be.";
    case "image_too_large":
      return "The image is larger than 16384 × 16384 pixels.";
    case "empty_file":
      return "The file is empty.";
    case "quota_exceeded":
      return "Your storage is full, or too many uploads are under way. Delete some files or wait, then try again.";
    case "upload_incomplete":
      return "The file did not arrive completely. Try again.";
    case "upload_expired":
      return "The upload took too long and expired. Try again.";
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

/**
 * A name the server takes (1-200 characters, no control characters, no / or
 * \\, not "." or ".."), as close to the file's own as can be: the
 * extension is kept when the name has to be shortened.
 */
export function attachmentName(raw: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed
  let name = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").replace(/[/\\]/g, "_").trim();
  if (!name || name === "." || name === "..") name = "file";
  // Counted in code points, as the server counts.
  const chars = Array.from(name);
  if (chars.length <= ATTACHMENT_NAME_MAX) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
  return (chars.slice(0, ATTACHMENT_NAME_MAX - keep.length).join("").trimEnd() + keep.join("")).trim();
}

/** Images a browser shows in place; other files are chips to download. */
export function isPreviewable(a: Pick<Attachment, "content_type">): boolean {
  return a.content_type === "image/png" || a.content_type === "image/jpeg" || a.content_type === "image/gif" || a.content_type === "image/webp";
}

/** The size a preview takes: its own, shrunk to fit the box, never grown; a square when the size is unknown. */
export function previewSize(
  a: Pick<Attachment, "width" | "height">,
  maxWidth = PREVIEW_MAX_WIDTH,
  maxHeight = PREVIEW_MAX_HEIGHT,
): { width: number; height: number } {
  const w = a.width ?? 0;
  const h = a.height ?? 0;
  if (w <= 0 || h <= 0) {
    const side = Math.min(maxWidth, maxHeight, 200);
    return { width: side, height: side };
  }
  const scale = Math.min(1, maxWidth / w, maxHeight / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** A size as a person reads it (1 KB = 1024 bytes, as the limits count): "812 bytes", "12 KB", "3.4 MB". */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${String(shown)} ${units[unit] ?? "GB"}`;
}

export type FileFamily = "image" | "video" | "audio" | "pdf" | "archive" | "text" | "file";

export function fileFamily(contentType: string): FileFamily {
  if (contentType.startsWith("image/")) return "image";
  if (contentType.startsWith("video/")) return "video";
  if (contentType.startsWith("audio/")) return "audio";
  if (contentType === "application/pdf") return "pdf";
  if (contentType === "application/zip") return "archive";
  if (contentType.startsWith("text/")) return "text";
  return "file";
}

const TYPE_LABELS: Record<string, string> = {
  "image/png": "PNG image",
  "image/jpeg": "JPEG image",
  "image/gif": "GIF image",
  "image/webp": "WebP image",
  "application/pdf": "PDF document",
  "application/zip": "ZIP archive",
  "video/mp4": "MP4 video",
  "video/webm": "WebM video",
  "audio/mpeg": "MP3 audio",
  "audio/ogg": "Ogg audio",
  "text/plain": "Text file",
};

/** What kind of file it is, in words. */
export function typeLabel(contentType: string): string {
  return TYPE_LABELS[contentType] ?? "File";
}

/** What the conversation list says of a message of files alone (it shows a paperclip before it). */
export function attachmentsSummary(list: readonly Attachment[] | undefined): string {
  if (!list?.length) return "";
  const first = list[0];
  if (list.length === 1 && first) return first.name;
  const images = list.filter(isPreviewable).length;
  return `${String(list.length)} ${images === list.length ? "photos" : "files"}`;
}
