import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useLayoutEffect } from "preact/hooks";
import type { Chat } from "../state/chat";
import { clockTime, dayLabel, hueOf, memberName, otherMembers, sameDay, titleOf } from "../state/format";
import type { OutboxItem } from "../state/outbox";
import type { ConversationState } from "../state/store";
import type { Message } from "../state/types";
import { Avatar } from "./Avatar";
import { EmojiText } from "./EmojiText";
import { AlertIcon, CheckIcon, ClockIcon, DoubleCheckIcon } from "./icons";

/** Messages closer together than this from one sender read as one run of bubbles. */
const RUN_GAP_MS = 5 * 60 * 1000;
/** Older history loads when the top is this close. */
const LOAD_OLDER_WITHIN_PX = 160;

interface MessageListProps {
  chat: Chat;
  conversation: ConversationState;
  scroller: RefObject<HTMLDivElement | null>;
}

interface Entry {
  key: string;
  sender: string;
  sentAt: string;
  message?: Message;
  pending?: OutboxItem;
}

export function MessageList({ chat, conversation: c, scroller }: MessageListProps) {
  const id = c.conversation_id;
  const myId = chat.me.user_id;
  const isGroup = c.kind === "group";
  const others = otherMembers(c, myId);

  // The scroller is `column-reverse`: scrollTop 0 is the newest message, and
  // older pages added on top do not move what is on screen.
  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [id, scroller]);

  // Keep loading older pages until the list fills the viewport.
  useEffect(() => {
    const el = scroller.current;
    if (el && c.historyLoaded && c.olderBefore !== null && !c.loadingOlder && el.scrollHeight <= el.clientHeight + 4) {
      void chat.loadOlder().catch(() => undefined);
    }
  });

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    const fromTop = el.scrollHeight - el.clientHeight + el.scrollTop;
    if (fromTop < LOAD_OLDER_WITHIN_PX) void chat.loadOlder().catch(() => undefined);
  }

  const entries: Entry[] = [
    ...chat.store.messagesOf(id).map((m) => ({ key: `s${m.seq}`, sender: m.sender_id, sentAt: m.sent_at, message: m })),
    ...chat.outbox.forConversation(id).map((o) => ({ key: o.id, sender: myId, sentAt: o.queued_at, pending: o })),
  ];

  const items: ComponentChildren[] = [];
  if (c.loadingOlder) {
    items.push(
      <li key="loading" class="history-note">
        Loading earlier messages…
      </li>,
    );
  } else if (c.historyLoaded && c.olderBefore === null) {
    items.push(
      <li key="start" class="history-note">
        {isGroup ? `The beginning of ${titleOf(c, myId)}` : `The beginning of your chat with ${titleOf(c, myId)}`}
      </li>,
    );
  }

  entries.forEach((entry, i) => {
    const prev = entries[i - 1];
    const next = entries[i + 1];
    const at = new Date(entry.sentAt);
    const newDay = !prev || !sameDay(new Date(prev.sentAt), at);
    if (newDay) {
      items.push(
        <li key={`day-${entry.key}`} class="day-divider">
          <span>{dayLabel(entry.sentAt)}</span>
        </li>,
      );
    }
    const first = newDay || !prev || !sameRun(prev, entry);
    const last = !next || !sameRun(entry, next) || !sameDay(at, new Date(next.sentAt));
    const mine = entry.sender === myId;
    const name = mine ? "You" : memberName(c, entry.sender);
    const classes = ["message", mine ? "mine" : "theirs", first ? "first" : "", last ? "last" : ""];

    if (entry.message) {
      const m = entry.message;
      const read = mine && others.length > 0 && others.every((o) => (o.read_seq ?? 0) >= m.seq);
      items.push(
        <li key={entry.key} class={classes.filter(Boolean).join(" ")} data-seq={m.seq}>
          {isGroup && !mine && (last ? <Avatar id={m.sender_id} name={name} size="sm" /> : <span class="avatar-spacer" />)}
          <div class="bubble">
            {isGroup && !mine && first ? (
              <span class="who" style={{ "--avatar-hue": String(hueOf(m.sender_id)) }}>
                {name}
              </span>
            ) : (
              <span class="visually-hidden">{name}: </span>
            )}
            <p class="text">
              <EmojiText text={m.text} refs={m.emoji} />
            </p>
            <span class="meta">
              <time dateTime={m.sent_at}>{clockTime(m.sent_at)}</time>
              {mine && (
                <span class={`state${read ? " read" : ""}`} title={read ? "Read" : "Delivered"}>
                  <DoubleCheckIcon />
                  <span class="visually-hidden">{read ? "Read" : "Delivered"}</span>
                </span>
              )}
            </span>
          </div>
        </li>,
      );
    } else if (entry.pending) {
      const o = entry.pending;
      classes.push("pending", o.status);
      items.push(
        <li key={entry.key} class={classes.filter(Boolean).join(" ")}>
          <div class="bubble">
            <span class="visually-hidden">You: </span>
            <p class="text">
              {/* Known once the server accepted it (the ack carries them). */}
              <EmojiText text={o.text} refs={o.emoji} />
            </p>
            <span class="meta">
              <time dateTime={o.queued_at}>{clockTime(o.queued_at)}</time>
              <PendingState item={o} />
            </span>
          </div>
          {o.status === "failed" && (
            <div class="failed-note" role="alert">
              <span>Not sent{o.error ? `: ${o.error}` : ""}</span>
              <button
                type="button"
                class="button link small"
                onClick={() => {
                  chat.retry(o.id);
                }}
              >
                Retry
              </button>
            </div>
          )}
        </li>,
      );
    }
  });

  return (
    <div
      class="messages-scroller"
      ref={scroller}
      onScroll={onScroll}
      tabIndex={0}
      role="region"
      aria-label="Messages"
    >
      <ol id="messages" class="messages" aria-live="polite" aria-relevant="additions">
        {items}
      </ol>
    </div>
  );
}

function PendingState({ item }: { item: OutboxItem }) {
  if (item.status === "failed") {
    return (
      <span class="state failed" title="Not sent">
        <AlertIcon />
        <span class="visually-hidden">Not sent</span>
      </span>
    );
  }
  if (item.status === "accepted") {
    return (
      <span class="state" title="Sent">
        <CheckIcon />
        <span class="visually-hidden">Sent</span>
      </span>
    );
  }
  return (
    <span class="state sending" title="Sending">
      <ClockIcon />
      <span class="visually-hidden">Sending</span>
    </span>
  );
}

function sameRun(a: Entry, b: Entry): boolean {
  return a.sender === b.sender && Math.abs(Date.parse(b.sentAt) - Date.parse(a.sentAt)) < RUN_GAP_MS;
}
