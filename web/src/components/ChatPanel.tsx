import type { ComponentType, TargetedDragEvent } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Chat } from "../state/chat";
import type { Matcher } from "../state/matching";
import { memberName, subtitleOf, titleOf } from "../state/format";
import { backgroundTone, themeVars } from "../state/themeStyle";
import type { MarketTheme, Message } from "../state/types";
import { ConversationAvatar, RoomBadge } from "./Avatar";
import { Composer } from "./Composer";
import type { ConversationDetailsProps } from "./ConversationDetails";
import { BlockNotice, ConversationMenu, RetentionChip } from "./ConversationMenu";
import { BackIcon, ClockIcon, CloseIcon, LogoMark, PaletteIcon, PaperclipIcon } from "./icons";
import { lazyComponent } from "./lazy";
import { MessageList } from "./MessageList";
import { MatchNotice } from "./RandomChat";
import { ThemeBackground } from "./ThemeBackground";
import { useThemes } from "./themeKit";

/**
 * The chat panel is a positioned box: `.chat-bg` fills it behind everything
 * (layers for themes and parallax go there), and the header, the scrolling
 * message list and the composer sit above it. Colours come from the custom
 * properties set on `.chat`, so a theme only has to override those.
 */
/** The details dialog is a separate chunk, loaded when the header's menu first opens. */
const loadDetails = lazyComponent(() => import("./ConversationDetails").then((m) => m.ConversationDetails));

function preloadDetails() {
  void loadDetails().catch(() => undefined);
}

/** Whether a drag carries files (not text or a link). */
function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes("Files") ?? false;
}

export function ChatPanel({ chat, matcher }: { chat: Chat; matcher: Matcher }) {
  const scroller = useRef<HTMLDivElement>(null);
  const drafts = useRef(new Map<string, string>());
  const { looks, openThemes, preloadThemes } = useThemes();
  const c = chat.active ? chat.store.get(chat.active) : undefined;
  const look = looks.effective(c?.conversation_id ?? null);
  const theme = look.theme;
  // Scrollbars and form controls follow the theme's background, not the system's scheme.
  const vars = useMemo(() => (theme ? { ...themeVars(theme), colorScheme: backgroundTone(theme.background) } : {}), [theme]);
  const myId = chat.me.user_id;
  const title = c ? titleOf(c, myId) : "";
  const blockState = c ? chat.blockState(c) : null;
  const sendWait = chat.sendWait();

  /** The details dialog, and whether it was opened for the disappearing messages setting. */
  const [details, setDetails] = useState<{ conversation_id: string; focusRetention: boolean } | null>(null);
  const [Details, setDetailsView] = useState<ComponentType<ConversationDetailsProps> | null>(null);
  const detailsOpen = c && details?.conversation_id === c.conversation_id ? details : null;
  // Another conversation on screen (a match can open one): the details of the last one are done with.
  useEffect(() => {
    if (details && !detailsOpen) setDetails(null);
  }, [details, detailsOpen]);
  function openDetails(conversationId: string, focusRetention: boolean) {
    loadDetails().then(
      (component) => {
        setDetailsView(() => component);
        setDetails({ conversation_id: conversationId, focusRetention });
      },
      (e: unknown) => {
        console.warn("chitter: could not load the conversation details", e);
      },
    );
  }

  // Editing one of my messages in the composer; it ends with the conversation, or if the message goes.
  const [editing, setEditing] = useState<{ conversation_id: string; seq: number; text: string } | null>(null);
  /** The composer takes focus on any screen once edit mode starts or ends (it was asked for). */
  const [focusComposer, setFocusComposer] = useState<string | null>(null);
  const editTarget = c && editing?.conversation_id === c.conversation_id ? chat.store.message(c.conversation_id, editing.seq) : undefined;
  const activeEdit = editing && editTarget && chat.canEdit(editTarget) ? editing : null;
  useEffect(() => {
    if (editing && !activeEdit) setEditing(null);
  }, [editing, activeEdit]);

  function startEdit(m: Message) {
    if (!c) return;
    setEditing({ conversation_id: c.conversation_id, seq: m.seq, text: chat.shownText(c.conversation_id, m) });
    setFocusComposer(c.conversation_id);
  }

  function stopEdit() {
    setEditing(null);
    setFocusComposer(c?.conversation_id ?? null);
  }

  // Files dropped anywhere on the conversation are attached to the next message (not while editing).
  const [dropping, setDropping] = useState(false);
  /** Enters minus leaves: a drag moving between the panel's children is still over it. */
  const dragDepth = useRef(0);
  const canDrop = c !== undefined && !activeEdit && !blockState;
  const dropHandlers = canDrop
    ? {
        onDragEnter: (event: TargetedDragEvent<HTMLDivElement>) => {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          dragDepth.current += 1;
          setDropping(true);
        },
        onDragOver: (event: TargetedDragEvent<HTMLDivElement>) => {
          if (!carriesFiles(event)) return;
          event.preventDefault();
          if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
          if (!dropping) setDropping(true);
        },
        onDragLeave: (event: TargetedDragEvent<HTMLDivElement>) => {
          if (!carriesFiles(event)) return;
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (dragDepth.current === 0) setDropping(false);
        },
        onDrop: (event: TargetedDragEvent<HTMLDivElement>) => {
          dragDepth.current = 0;
          setDropping(false);
          const files = [...(event.dataTransfer?.files ?? [])];
          if (!files.length) return;
          event.preventDefault();
          void chat.draft(c.conversation_id).add(files);
        },
      }
    : {};
  useEffect(() => {
    if (canDrop) return;
    dragDepth.current = 0;
    setDropping(false);
  }, [canDrop]);

  const typers = c ? chat.typingIn(c.conversation_id).map((u) => memberName(c, u, chat.profiles)) : [];
  const typingText =
    typers.length === 0
      ? ""
      : typers.length === 1
        ? `${typers[0] ?? ""} is typing…`
        : `${typers.join(", ")} are typing…`;

  return (
    <section
      class="chat"
      aria-label={c ? (c.kind === "room" ? `Room ${title}` : `Conversation with ${title}`) : "Conversation"}
      style={vars}
      data-theme={look.source}
      data-theme-id={theme?.theme_id}
    >
      <div class="chat-bg" aria-hidden="true">
        <ThemeBackground
          spec={theme}
          images={theme?.images ?? {}}
          scroller={scroller}
          scrollerKey={c?.conversation_id ?? ""}
          onImageError={() => {
            if (c) looks.imageFailed(c.conversation_id);
          }}
        />
      </div>
      <div class="chat-content" {...dropHandlers}>
        {look.source === "preview" && theme && <PreviewBar theme={theme} />}
        {c ? (
          <>
            <header class="chat-header">
              <button
                type="button"
                class="icon-button back-button"
                aria-label="Back to conversations"
                onClick={() => {
                  chat.close();
                }}
              >
                <BackIcon />
              </button>
              <ConversationAvatar c={c} myId={myId} title={title} />
              <div class="chat-header-text">
                <div class="chat-title-row">
                  <h2 id="chat-header" class="chat-title">
                    {title}
                  </h2>
                  {c.kind === "room" && <RoomBadge />}
                  {c.retention_days !== undefined && (
                    <RetentionChip
                      days={c.retention_days}
                      onOpen={() => {
                        openDetails(c.conversation_id, true);
                      }}
                      onPreload={preloadDetails}
                    />
                  )}
                </div>
                <p class="chat-subtitle">
                  <span id="chat-members">{subtitleOf(c, myId)}</span>
                  <span aria-hidden="true"> · </span>
                  <span class={`online-dot${c.online > 1 ? " on" : ""}`} aria-hidden="true" />
                  <span id="chat-online">{c.online.toLocaleString()} online</span>
                </p>
              </div>
              <button
                type="button"
                id="chat-theme-button"
                class="icon-button chat-theme-button"
                aria-label="Themes for this conversation"
                title="Themes"
                aria-haspopup="dialog"
                onClick={() => {
                  openThemes("library");
                }}
                onPointerEnter={preloadThemes}
                onFocus={preloadThemes}
              >
                <PaletteIcon />
              </button>
              <ConversationMenu
                chat={chat}
                conversation={c}
                onDetails={() => {
                  openDetails(c.conversation_id, false);
                }}
                onPreload={preloadDetails}
              />
            </header>
            <MatchNotice matcher={matcher} conversationId={c.conversation_id} />
            <MessageList chat={chat} conversation={c} scroller={scroller} onEdit={startEdit} editingSeq={activeEdit?.seq} />
            <p id="typing" class={`typing${typingText ? " is-active" : ""}`} aria-live="polite">
              {typingText && (
                <>
                  <span class="typing-dots" aria-hidden="true">
                    <span />
                    <span />
                    <span />
                  </span>
                  {typingText}
                </>
              )}
            </p>
            <SendWaitNotice wait={sendWait} />
            {blockState ? (
              <BlockNotice chat={chat} conversation={c} state={blockState} />
            ) : (
              <Composer
                // A fresh composer for an edit, and again after it (with the draft kept meanwhile).
                key={`${c.conversation_id}:${activeEdit ? `edit-${activeEdit.seq}` : "new"}`}
                initial={activeEdit ? activeEdit.text : (drafts.current.get(c.conversation_id) ?? "")}
                themeEmoji={theme?.emoji}
                editing={activeEdit !== null}
                autoFocus={focusComposer === c.conversation_id}
                draft={activeEdit ? null : chat.draft(c.conversation_id)}
                onCancelEdit={stopEdit}
                onEditLast={() => {
                  const m = chat.lastEditable(c.conversation_id);
                  if (m) startEdit(m);
                  return m !== undefined;
                }}
                onDraft={(text) => {
                  if (!activeEdit) drafts.current.set(c.conversation_id, text);
                }}
                onTyping={() => {
                  if (!activeEdit) chat.notifyTyping();
                }}
                onSend={(text) => {
                  if (activeEdit) {
                    // Unchanged text just ends the edit.
                    chat.editMessage(c.conversation_id, activeEdit.seq, text);
                    stopEdit();
                    return true;
                  }
                  // The files picked go with it (the chat takes them from the draft).
                  const sent = chat.sendMessage(text);
                  if (sent) {
                    drafts.current.delete(c.conversation_id);
                    // Bottom of a column-reverse scroller.
                    if (scroller.current) scroller.current.scrollTop = 0;
                  }
                  return sent;
                }}
              />
            )}
            {detailsOpen && Details && (
              <Details
                chat={chat}
                conversation={c}
                focusRetention={detailsOpen.focusRetention}
                onClose={() => {
                  setDetails(null);
                }}
              />
            )}
            {dropping && (
              <div class="drop-overlay" aria-hidden="true">
                <div class="drop-overlay-card">
                  <PaperclipIcon />
                  Drop files to attach them
                </div>
              </div>
            )}
          </>
        ) : look.source === "preview" ? (
          <SampleMessages />
        ) : (
          <div class="chat-empty">
            <div class="chat-empty-card">
              <LogoMark class="logo" />
              <h2 id="chat-header">Pick a conversation</h2>
              <p>Choose one from the list, or start a new one with someone’s handle.</p>
            </div>
          </div>
        )}
      </div>
    </section>
  );
}

/** Over the chat while a market theme is tried on: copy it, go back, or stop. */
function PreviewBar({ theme }: { theme: MarketTheme }) {
  const { looks, library, openThemes } = useThemes();
  const [state, setState] = useState<"idle" | "copying" | "copied" | "failed">("idle");
  const mine = library.copyOf(theme.theme_id) ?? (theme.owner === library.me ? theme : undefined);
  const done = state === "copied" || Boolean(mine);
  return (
    <div id="theme-preview-bar" class="theme-preview-bar" role="region" aria-label="Theme preview">
      <p class="theme-preview-text">
        <span class="theme-preview-label">Previewing</span> <strong class="theme-preview-name">{theme.name}</strong>
        {theme.owner_handle && <span class="theme-preview-owner"> by @{theme.owner_handle}</span>}
      </p>
      <div class="theme-preview-actions">
        <button
          type="button"
          id="preview-copy"
          class="button primary small"
          disabled={done || state === "copying"}
          onClick={() => {
            setState("copying");
            library.copy(theme.theme_id).then(
              () => {
                setState("copied");
              },
              () => {
                setState("failed");
              },
            );
          }}
        >
          {done ? "In your themes ✓" : state === "copying" ? "Copying…" : "Copy to my themes"}
        </button>
        <button
          type="button"
          class="button ghost small"
          onClick={() => {
            openThemes("market");
          }}
        >
          Back to market
        </button>
        <button
          type="button"
          id="preview-end"
          class="icon-button preview-end"
          aria-label="End preview"
          title="End preview"
          onClick={() => {
            looks.setPreview(null);
          }}
        >
          <CloseIcon />
        </button>
      </div>
      {state === "failed" && (
        <p class="field-error" role="alert">
          The theme could not be copied. Try again.
        </p>
      )}
    </div>
  );
}

/** A few made-up messages, to try a theme on before any conversation is open. */
function SampleMessages() {
  return (
    <div class="messages-scroller sample-messages" aria-label="Sample messages" role="region" tabIndex={0}>
      <ol class="messages">
        {SAMPLE.map(([mine, text], i) => (
          <li key={i} class={`message ${mine ? "mine" : "theirs"} first last`}>
            <div class="bubble">
              <p class="text">{text}</p>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

const SAMPLE: [boolean, string][] = [
  [false, "Did you see the new theme?"],
  [true, "Trying it on right now"],
  [false, "The layers move when you scroll 👀"],
  [true, "Copying it"],
];

/**
 * Sends held back by the server's rate limit: a quiet note by the composer.
 * Always there (empty otherwise) so the live region is known before it speaks.
 */
function SendWaitNotice({ wait }: { wait: number | null }) {
  return (
    <p id="send-wait" class={`send-wait${wait !== null ? " is-active" : ""}`} role="status" aria-live="polite">
      {wait !== null && (
        <>
          <ClockIcon class="send-wait-icon" />
          {`Sending too fast — trying again in ${String(wait)} s`}
        </>
      )}
    </p>
  );
}
