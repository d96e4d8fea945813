import type { TargetedDragEvent, TargetedKeyboardEvent, TargetedSubmitEvent } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Api } from "../state/api";
import { MAX_EMOJI, formatBytes } from "../state/emoji";
import { normalizeShortcode, shortcodeFromFileName, shortcodeProblem } from "../state/shortcode";
import type { EmojiView } from "../state/types";
import {
  EMOJI_TYPES,
  type UploadProgress,
  apiTransport,
  emojiDimensionsProblem,
  emojiErrorMessage,
  emojiFileProblem,
  sniffImageType,
  uploadFile,
} from "../state/upload";
import { EmojiImg, useEmoji } from "./EmojiText";
import { CloseIcon, ImageIcon } from "./icons";

export interface EmojiManagerProps {
  api: Api;
  onClose: () => void;
}

interface Picked {
  file: File;
  /** What the bytes are (sniffed), which the upload declares. */
  type: string | null;
  previewUrl: string | null;
  width: number;
  height: number;
  /** An error code found before uploading. */
  problem: string | null;
}

/** A finished upload whose emoji could not be made yet (say the name was taken): retried without sending it again. */
interface Uploaded {
  file: File;
  uploadId: string;
}

export function EmojiManager({ api, onClose }: EmojiManagerProps) {
  const { library } = useEmoji();
  const dialog = useRef<HTMLDialogElement>(null);
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    dialog.current?.showModal();
    // Fresh links and the latest list each time it opens.
    void library.load(true).catch(() => undefined);
    void library.loadUsage().catch(() => undefined);
  }, [library]);

  const count = library.items.length;
  const usage = library.usage;
  return (
    <dialog
      ref={dialog}
      id="emoji-manager"
      class="emoji-manager"
      aria-labelledby="emoji-manager-title"
      onClose={onClose}
    >
      <header class="emoji-manager-header">
        <h2 id="emoji-manager-title">Your emoji</h2>
        <button
          type="button"
          class="icon-button"
          aria-label="Close the emoji manager"
          onClick={() => {
            dialog.current?.close();
          }}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="emoji-manager-body">
        <AddEmoji api={api} announce={setAnnouncement} />
        <section class="emoji-library" aria-labelledby="emoji-library-title">
          <div class="emoji-library-head">
            <h3 id="emoji-library-title" tabIndex={-1}>
              Library
            </h3>
            <span class="emoji-count">
              <span id="emoji-count" aria-hidden="true">
                {count}/{MAX_EMOJI}
              </span>
              <span class="visually-hidden">
                {count} of {MAX_EMOJI} emoji
              </span>
            </span>
          </div>
          <div class="emoji-usage">
            <span id="emoji-storage">
              {usage ? `${formatBytes(usage.bytesUsed)} of ${formatBytes(usage.quotaBytes)} storage used` : "Storage: …"}
            </span>
            <meter
              min={0}
              max={usage?.quotaBytes ?? 1}
              value={usage?.bytesUsed ?? 0}
              aria-label="Storage used"
              class="usage-meter"
            />
          </div>
          <EmojiList announce={setAnnouncement} />
        </section>
      </div>
      <p id="emoji-status" class="visually-hidden" role="status">
        {announcement}
      </p>
    </dialog>
  );
}

// ------------------------------------------------------------------ adding

/** The field shows the colons around the name, so typed ones are dropped. */
function withoutColons(value: string): string {
  return value.replace(/^:+|:+$/g, "");
}

function AddEmoji({ api, announce }: { api: Api; announce: (s: string) => void }) {
  const { library } = useEmoji();
  const transport = useMemo(() => apiTransport(api), [api]);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [name, setName] = useState("");
  const [nameEdited, setNameEdited] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState("");
  const [dragging, setDragging] = useState(false);
  const uploaded = useRef<Uploaded | null>(null);
  const abort = useRef<AbortController | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);

  // Previews are object URLs: free them, and any finished upload left unused.
  useEffect(() => {
    const url = picked?.previewUrl;
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [picked]);
  useEffect(
    () => () => {
      abort.current?.abort();
      discardUploaded();
    },
    [],
  );

  function discardUploaded() {
    const u = uploaded.current;
    uploaded.current = null;
    if (u) api.deleteUpload(u.uploadId).catch(() => undefined);
  }

  const normalized = normalizeShortcode(name);
  const nameProblem =
    shortcodeProblem(name) ?? (library.isTaken(normalized) ? `You already have :${normalized}:.` : null);
  const busy = progress !== null || saving;

  async function choose(file: File | undefined) {
    if (!file || busy) return;
    discardUploaded();
    setError("");
    const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
    const type = sniffImageType(head) ?? (file.type || null);
    const problem = emojiFileProblem(type, file.size);
    const previewUrl = type?.startsWith("image/") ? URL.createObjectURL(file) : null;
    const next: Picked = { file, type, previewUrl, width: 0, height: 0, problem };
    setPicked(next);
    if (problem) setError(emojiErrorMessage(problem));
    if (!nameEdited || !name) setName(library.freeName(shortcodeFromFileName(file.name)));
  }

  function previewLoaded(img: HTMLImageElement) {
    if (!picked || picked.width) return;
    const problem = picked.problem ?? emojiDimensionsProblem(img.naturalWidth, img.naturalHeight);
    setPicked({ ...picked, width: img.naturalWidth, height: img.naturalHeight, problem });
    if (problem) setError(emojiErrorMessage(problem));
  }

  function previewFailed() {
    if (!picked || picked.problem) return;
    setPicked({ ...picked, problem: "upload_type_not_allowed" });
    setError("That file is not an image this browser can show. Use PNG, GIF or WebP.");
  }

  async function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!picked || picked.problem || nameProblem || busy) return;
    setError("");
    const shortcode = normalized;
    try {
      let uploadId = uploaded.current?.file === picked.file ? uploaded.current.uploadId : null;
      if (!uploadId) {
        const controller = new AbortController();
        abort.current = controller;
        setProgress({ stage: "create", loaded: 0, total: picked.file.size });
        const view = await uploadFile(transport, {
          kind: "emoji",
          file: picked.file,
          contentType: picked.type ?? undefined,
          onProgress: setProgress,
          signal: controller.signal,
        });
        uploadId = view.upload_id;
        uploaded.current = { file: picked.file, uploadId };
      }
      setProgress(null);
      setSaving(true);
      await library.create(uploadId, shortcode);
      uploaded.current = null;
      setPicked(null);
      setName("");
      setNameEdited(false);
      if (fileInput.current) fileInput.current.value = "";
      announce(`Added :${shortcode}:.`);
      void library.loadUsage().catch(() => undefined);
    } catch (e) {
      setError(emojiErrorMessage(e));
      if (e instanceof Error && "code" in e && (e as { code?: string }).code === "shortcode_taken") nameInput.current?.focus();
    } finally {
      abort.current = null;
      setProgress(null);
      setSaving(false);
    }
  }

  function drop(event: TargetedDragEvent<HTMLElement>) {
    event.preventDefault();
    setDragging(false);
    void choose(event.dataTransfer?.files[0]);
  }

  const percent = progress ? (progress.stage === "create" ? 0 : Math.round((progress.loaded / Math.max(1, progress.total)) * 100)) : 0;
  const progressText = saving
    ? "Saving…"
    : progress?.stage === "create"
      ? "Preparing…"
      : progress?.stage === "put"
        ? `Uploading… ${percent}%`
        : progress?.stage === "finalize"
          ? "Checking the image…"
          : "";
  const full = library.full;

  return (
    <section class="emoji-add" aria-labelledby="emoji-add-title">
      <h3 id="emoji-add-title">Add an emoji</h3>
      <form id="emoji-form" class="emoji-form" onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <div
          class={`dropzone${dragging ? " dragging" : ""}${picked ? " has-file" : ""}`}
          onDragEnter={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragOver={(e) => {
            e.preventDefault();
            if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
          }}
          onDragLeave={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={drop}
        >
          <input
            ref={fileInput}
            id="emoji-file"
            class="visually-hidden"
            type="file"
            accept={EMOJI_TYPES.join(",")}
            disabled={busy || full}
            aria-describedby="emoji-file-hint"
            onChange={(e) => void choose(e.currentTarget.files?.[0])}
          />
          <label for="emoji-file" class="dropzone-label">
            {picked?.previewUrl ? (
              <img
                id="emoji-preview"
                class="emoji-preview"
                src={picked.previewUrl}
                alt="Preview of the chosen image"
                onLoad={(e) => {
                  previewLoaded(e.currentTarget);
                }}
                onError={previewFailed}
              />
            ) : (
              <ImageIcon class="dropzone-icon" />
            )}
            <span class="dropzone-text">
              {picked ? (
                <>
                  <strong class="dropzone-file">{picked.file.name}</strong>
                  <span>
                    {formatBytes(picked.file.size)}
                    {picked.width ? ` · ${picked.width}×${picked.height}` : ""} · <u>choose another</u>
                  </span>
                </>
              ) : (
                <>
                  <strong>Drop an image here</strong>
                  <span>
                    or <u>choose a file</u>
                  </span>
                </>
              )}
            </span>
          </label>
          <p id="emoji-file-hint" class="field-hint">
            PNG, GIF or WebP, up to 256 KB and 256×256 pixels.
          </p>
        </div>

        <div class="field">
          <label for="emoji-shortcode">Name</label>
          <div
            class={`shortcode-input${name && nameProblem ? " invalid" : ""}`}
            onClick={() => {
              nameInput.current?.focus();
            }}
          >
            <span aria-hidden="true">:</span>
            <input
              ref={nameInput}
              id="emoji-shortcode"
              name="shortcode"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              maxLength={40}
              placeholder="party_parrot"
              aria-invalid={Boolean(name && nameProblem)}
              aria-describedby="emoji-shortcode-hint"
              value={name}
              disabled={busy}
              onInput={(e) => {
                setName(withoutColons(e.currentTarget.value));
                setNameEdited(true);
              }}
            />
            <span aria-hidden="true">:</span>
          </div>
          <p id="emoji-shortcode-hint" class={name && nameProblem ? "field-error" : "field-hint"} aria-live="polite">
            {name && nameProblem ? nameProblem : "2–32 letters, digits or _. Type it between colons in a message."}
          </p>
        </div>

        {picked?.previewUrl && !picked.problem && (
          <div class="emoji-sample" aria-hidden="true">
            <span class="emoji-sample-bubble">
              Looks like{" "}
              <img class="emoji" src={picked.previewUrl} alt="" width={22} height={22} />{" "}
              in a message
            </span>
          </div>
        )}

        {busy && (
          <div class="upload-progress">
            <progress id="emoji-progress" max={100} value={saving ? 100 : percent} aria-label="Upload progress" />
            <span id="emoji-progress-text" class="upload-progress-text">
              {progressText}
            </span>
            {progress && progress.stage !== "finalize" && (
              <button
                type="button"
                class="button link small"
                onClick={() => {
                  abort.current?.abort();
                }}
              >
                Cancel
              </button>
            )}
          </div>
        )}

        <p id="emoji-error" class="form-error" role="alert">
          {full ? `You have ${MAX_EMOJI} emoji, the most a library holds. Delete one to add another.` : error}
        </p>
        <button
          type="submit"
          id="emoji-add"
          class="button primary"
          disabled={!picked || Boolean(picked.problem) || Boolean(nameProblem) || busy || full}
        >
          {busy ? "Adding…" : "Add emoji"}
        </button>
      </form>
    </section>
  );
}

// ---------------------------------------------------------------- the list

function EmojiList({ announce }: { announce: (s: string) => void }) {
  const { library } = useEmoji();
  if (library.items.length === 0) {
    return (
      <p class="emoji-library-empty">
        {library.status === "failed"
          ? "Your emoji could not be loaded."
          : library.status === "ready"
            ? "No emoji yet. Add one and use it by typing its :name: in a message."
            : "Loading…"}
      </p>
    );
  }
  return (
    <ul id="emoji-library" class="emoji-list">
      {library.items.map((e) => (
        <EmojiRow key={e.emoji_id} emoji={e} announce={announce} />
      ))}
    </ul>
  );
}

type RowMode = "view" | "rename" | "confirm-delete";

function EmojiRow({ emoji, announce }: { emoji: EmojiView; announce: (s: string) => void }) {
  const { library } = useEmoji();
  const [mode, setMode] = useState<RowMode>("view");
  const [draft, setDraft] = useState(emoji.shortcode);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const label = `:${emoji.shortcode}:`;

  useLayoutEffect(() => {
    if (mode === "rename") field.current?.select();
    if (mode === "confirm-delete") confirmButton.current?.focus();
  }, [mode]);

  function back() {
    setMode("view");
    setError("");
    // After the row re-renders with its buttons again.
    requestAnimationFrame(() => renameButton.current?.focus());
  }

  const normalized = normalizeShortcode(draft);
  const problem =
    shortcodeProblem(draft) ?? (library.isTaken(normalized, emoji.emoji_id) ? `You already have :${normalized}:.` : null);

  async function rename(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (problem || busy) return;
    if (normalized === emoji.shortcode) {
      back();
      return;
    }
    setBusy(true);
    try {
      await library.rename(emoji.emoji_id, normalized);
      announce(`Renamed ${label} to :${normalized}:.`);
      back();
    } catch (e) {
      setError(emojiErrorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    try {
      await library.remove(emoji.emoji_id);
      announce(`Deleted ${label}.`);
      document.getElementById("emoji-library-title")?.focus();
      void library.loadUsage().catch(() => undefined);
    } catch (e) {
      setError(emojiErrorMessage(e));
      setBusy(false);
    }
  }

  const escape = (event: TargetedKeyboardEvent<HTMLElement>) => {
    if (event.key !== "Escape") return;
    // Leave the row's mode, not the whole dialog.
    event.preventDefault();
    event.stopPropagation();
    setDraft(emoji.shortcode);
    back();
  };

  return (
    <li class={`emoji-row${mode !== "view" ? ` ${mode}` : ""}`} data-id={emoji.emoji_id} data-shortcode={emoji.shortcode}>
      <EmojiImg view={emoji} label={label} size={32} lazy={false} />
      {mode === "rename" ? (
        <form class="emoji-rename" onSubmit={(e) => void rename(e)} onKeyDown={escape}>
          <label for={`rename-${emoji.emoji_id}`} class="visually-hidden">
            New name for {label}
          </label>
          <div
            class={`shortcode-input small${problem ? " invalid" : ""}`}
            onClick={() => {
              field.current?.focus();
            }}
          >
            <span aria-hidden="true">:</span>
            <input
              ref={field}
              id={`rename-${emoji.emoji_id}`}
              name="shortcode"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              maxLength={40}
              aria-invalid={Boolean(problem)}
              aria-describedby={`rename-${emoji.emoji_id}-error`}
              value={draft}
              disabled={busy}
              onInput={(e) => {
                setDraft(withoutColons(e.currentTarget.value));
                setError("");
              }}
            />
            <span aria-hidden="true">:</span>
          </div>
          <div class="emoji-row-actions">
            <button type="submit" class="button primary small" disabled={Boolean(problem) || busy}>
              Save
            </button>
            <button
              type="button"
              class="button ghost small"
              onClick={() => {
                setDraft(emoji.shortcode);
                back();
              }}
            >
              Cancel
            </button>
          </div>
          <p id={`rename-${emoji.emoji_id}-error`} class="field-error emoji-row-error" aria-live="polite">
            {error || problem || ""}
          </p>
        </form>
      ) : mode === "confirm-delete" ? (
        <div class="emoji-confirm" role="group" aria-label={`Delete ${label}?`} onKeyDown={escape}>
          <p class="emoji-confirm-text">
            Delete <strong>{label}</strong>? Messages that used it will show its name as text.
          </p>
          <div class="emoji-row-actions">
            <button ref={confirmButton} type="button" class="button danger small" disabled={busy} onClick={() => void remove()}>
              Delete
            </button>
            <button type="button" class="button ghost small" disabled={busy} onClick={back}>
              Keep
            </button>
          </div>
          {error && <p class="field-error emoji-row-error">{error}</p>}
        </div>
      ) : (
        <>
          <span class="emoji-name">{label}</span>
          <div class="emoji-row-actions">
            <button
              ref={renameButton}
              type="button"
              class="button ghost small"
              aria-label={`Rename ${label}`}
              onClick={() => {
                setDraft(emoji.shortcode);
                setMode("rename");
              }}
            >
              Rename
            </button>
            <button
              type="button"
              class="button ghost small danger-text"
              aria-label={`Delete ${label}`}
              onClick={() => {
                setMode("confirm-delete");
              }}
            >
              Delete
            </button>
          </div>
        </>
      )}
    </li>
  );
}
