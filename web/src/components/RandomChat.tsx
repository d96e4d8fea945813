import { useLayoutEffect, useRef } from "preact/hooks";
import type { Chat } from "../state/chat";
import { clockTime } from "../state/format";
import type { Matcher } from "../state/matching";
import { Avatar } from "./Avatar";
import { CloseIcon, MeetIcon } from "./icons";

interface RandomChatProps {
  chat: Chat;
  matcher: Matcher;
}

/**
 * The sidebar's way to meet someone: one button to ask; while waiting, a
 * calm card with Cancel; once matched, who with and "Find someone new".
 * Focus follows the action that was taken, so a keyboard user is never lost.
 */
export function RandomChat({ chat, matcher }: RandomChatProps) {
  const state = matcher.state;
  const busy = matcher.busy;
  /** The control to focus once the next state shows (the person acted here). */
  const focusNext = useRef<string | null>(null);
  const root = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const selector = focusNext.current;
    if (!selector || busy) return;
    focusNext.current = null;
    root.current?.querySelector<HTMLElement>(selector)?.focus();
  }, [state.status, busy]);

  function act(action: "start" | "cancel" | "next", then: string) {
    focusNext.current = then;
    void (action === "start" ? matcher.start() : action === "cancel" ? matcher.cancel() : matcher.next());
  }

  const announcement =
    state.status === "waiting"
      ? "Looking for someone to chat with."
      : state.status === "matched"
        ? `Matched with @${state.with.handle}.`
        : "";

  return (
    <div class="random-chat" ref={root} aria-busy={busy !== null}>
      {state.status === "waiting" ? (
        <section id="match-waiting" class="match-card is-waiting" aria-labelledby="match-waiting-title">
          <span class="match-signal" aria-hidden="true">
            <span class="match-signal-ring" />
            <MeetIcon class="match-signal-icon" />
          </span>
          <div class="match-text">
            <h2 id="match-waiting-title" class="match-title">
              Looking for someone…
            </h2>
            <p class="match-hint">
              Since {clockTime(state.since)}. You’ll meet the next person who asks (for up to 15 minutes).
            </p>
          </div>
          <button
            type="button"
            id="match-cancel"
            class="button secondary small match-action"
            onClick={() => {
              if (!busy) act("cancel", "#match-start");
            }}
          >
            {busy === "cancel" ? "Stopping…" : "Cancel"}
          </button>
        </section>
      ) : state.status === "matched" ? (
        <section id="match-matched" class="match-card is-matched" aria-labelledby="match-matched-title">
          <Avatar id={state.with.user_id} name={state.with.display_name || state.with.handle} size="sm" />
          <div class="match-text">
            <h2 id="match-matched-title" class="match-title">
              Random chat
            </h2>
            <p class="match-hint">
              with{" "}
              <button
                type="button"
                class="button link small match-open"
                onClick={() => {
                  void chat.openById(state.conversation_id).catch(() => undefined);
                }}
              >
                @{state.with.handle}
              </button>
            </p>
          </div>
          <button
            type="button"
            id="match-next"
            class="button secondary small match-action"
            onClick={() => {
              if (!busy) act("next", "#match-cancel");
            }}
          >
            {busy === "next" ? "Looking…" : "Find someone new"}
          </button>
        </section>
      ) : (
        <button
          type="button"
          id="match-start"
          class="match-entry"
          aria-describedby="match-start-hint"
          onClick={() => {
            if (!busy) act("start", "#match-cancel");
          }}
        >
          <MeetIcon class="match-entry-icon" />
          <span class="match-entry-text">
            <span class="match-entry-title">{busy === "start" ? "Looking…" : "Random chat"}</span>
            <span id="match-start-hint" class="match-entry-hint">
              Meet someone new
            </span>
          </span>
        </button>
      )}
      {matcher.error && (
        <p class="form-error match-error" role="alert">
          {matcher.error}
          <button
            type="button"
            class="icon-button match-error-close"
            aria-label="Dismiss"
            onClick={() => {
              matcher.dismissError();
            }}
          >
            <CloseIcon />
          </button>
        </p>
      )}
      <span class="visually-hidden" role="status">
        {announcement}
      </span>
    </div>
  );
}

/** Over a conversation random matching opened: who this is, until dismissed. */
export function MatchNotice({ matcher, conversationId }: { matcher: Matcher; conversationId: string }) {
  const notice = matcher.notice;
  if (notice?.conversation_id !== conversationId) return null;
  return (
    <div id="match-notice" class="match-notice" role="status">
      <MeetIcon class="match-notice-icon" />
      <p class="match-notice-text">
        You’re chatting with <strong>@{notice.with.handle}</strong> (random match)
      </p>
      <button
        type="button"
        class="icon-button match-notice-close"
        aria-label="Dismiss"
        title="Dismiss"
        onClick={() => {
          matcher.dismissNotice();
        }}
      >
        <CloseIcon />
      </button>
    </div>
  );
}
