import type { ComponentType, TargetedEvent, TargetedKeyboardEvent, TargetedSubmitEvent } from "preact";
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AttachmentDraft } from "../state/attachmentDraft";
import { ATTACHMENT_TYPES } from "../state/attachments";
import { type Edit, insertShortcode, shortcodeQueryAt } from "../state/shortcode";
import type { EmojiView } from "../state/types";
import { DraftFiles } from "./Attachments";
import { EmojiImg, useEmoji } from "./EmojiText";
import type { EmojiPickerProps } from "./EmojiPicker";
import { CheckIcon, CloseIcon, PaperclipIcon, PencilIcon, SendIcon, SmileIcon } from "./icons";
import { lazyComponent } from "./lazy";

interface ComposerProps {
  initial: string;
  /** The emoji set of the theme the conversation shows, offered in the picker. */
  themeEmoji?: readonly string[] | undefined;
  onDraft: (text: string) => void;
  onTyping: () => void;
  /** Sends the text, or, while editing, saves it as the message's new text. */
  onSend: (text: string) => boolean;
  /** Editing one of my messages: the text is its text, Enter saves, Escape cancels. */
  editing?: boolean;
  onCancelEdit?: () => void;
  /** ArrowUp in an empty composer: edit my newest message. True when there was one. */
  onEditLast?: () => boolean;
  /** Take focus when shown, on any screen (editing was asked for). */
  autoFocus?: boolean;
  /** The files picked for the next message; none while editing (an edit changes only text). */
  draft?: AttachmentDraft | null;
}

const MAX_LENGTH = 4000;
/** Opened by a press, so it loads then (or on hover, ahead of it). */
const loadPicker = lazyComponent(() => import("./EmojiPicker").then((m) => m.EmojiPicker));
const SUGGESTIONS = 8;
/** What the file picker offers: the types a message may carry (and extensions some systems need). */
const ACCEPT = [...ATTACHMENT_TYPES, ".txt", ".zip", ".mp3", ".ogg"].join(",");

function preloadPicker() {
  void loadPicker().catch(() => undefined);
}

export function Composer({
  initial,
  themeEmoji,
  onDraft,
  onTyping,
  onSend,
  editing = false,
  onCancelEdit,
  onEditLast,
  autoFocus = false,
  draft = null,
}: ComposerProps) {
  const { library } = useEmoji();
  const [text, setText] = useState(initial);
  /** Where the caret is; -1 while a range is selected (no autocomplete then). */
  const [caret, setCaret] = useState(initial.length);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [Picker, setPicker] = useState<ComponentType<EmojiPickerProps> | null>(null);
  const [active, setActive] = useState(0);
  /** The colon of a suggestion list closed with Escape: it stays closed for that word. */
  const [dismissed, setDismissed] = useState<number | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const pickerButton = useRef<HTMLButtonElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  /** The last selection in the text, where the picker inserts (focus is in the picker then). */
  const selection = useRef({ start: initial.length, end: initial.length });
  /** Caret to set once an insertion has rendered. */
  const pendingCaret = useRef<number | null>(null);

  // Before paint: a composer that replaces another (an edit starting or ending) has focus at once.
  useLayoutEffect(() => {
    // Keyboard and pointer users on wide screens land in the composer; on
    // phones focusing would pop the keyboard over the conversation, unless
    // they asked for it (editing a message).
    const el = input.current;
    if (!el || !(autoFocus || window.matchMedia("(min-width: 721px)").matches)) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    const el = input.current;
    if (at === null || !el) return;
    pendingCaret.current = null;
    el.focus();
    el.setSelectionRange(at, at);
  });

  const query = caret >= 0 ? shortcodeQueryAt(text, caret) : null;
  const suggestions = query && query.start !== dismissed ? library.search(query.query, SUGGESTIONS) : [];
  const suggesting = suggestions.length > 0;
  const activeIndex = Math.min(active, suggestions.length - 1);

  function trackSelection(el: HTMLTextAreaElement) {
    selection.current = { start: el.selectionStart, end: el.selectionEnd };
    const at = el.selectionStart === el.selectionEnd ? el.selectionEnd : -1;
    setCaret(at);
    if (dismissed !== null && shortcodeQueryAt(el.value, at)?.start !== dismissed) setDismissed(null);
  }

  function apply(edit: Edit) {
    setText(edit.text);
    onDraft(edit.text);
    setCaret(edit.caret);
    setActive(0);
    selection.current = { start: edit.caret, end: edit.caret };
    pendingCaret.current = edit.caret;
  }

  function accept(emoji: EmojiView) {
    if (query) apply(insertShortcode(text, query.start, caret, emoji.shortcode));
  }

  const closePicker = useCallback((restoreFocus: boolean) => {
    setPickerOpen(false);
    if (restoreFocus) input.current?.focus();
  }, []);

  function pick(emoji: EmojiView) {
    const { start, end } = selection.current;
    setPickerOpen(false);
    apply(insertShortcode(text, start, end, emoji.shortcode));
  }

  const files = draft && !editing ? draft : null;
  const hasFiles = files !== null && !files.isEmpty;
  /** Files still uploading (or failed) hold the message back; files alone need no words. */
  const canSend = editing ? Boolean(text.trim()) : (Boolean(text.trim()) || hasFiles) && (files?.settled ?? true);

  function addFiles(list: File[]) {
    if (files && list.length) void files.add(list);
  }

  function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!canSend) return;
    if (onSend(text)) {
      setText("");
      setCaret(0);
      selection.current = { start: 0, end: 0 };
      onDraft("");
    }
  }

  function keyDown(event: TargetedKeyboardEvent<HTMLTextAreaElement>) {
    if (event.isComposing) return;
    if (suggesting) {
      const n = suggestions.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive((activeIndex + (event.key === "ArrowDown" ? 1 : n - 1)) % n);
        return;
      }
      if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        const chosen = suggestions[activeIndex];
        if (chosen) {
          event.preventDefault();
          accept(chosen);
          return;
        }
      }
      if (event.key === "Escape" && query) {
        event.preventDefault();
        setDismissed(query.start);
        return;
      }
    }
    if (editing && event.key === "Escape") {
      event.preventDefault();
      onCancelEdit?.();
      return;
    }
    const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
    if (!editing && event.key === "ArrowUp" && plain && text === "" && onEditLast?.()) {
      event.preventDefault();
      return;
    }
    // Enter sends, Shift+Enter is a new line; never mid-composition (IME).
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      event.currentTarget.form?.requestSubmit();
    }
  }

  const onSelectionEvent = (event: TargetedEvent<HTMLTextAreaElement>) => {
    trackSelection(event.currentTarget);
  };

  const remaining = MAX_LENGTH - text.length;
  const suggestId = "emoji-suggest";
  return (
    <form id="composer" class={`composer${editing ? " is-editing" : ""}`} onSubmit={submit}>
      {editing && (
        <div class="composer-edit-bar" id="composer-edit-bar">
          <PencilIcon />
          <span class="composer-edit-label">
            Editing message<span aria-hidden="true"> · </span>
            <span class="composer-edit-hint">Esc to cancel</span>
          </span>
          <button
            type="button"
            class="icon-button composer-edit-cancel"
            aria-label="Cancel editing"
            title="Cancel editing"
            onClick={() => {
              onCancelEdit?.();
            }}
          >
            <CloseIcon />
          </button>
        </div>
      )}
      {suggesting && (
        <ul id={suggestId} class="emoji-suggest" role="listbox" aria-label="Emoji suggestions">
          {suggestions.map((e, i) => (
            <li
              key={e.emoji_id}
              id={`${suggestId}-${i}`}
              role="option"
              aria-selected={i === activeIndex}
              class={`emoji-suggestion${i === activeIndex ? " active" : ""}`}
              // Keep focus (and the caret) in the text while choosing with the pointer.
              onPointerDown={(ev) => {
                ev.preventDefault();
              }}
              onClick={() => {
                accept(e);
              }}
            >
              <EmojiImg view={e} label="" size={22} lazy={false} />
              <span class="emoji-suggestion-name">:{e.shortcode}:</span>
            </li>
          ))}
        </ul>
      )}
      {pickerOpen && Picker && <Picker onPick={pick} onClose={closePicker} toggle={pickerButton} themeEmoji={themeEmoji} />}
      {files && (hasFiles || files.refusals.length > 0) && <DraftFiles draft={files} />}
      {files && (
        <>
          <button
            type="button"
            id="attach-button"
            class="attach-button"
            aria-label="Attach files"
            title="Attach files (or paste, or drop them here)"
            aria-controls={hasFiles ? "composer-files" : undefined}
            onClick={() => {
              fileInput.current?.click();
            }}
          >
            <PaperclipIcon />
          </button>
          <input
            ref={fileInput}
            id="composer-file-input"
            type="file"
            multiple
            accept={ACCEPT}
            hidden
            tabIndex={-1}
            onChange={(event) => {
              const input = event.currentTarget;
              const picked = [...(input.files ?? [])];
              // The same file can be picked again.
              input.value = "";
              addFiles(picked);
            }}
          />
        </>
      )}
      <button
        type="button"
        ref={pickerButton}
        class="emoji-button"
        aria-label="Insert emoji"
        aria-haspopup="dialog"
        aria-expanded={pickerOpen}
        aria-controls={pickerOpen ? "emoji-picker" : undefined}
        onClick={() => {
          if (pickerOpen) {
            setPickerOpen(false);
            return;
          }
          void loadPicker()
            .then((component) => {
              setPicker(() => component);
              setPickerOpen(true);
            })
            .catch((e: unknown) => {
              console.warn("chitter: could not load the emoji picker", e);
            });
        }}
        onPointerEnter={preloadPicker}
        onFocus={preloadPicker}
      >
        <SmileIcon />
      </button>
      <label for="composer-text" class="visually-hidden">
        {editing ? "Edit message" : "Message"}
      </label>
      <textarea
        id="composer-text"
        ref={input}
        name="text"
        rows={1}
        maxLength={MAX_LENGTH}
        placeholder={editing ? "Edit message" : "Message"}
        enterkeyhint={editing ? "done" : "send"}
        aria-describedby={editing ? "composer-edit-bar composer-hint" : "composer-hint"}
        aria-autocomplete="list"
        aria-controls={suggesting ? suggestId : undefined}
        aria-activedescendant={suggesting ? `${suggestId}-${activeIndex}` : undefined}
        value={text}
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          setActive(0);
          trackSelection(event.currentTarget);
          onDraft(value);
          onTyping();
        }}
        onKeyDown={keyDown}
        onPaste={(event) => {
          // Pasted files (a screenshot, files copied in a file manager) are attached; text pastes as text.
          const pasted = [...(event.clipboardData?.files ?? [])];
          if (!files || !pasted.length) return;
          event.preventDefault();
          addFiles(pasted);
        }}
        onKeyUp={(event) => {
          // Caret moves by arrow, Home, End; not the keys the suggestions use.
          if (!(suggesting && ["ArrowUp", "ArrowDown", "Enter", "Tab", "Escape"].includes(event.key))) {
            trackSelection(event.currentTarget);
          }
        }}
        onClick={onSelectionEvent}
        onSelect={onSelectionEvent}
      />
      <span id="composer-hint" class="visually-hidden">
        {editing
          ? "Enter saves, Escape cancels, Shift+Enter starts a new line."
          : "Enter sends, Shift+Enter starts a new line, Up arrow edits your last message. Type a colon and a name for your emoji. Paste or drop files to attach them."}
      </span>
      <span class="visually-hidden" aria-live="polite">
        {suggesting ? `${suggestions.length} emoji ${suggestions.length === 1 ? "suggestion" : "suggestions"}` : ""}
      </span>
      {remaining < 200 && (
        <span class="composer-count" aria-live="polite">
          {remaining}
        </span>
      )}
      <button
        type="submit"
        class="send-button"
        aria-label={editing ? "Save edit" : "Send"}
        title={!editing && hasFiles && !files.settled ? (files.uploading ? "Waiting for the files to upload" : "Retry or remove the files that failed") : undefined}
        disabled={!canSend}
      >
        {editing ? <CheckIcon /> : <SendIcon />}
      </button>
    </form>
  );
}
