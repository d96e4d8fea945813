import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AttachmentDraft, DraftFile } from "../state/attachmentDraft";
import type { FileAddress, LinkState } from "../state/attachmentLinks";
import { fileFamily, humanSize, isPreviewable, previewSize, typeLabel } from "../state/attachments";
import type { Chat } from "../state/chat";
import type { Attachment } from "../state/types";
import { AlertIcon, CloseIcon, DownloadIcon, ExternalIcon, FileIcon, ImageIcon, RetryIcon } from "./icons";
import { useSubscription } from "./useSubscription";

/** Several images in one message are shown smaller, side by side. */
const COMPACT_PX = 168;
/** Ask for an image's URL when it comes this close to the visible part of the list. */
const NEAR_PX = 600;

/** An image opened in the viewer. */
export interface OpenImage {
  attachment: Attachment;
  url: string;
}

interface MessageFilesProps {
  chat: Chat;
  conversationId: string;
  /** The stored message's seq; null while it is not stored yet (nothing to download then). */
  seq: number | null;
  attachments: readonly Attachment[];
  onOpenImage: (image: OpenImage, opener: HTMLElement) => void;
}

/** A message's files: images as previews, other files as chips to download. Names are text, never markup. */
export function MessageFiles({ chat, conversationId, seq, attachments, onOpenImage }: MessageFilesProps) {
  const images = attachments.filter(isPreviewable);
  const others = attachments.filter((a) => !isPreviewable(a));
  const compact = images.length > 1;
  const address = (a: Attachment): FileAddress | null =>
    seq === null ? null : { conversation_id: conversationId, seq, upload_id: a.upload_id };
  return (
    <div class="attachments">
      {images.length > 0 && (
        <ul class={`attachment-images${compact ? " compact" : ""}`} aria-label={images.length > 1 ? `${String(images.length)} images` : undefined}>
          {images.map((a) => (
            <li key={a.upload_id}>
              <ImagePreview chat={chat} attachment={a} address={address(a)} compact={compact} onOpen={onOpenImage} />
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <ul class="attachment-files">
          {others.map((a) => (
            <li key={a.upload_id}>
              <FileChip chat={chat} attachment={a} address={address(a)} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface ImagePreviewProps {
  chat: Chat;
  attachment: Attachment;
  address: FileAddress | null;
  compact: boolean;
  onOpen: (image: OpenImage, opener: HTMLElement) => void;
}

/**
 * Takes the image's own shape (capped) before it loads, so nothing jumps;
 * its URL is asked for only once it nears the visible part of the list.
 */
function ImagePreview({ chat, attachment: a, address, compact, onOpen }: ImagePreviewProps) {
  // Its link comes and goes on its own time, while the message row it sits in skips renders.
  useSubscription(chat.links);
  const box = useRef<HTMLElement>(null);
  const near = useNear(box, chat.links.peek(a.upload_id) !== undefined);
  const { width, height } = compact ? previewSize(a, COMPACT_PX, COMPACT_PX) : previewSize(a);
  const local = chat.links.local(a.upload_id);
  const state: LinkState = local
    ? { status: "ready", url: local, local: true }
    : address && near
      ? chat.links.lookup(address)
      : (chat.links.peek(a.upload_id) ?? { status: "loading" });
  const style = { width: `${String(width)}px`, aspectRatio: `${String(width)} / ${String(height)}` };

  if (state.status === "ready") {
    const url = state.url;
    return (
      <button
        type="button"
        ref={box as RefObject<HTMLButtonElement>}
        class={`attachment-image${compact ? " compact" : ""}`}
        style={style}
        title={`${a.name} — open full size`}
        onClick={(event) => {
          const opener = event.currentTarget;
          if (!address || state.local) {
            onOpen({ attachment: a, url }, opener);
            return;
          }
          // The preview renders only when its link changes, so the URL it holds may be near
          // its expiry by now: the viewer gets one good for a while (asked again if need be).
          void chat.links
            .link(address)
            .then(
              (link) => link?.url ?? url,
              () => url,
            )
            .then((fresh) => {
              onOpen({ attachment: a, url: fresh }, opener);
            });
        }}
      >
        <img
          src={url}
          alt={a.name}
          width={width}
          height={height}
          decoding="async"
          draggable={false}
          onError={() => {
            if (address && !state.local) chat.links.imageFailed(address, url);
          }}
        />
      </button>
    );
  }
  const gone = state.status === "gone";
  const failed = state.status === "failed";
  return (
    <div
      ref={box as RefObject<HTMLDivElement>}
      class={`attachment-image placeholder${compact ? " compact" : ""}${gone ? " is-gone" : ""}`}
      style={style}
      role="img"
      aria-label={gone ? `${a.name} (no longer available)` : a.name}
      aria-busy={!gone && !failed && address !== null}
    >
      <ImageIcon class="placeholder-icon" />
      {(gone || failed || !address) && (
        <span class="placeholder-text" aria-hidden="true">
          {gone ? "No longer available" : failed ? "Could not load" : a.name}
        </span>
      )}
    </div>
  );
}

/** True once the element has come near the visible part of its scroller (or `already`). */
function useNear(ref: RefObject<HTMLElement | null>, already: boolean): boolean {
  const [near, setNear] = useState(already);
  useEffect(() => {
    if (near) return;
    const el = ref.current;
    if (!el) return;
    if (typeof IntersectionObserver === "undefined") {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setNear(true);
          observer.disconnect();
        }
      },
      { root: el.closest(".messages-scroller"), rootMargin: `${String(NEAR_PX)}px 0px` },
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [near, ref]);
  return near;
}

/** A short label for the icon: the name's extension, or the type's. */
function extensionOf(a: Pick<Attachment, "name" | "content_type">): string {
  const ext = /\.([a-z0-9]{1,4})$/i.exec(a.name)?.[1];
  if (ext) return ext.toUpperCase();
  const sub = a.content_type.split("/")[1] ?? "";
  return (sub === "plain" ? "TXT" : sub === "mpeg" ? "MP3" : sub).slice(0, 4).toUpperCase();
}

function FileBadge({ contentType, name }: { contentType: string; name: string }) {
  return (
    <span class={`file-icon family-${fileFamily(contentType)}`} aria-hidden="true">
      <FileIcon />
      <span class="file-ext">{extensionOf({ name, content_type: contentType })}</span>
    </span>
  );
}

/** A file to download: the URL is asked for when pressed (or reused while good), then saved under its name. */
function FileChip({ chat, attachment: a, address }: { chat: Chat; attachment: Attachment; address: FileAddress | null }) {
  const [state, setState] = useState<"idle" | "busy" | "failed" | "gone">("idle");
  const label = `${humanSize(a.size)} · ${typeLabel(a.content_type)}`;
  const body = (
    <>
      <FileBadge contentType={a.content_type} name={a.name} />
      <span class="file-text">
        <span class="file-name">{a.name}</span>
        <span class="file-meta">{state === "busy" ? "Preparing…" : label}</span>
      </span>
    </>
  );
  if (!address) {
    return <div class="attachment-file is-pending">{body}</div>;
  }

  async function download(at: FileAddress) {
    setState("busy");
    try {
      const link = await chat.links.link(at);
      if (!link) {
        setState("gone");
        return;
      }
      // The server names the download; `download` also does for a same-origin URL.
      const anchor = document.createElement("a");
      anchor.href = link.url;
      anchor.download = a.name;
      anchor.rel = "noopener";
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setState("idle");
    } catch {
      setState("failed");
    }
  }

  return (
    <>
      <button
        type="button"
        class="attachment-file"
        aria-label={`Download ${a.name}, ${humanSize(a.size)}, ${typeLabel(a.content_type)}`}
        title="Download"
        disabled={state === "gone"}
        aria-busy={state === "busy"}
        onClick={() => {
          if (state !== "busy") void download(address);
        }}
      >
        {body}
        <DownloadIcon class="file-action" />
      </button>
      {(state === "failed" || state === "gone") && (
        <p class="file-note" role="alert">
          {state === "gone" ? "This file is no longer available." : "The file could not be fetched. Try again."}
        </p>
      )}
    </>
  );
}

interface ImageViewerProps {
  image: OpenImage;
  onClose: () => void;
}

/** The full image in a modal dialog: Escape, the close button or a click beside it closes it. */
export function ImageViewer({ image, onClose }: ImageViewerProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const a = image.attachment;
  useLayoutEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      id="image-viewer"
      class="image-viewer"
      aria-label={a.name}
      onClose={onClose}
      onClick={(event) => {
        // The backdrop is the dialog itself; its contents are not.
        if (event.target === event.currentTarget) event.currentTarget.close();
      }}
    >
      <div class="image-viewer-bar">
        <span class="image-viewer-title">
          <span class="image-viewer-name">{a.name}</span>
          <span class="image-viewer-meta">
            {a.width && a.height ? `${String(a.width)} × ${String(a.height)} · ` : ""}
            {humanSize(a.size)}
          </span>
        </span>
        <a class="button ghost small image-viewer-open" href={image.url} target="_blank" rel="noopener noreferrer">
          <ExternalIcon />
          Open
        </a>
        <button
          type="button"
          class="icon-button image-viewer-close"
          aria-label="Close"
          title="Close (Esc)"
          autofocus
          onClick={() => {
            dialog.current?.close();
          }}
        >
          <CloseIcon />
        </button>
      </div>
      <div
        class="image-viewer-stage"
        onClick={(event) => {
          if (event.target === event.currentTarget) dialog.current?.close();
        }}
      >
        <img src={image.url} alt={a.name} width={a.width} height={a.height} />
      </div>
    </dialog>
  );
}

// ------------------------------------------------------------ composing

/** The files picked for the next message, above the composer's text, each with its progress. */
export function DraftFiles({ draft }: { draft: AttachmentDraft }) {
  const list = useRef<HTMLUListElement>(null);
  const files = draft.files;
  const uploading = files.filter((f) => f.status === "uploading").length;
  const failed = files.filter((f) => f.status === "failed").length;
  const status =
    uploading > 0
      ? `Uploading ${String(uploading)} ${uploading === 1 ? "file" : "files"}…`
      : failed > 0
        ? `${String(failed)} ${failed === 1 ? "file" : "files"} not uploaded. Retry or remove ${failed === 1 ? "it" : "them"} to send.`
        : files.length > 0
          ? `${String(files.length)} ${files.length === 1 ? "file" : "files"} ready to send.`
          : "";

  function remove(f: DraftFile, index: number) {
    draft.remove(f.key);
    // Focus stays in the list, on the next file's remove button (or the previous), else goes to the text.
    requestAnimationFrame(() => {
      const buttons = list.current?.querySelectorAll<HTMLButtonElement>(".draft-remove");
      const next = buttons?.[Math.min(index, buttons.length - 1)];
      (next ?? document.getElementById("composer-text"))?.focus();
    });
  }

  return (
    <div class="composer-files" id="composer-files">
      {draft.refusals.length > 0 && (
        <div class="composer-refusals" role="alert">
          <AlertIcon class="composer-refusals-icon" />
          <ul>
            {draft.refusals.map((r, i) => (
              <li key={i}>
                <strong>{r.name}</strong> can’t be sent. {r.reason}
              </li>
            ))}
          </ul>
          <button
            type="button"
            class="icon-button composer-refusals-close"
            aria-label="Dismiss"
            onClick={() => {
              draft.dismissRefusals();
            }}
          >
            <CloseIcon />
          </button>
        </div>
      )}
      {files.length > 0 && (
        <ul ref={list} class="draft-files" aria-label="Files to send">
          {files.map((f, i) => (
            <DraftChip
              key={f.key}
              file={f}
              onRemove={() => {
                remove(f, i);
              }}
              onRetry={() => {
                void draft.retry(f.key);
              }}
            />
          ))}
        </ul>
      )}
      <span id="composer-files-status" class="visually-hidden" aria-live="polite">
        {status}
      </span>
    </div>
  );
}

function DraftChip({ file: f, onRemove, onRetry }: { file: DraftFile; onRemove: () => void; onRetry: () => void }) {
  const p = f.progress;
  const percent = !p || p.stage === "create" ? 0 : p.stage === "finalize" ? 100 : Math.round((p.loaded / Math.max(1, p.total)) * 100);
  const meta =
    f.status === "uploading"
      ? p?.stage === "finalize"
        ? "Checking…"
        : `Uploading… ${String(percent)}%`
      : f.status === "ready"
        ? humanSize(f.attachment?.size ?? f.size)
        : (f.error ?? "Not uploaded");
  return (
    <li class={`draft-file is-${f.status}`}>
      <span class="draft-thumb" aria-hidden="true">
        {f.previewUrl ? <img src={f.previewUrl} alt="" /> : <FileBadge contentType={f.contentType} name={f.name} />}
      </span>
      <span class="draft-text">
        <span class="draft-name">{f.name}</span>
        <span class="draft-meta">
          {f.status === "failed" && <AlertIcon class="draft-alert" />}
          {meta}
        </span>
        {f.status === "uploading" && <progress class="draft-progress" max={100} value={percent} aria-label={`Uploading ${f.name}`} />}
      </span>
      {f.status === "failed" && (
        <button type="button" class="icon-button draft-retry" aria-label={`Retry ${f.name}`} title="Retry" onClick={onRetry}>
          <RetryIcon />
        </button>
      )}
      <button type="button" class="icon-button draft-remove" aria-label={`Remove ${f.name}`} title="Remove" onClick={onRemove}>
        <CloseIcon />
      </button>
    </li>
  );
}
