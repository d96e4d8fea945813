import type { ComponentChildren, TargetedFocusEvent, TargetedKeyboardEvent } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { BlockState, Chat } from "../state/chat";
import { otherMembers, retentionLabel, retentionShort } from "../state/format";
import type { ConversationState } from "../state/store";
import type { RetentionDays } from "../state/types";
import { BlockIcon, InfoIcon, LeaveIcon, MoreIcon, TimerIcon } from "./icons";

export const MENU_BUTTON_ID = "conversation-menu-button";
/** The sidebar's way to the room directory: focus goes there once a room is left. */
export const ROOMS_BUTTON_ID = "open-rooms";

interface ConversationMenuProps {
  chat: Chat;
  conversation: ConversationState;
  onDetails: () => void;
  /** The details dialog is likely next: load it ahead. */
  onPreload: () => void;
}

/**
 * The chat header's "⋯": the conversation's details (members, roles,
 * disappearing messages); in a direct chat, blocking the other person
 * (asked inline first) or unblocking them; in a room, leaving it (asked
 * inline first). Escape or leaving it closes it, with focus back on its button.
 */
export function ConversationMenu({ chat, conversation: c, onDetails, onPreload }: ConversationMenuProps) {
  const [mode, setMode] = useState<"closed" | "menu" | "confirm" | "confirm-leave">("closed");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  /** What takes focus once the next state shows. */
  const focusNext = useRef<string | null>(null);
  const other = c.kind === "direct" ? otherMembers(c, chat.me.user_id)[0] : undefined;
  const blocked = other ? chat.isBlocked(other.user_id) : false;
  const isRoom = c.kind === "room";

  // Another conversation: the menu of this one goes.
  useEffect(() => {
    setMode("closed");
    setError("");
  }, [c.conversation_id]);

  useLayoutEffect(() => {
    const selector = focusNext.current;
    if (selector === null) return;
    focusNext.current = null;
    (selector ? root.current?.querySelector<HTMLElement>(selector) : toggle.current)?.focus();
  });

  // A press anywhere else closes it.
  useEffect(() => {
    if (mode === "closed") return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) close(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [mode]);

  function close(refocus: boolean) {
    setMode("closed");
    setError("");
    if (refocus) focusNext.current = "";
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError("");
    try {
      await action();
      close(true);
    } catch {
      setError(blocked ? "Couldn’t unblock. Try again." : "Couldn’t block. Try again.");
    } finally {
      setBusy(false);
    }
  }

  async function leave() {
    setBusy(true);
    setError("");
    try {
      await chat.leaveRoom(c.conversation_id);
      // This menu goes with the room: focus goes to where rooms are found again, once the list shows (phones).
      setTimeout(() => {
        document.getElementById(ROOMS_BUTTON_ID)?.focus();
      }, 0);
    } catch {
      setError("Couldn’t leave the room. Try again.");
      setBusy(false);
    }
  }

  const handle = other ? `@${other.handle}` : "";
  return (
    <div
      class="conversation-menu-wrap"
      ref={root}
      onKeyDown={(event: TargetedKeyboardEvent<HTMLDivElement>) => {
        if (event.key === "Escape" && mode !== "closed") {
          event.preventDefault();
          event.stopPropagation();
          close(true);
        }
      }}
      onFocusOut={(event: TargetedFocusEvent<HTMLDivElement>) => {
        if (mode === "closed") return;
        const wrap = event.currentTarget;
        // Checked once things settle: the menu turning into its question keeps focus inside.
        setTimeout(() => {
          if (!wrap.contains(document.activeElement) && document.activeElement !== document.body) close(false);
        }, 0);
      }}
    >
      <button
        type="button"
        ref={toggle}
        id={MENU_BUTTON_ID}
        class="icon-button chat-header-button"
        aria-label="Conversation options"
        title="Conversation options"
        aria-expanded={mode !== "closed"}
        aria-controls={mode !== "closed" ? "conversation-menu" : undefined}
        onPointerEnter={onPreload}
        onFocus={onPreload}
        onClick={() => {
          if (mode !== "closed") {
            close(false);
            return;
          }
          setMode("menu");
          focusNext.current = "[data-action=details]";
        }}
      >
        <MoreIcon />
      </button>
      {mode === "menu" && (
        <div id="conversation-menu" class="header-menu" role="group" aria-label="Conversation options">
          <button
            type="button"
            class="message-menu-item"
            data-action="details"
            aria-haspopup="dialog"
            onClick={() => {
              close(true);
              onDetails();
            }}
          >
            <InfoIcon />
            {c.kind === "group" ? "Members and settings" : isRoom ? "Room details and settings" : "Details and settings"}
          </button>
          {isRoom && (
            <button
              type="button"
              class="message-menu-item danger"
              data-action="leave"
              onClick={() => {
                setMode("confirm-leave");
                focusNext.current = "[data-action=confirm-leave]";
              }}
            >
              <LeaveIcon />
              Leave room
            </button>
          )}
          {other &&
            (blocked ? (
              <button
                type="button"
                class="message-menu-item"
                data-action="unblock"
                disabled={busy}
                onClick={() => {
                  void run(() => chat.unblock(other.user_id));
                }}
              >
                <BlockIcon />
                {busy ? "Unblocking…" : `Unblock ${handle}`}
              </button>
            ) : (
              <button
                type="button"
                class="message-menu-item danger"
                data-action="block"
                onClick={() => {
                  setMode("confirm");
                  focusNext.current = "[data-action=confirm-block]";
                }}
              >
                <BlockIcon />
                Block {handle}
              </button>
            ))}
          {error && (
            <p class="field-error header-menu-error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
      {mode === "confirm-leave" && isRoom && (
        <ConfirmPanel
          label="Leave this room?"
          action="leave"
          verb="Leave"
          busyVerb="Leaving…"
          busy={busy}
          error={error}
          onConfirm={() => {
            void leave();
          }}
          onCancel={() => {
            close(true);
          }}
        >
          Leave <strong>{c.title ?? "this room"}</strong>? It goes from your conversations. You can join again from Rooms.
        </ConfirmPanel>
      )}
      {mode === "confirm" && other && (
        <ConfirmPanel
          label={`Block ${handle}?`}
          action="block"
          verb="Block"
          busyVerb="Blocking…"
          busy={busy}
          error={error}
          onConfirm={() => {
            void run(() => chat.block(other));
          }}
          onCancel={() => {
            close(true);
          }}
        >
          Block <strong>{handle}</strong>? Neither of you can send messages here, and their messages in groups are hidden from you.
          You can unblock them later.
        </ConfirmPanel>
      )}
    </div>
  );
}

/** In the header while messages disappear: a timer and the time ("7d"), opening the setting. */
export function RetentionChip({ days, onOpen, onPreload }: { days: RetentionDays; onOpen: () => void; onPreload: () => void }) {
  const label = `Messages disappear after ${retentionLabel(days)}`;
  return (
    <button
      type="button"
      id="retention-chip"
      class="retention-chip"
      title={label}
      aria-label={`${label}. Change`}
      aria-haspopup="dialog"
      onClick={onOpen}
      onPointerEnter={onPreload}
      onFocus={onPreload}
    >
      <TimerIcon />
      {retentionShort(days)}
    </button>
  );
}

/**
 * In place of the composer in a direct chat nobody can write in: I block the
 * other person (unblock here), or my send was refused because one of us
 * blocks the other (try again, should they have unblocked me).
 */
export function BlockNotice({ chat, conversation: c, state }: { chat: Chat; conversation: ConversationState; state: BlockState }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const handle = `@${state.other.handle}`;
  return (
    <div id="block-notice" class="block-notice" role="status">
      <BlockIcon class="block-notice-icon" />
      <div class="block-notice-text">
        <p class="block-notice-title">{state.kind === "blocked" ? `You blocked ${handle}` : `You can’t message ${handle}`}</p>
        <p class="block-notice-hint">
          {state.kind === "blocked"
            ? "Neither of you can send messages here until you unblock them."
            : "One of you has blocked the other, so messages here aren’t delivered."}
        </p>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {state.kind === "blocked" ? (
        <button
          type="button"
          id="block-notice-unblock"
          class="button secondary small"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            setError("");
            chat.unblock(state.other.user_id).then(
              () => {
                setBusy(false);
              },
              () => {
                setBusy(false);
                setError("Couldn’t unblock. Try again.");
              },
            );
          }}
        >
          {busy ? "Unblocking…" : "Unblock"}
        </button>
      ) : (
        <button
          type="button"
          id="block-notice-retry"
          class="button secondary small"
          onClick={() => {
            chat.tryAgain(c.conversation_id);
          }}
        >
          Try again
        </button>
      )}
    </div>
  );
}

/** A question in place of the menu, with a danger button and Cancel. */
function ConfirmPanel(props: {
  label: string;
  /** `confirm-<action>` and `cancel-<action>` name the buttons. */
  action: string;
  verb: string;
  busyVerb: string;
  busy: boolean;
  error: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  return (
    <div id="conversation-menu" class="header-menu header-confirm" role="group" aria-label={props.label}>
      <p>{props.children}</p>
      <div class="message-confirm-actions">
        <button
          type="button"
          class="button danger small"
          data-action={`confirm-${props.action}`}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.busy ? props.busyVerb : props.verb}
        </button>
        <button type="button" class="button ghost small" data-action={`cancel-${props.action}`} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      {props.error && (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}
