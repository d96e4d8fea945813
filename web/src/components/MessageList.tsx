import { type ComponentChildren, Component, type RefObject, type TargetedFocusEvent, type TargetedKeyboardEvent } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { Arrivals } from "../state/arrivals";
import type { Chat } from "../state/chat";
import { clockTime, dayLabel, deletedLabel, fullTime, hueOf, isGroupLike, memberName, retentionNoticeText, sameDay, titleOf } from "../state/format";
import { type OutboxItem, kindOf } from "../state/outbox";
import { type Receipt, outboxReceipt, receiptLabel } from "../state/receipts";
import { type ConversationNotice, type ConversationState, isDeleted } from "../state/store";
import type { Message, Vote } from "../state/types";
import { ImageViewer, MessageFiles, type OpenImage } from "./Attachments";
import { Avatar } from "./Avatar";
import { EmojiText } from "./EmojiText";
import { AlertIcon, BlockIcon, CheckIcon, ClockIcon, DoubleCheckIcon, MoreIcon, PencilIcon, TimerIcon, TrashIcon, VoteIcon } from "./icons";

/** Messages closer together than this from one sender read as one run of bubbles. */
const RUN_GAP_MS = 5 * 60 * 1000;
/** Older history loads when the top is this close. */
const LOAD_OLDER_WITHIN_PX = 160;
/** The "New messages" line is placed this far below the top, clear of the sticky day label. */
const UNSEEN_FROM_TOP_PX = 44;

interface MessageListProps {
  chat: Chat;
  conversation: ConversationState;
  scroller: RefObject<HTMLDivElement | null>;
  /** Starts editing one of my messages in the composer. */
  onEdit: (m: Message) => void;
  /** The message being edited in the composer, marked as such. */
  editingSeq?: number | undefined;
}

/** Whose actions are open: the list of them, or the question before a delete. */
interface OpenActions {
  seq: number;
  mode: "menu" | "confirm";
}

interface Entry {
  key: string;
  sender: string;
  sentAt: string;
  message?: Message;
  pending?: OutboxItem;
  /** A line about the conversation itself (a retention change). */
  notice?: ConversationNotice;
}

export function MessageList({ chat, conversation: c, scroller, onEdit, editingSeq }: MessageListProps) {
  const id = c.conversation_id;
  const myId = chat.me.user_id;
  // Rooms show senders like groups do.
  const isGroup = isGroupLike(c);
  const [open, setOpen] = useState<OpenActions | null>(null);
  const arrivalsOf = useRef({ id, arrivals: new Arrivals() });
  if (arrivalsOf.current.id !== id) arrivalsOf.current = { id, arrivals: new Arrivals() };
  const arrivals = arrivalsOf.current.arrivals;
  /** The image shown full size, and what opened it (focus goes back there). */
  const [viewing, setViewing] = useState<{ image: OpenImage; opener: HTMLElement } | null>(null);
  /** Where focus goes once the next render is on screen: a control in the list (by selector), or the list itself. */
  const focusNext = useRef<string | null>(null);

  // Another conversation: nothing of this one stays open.
  useEffect(() => {
    setOpen(null);
    setViewing(null);
  }, [id]);

  // Before paint, so a focusout check that runs after it sees where focus went.
  useLayoutEffect(() => {
    const selector = focusNext.current;
    if (selector === null) return;
    focusNext.current = null;
    const el = scroller.current;
    const target = el && selector ? el.querySelector<HTMLElement>(selector) : null;
    (target ?? el)?.focus();
  });

  const editNow = useRef(onEdit);
  editNow.current = onEdit;
  const [actions] = useState<RowActions>(() => ({
    setOpen,
    close: (seq, refocus) => {
      setOpen((o) => (o?.seq === seq ? null : o));
      if (refocus) focusNext.current = `li[data-seq="${seq}"] .message-actions-toggle`;
    },
    edit: (m) => {
      editNow.current(m);
    },
    focusNext: (selector) => {
      focusNext.current = selector;
    },
    openImage: (image, opener) => {
      setViewing({ image, opener });
    },
  }));

  // The scroller is `column-reverse`: scrollTop 0 is the newest message, and
  // older pages added on top do not move what is on screen. A conversation
  // opens at its "New messages" line (at the top, as far as it goes), or else
  // at the newest message: once per opening, when its history is here.
  //
  // Until the reader scrolls, the line stays where it was put as the list
  // changes size (images loading, new messages below it, a narrower window).
  const view = chat.openView?.id === id ? chat.openView : null;
  const positioned = useRef<string | null>(null);
  /** Kept at the line: the scrollTop it was put at, or null once the reader scrolled (or it sat at the bottom). */
  const anchoredAt = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const key = view ? `${id}:${String(view.token)}` : id;
    if (positioned.current === key) return;
    anchoredAt.current = null;
    if (view?.loading) {
      el.scrollTop = 0;
      return;
    }
    positioned.current = key;
    el.scrollTop = 0;
    anchoredAt.current = placeAtUnseen(el);
  });
  useEffect(() => {
    const el = scroller.current;
    const list = el?.querySelector("ol");
    if (!el || !list) return;
    const observer = new ResizeObserver(() => {
      if (anchoredAt.current !== null) anchoredAt.current = placeAtUnseen(el);
    });
    observer.observe(el);
    observer.observe(list);
    return () => {
      observer.disconnect();
    };
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
    // Scrolled by the reader (or to the newest on sending): the line is let go.
    if (anchoredAt.current !== null && Math.abs(el.scrollTop - anchoredAt.current) > 2) anchoredAt.current = null;
    const fromTop = el.scrollHeight - el.clientHeight + el.scrollTop;
    if (fromTop < LOAD_OLDER_WITHIN_PX) void chat.loadOlder().catch(() => undefined);
  }

  // Stored messages by seq, each line about the conversation after the newest message there was when it came, then my unsent ones.
  const entries: Entry[] = [];
  const notices = chat.store.noticesOf(id);
  let nextNotice = 0;
  const addNotices = (before: number) => {
    for (let n = notices[nextNotice]; n && n.after < before; n = notices[++nextNotice]) {
      entries.push({ key: n.key, sender: "", sentAt: n.at, notice: n });
    }
  };
  for (const m of chat.store.messagesOf(id)) {
    addNotices(m.seq);
    entries.push({ key: `s${m.seq}`, sender: m.sender_id, sentAt: m.sent_at, message: m });
  }
  addNotices(Infinity);
  for (const o of chat.outbox.forConversation(id)) entries.push({ key: o.id, sender: myId, sentAt: o.queued_at, pending: o });
  const unseen = chat.firstUnseen(id);
  const arriving = arrivals.update(
    entries.filter((e) => !e.notice).map((e) => ({ key: e.key, seq: e.message?.seq ?? null, clientId: e.message?.client_msg_id })),
    // The history flag goes up as its first page is asked for; the opening's view says when it is here.
    c.historyLoaded && !view?.loading,
    c.resuming,
  );

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
    if (entry.message && entry.message.seq === unseen) {
      items.push(
        <li key="unseen" id="unseen-divider" class="unseen-divider">
          <span>New messages</span>
        </li>,
      );
    }
    if (entry.notice) {
      const n = entry.notice;
      items.push(
        <li key={entry.key} class="conversation-notice" data-kind={n.kind}>
          <span>
            <TimerIcon class="conversation-notice-icon" />
            {retentionNoticeText(c, n.set_by, n.days, myId, chat.profiles)}
          </span>
        </li>,
      );
      return;
    }
    const first = newDay || !prev || !sameRun(prev, entry);
    const last = !next || !sameRun(entry, next) || !sameDay(at, new Date(next.sentAt));
    const mine = entry.sender === myId;
    const name = mine ? "You" : memberName(c, entry.sender, chat.profiles);
    const classes = ["message", mine ? "mine" : "theirs", first ? "first" : "", last ? "last" : "", arriving.has(entry.key) ? "arriving" : ""];

    if (entry.message && chat.withheld(entry.message)) {
      // From someone I block: its place is kept, and nothing of it shows or can be done with it.
      const m = entry.message;
      classes.push("withheld");
      items.push(
        <li key={entry.key} class={classes.filter(Boolean).join(" ")} data-seq={m.seq}>
          {isGroup && !mine && <span class="avatar-spacer" />}
          <div class="message-body">
            <div class="bubble">
              <p class="text tombstone">
                <BlockIcon class="tombstone-icon" />
                Message from a blocked user
              </p>
              <span class="meta">
                <time dateTime={m.sent_at}>{clockTime(m.sent_at)}</time>
              </span>
            </div>
          </div>
        </li>,
      );
    } else if (entry.message) {
      const m = entry.message;
      const { pending, failed, waiting } = chat.pendingChange(id, m.seq);
      const deleting = pending !== undefined && kindOf(pending) === "delete";
      const canEdit = chat.canEdit(m) && !deleting;
      const canDelete = chat.canDelete(c, m) && !deleting;
      const receipt = mine ? chat.receipt(c, m) : null;
      const refusal = chat.voteRefusal;
      items.push(
        <StoredRow
          key={entry.key}
          chat={chat}
          conversationId={id}
          message={m}
          classes={classes.filter(Boolean).join(" ")}
          name={name}
          isGroup={isGroup}
          mine={mine}
          first={first}
          last={last}
          receipt={receipt?.status ?? null}
          receiptText={receipt ? receiptLabel(receipt.status, c, receipt.seenBy) : ""}
          pending={pending}
          failed={failed}
          waiting={waiting}
          voteRefused={refusal?.conversation_id === id && refusal.seq === m.seq ? refusal.message : null}
          canEdit={canEdit}
          canDelete={canDelete}
          state={open?.seq === m.seq && (canEdit || canDelete) ? open.mode : null}
          editing={editingSeq === m.seq}
          actions={actions}
        />,
      );
    } else if (entry.pending) {
      const o = entry.pending;
      const files = o.attachments ?? [];
      classes.push("pending", o.status);
      items.push(
        <li key={entry.key} class={classes.filter(Boolean).join(" ")}>
          <div class={`bubble${files.length ? " has-files" : ""}${files.length && !o.text ? " files-only" : ""}`}>
            <span class="visually-hidden">You: </span>
            {files.length > 0 && <MessageFiles chat={chat} conversationId={id} seq={null} attachments={files} onOpenImage={actions.openImage} />}
            {(o.text || !files.length) && (
              <p class="text">
                {/* Known once the server accepted it (the ack carries them). */}
                <EmojiText text={o.text} refs={o.emoji} />
              </p>
            )}
            <span class="meta">
              <time dateTime={o.queued_at}>{clockTime(o.queued_at)}</time>
              <ReceiptMark status={outboxReceipt(o)} label={receiptLabel(outboxReceipt(o))} />
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
              {/* A file that is gone fails every time: the message can be given up. */}
              <button
                type="button"
                class="button link small"
                onClick={() => {
                  chat.discard(o.id);
                }}
              >
                Dismiss
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
      {viewing && (
        <ImageViewer
          image={viewing.image}
          onClose={() => {
            const opener = viewing.opener;
            setViewing(null);
            if (opener.isConnected) opener.focus();
          }}
        />
      )}
    </div>
  );
}

/** What a row may do to the list: one object for the list's lifetime, so rows can skip renders. */
interface RowActions {
  setOpen: (open: OpenActions | null) => void;
  /** Closes the message's actions; with `refocus`, focus goes back to its toggle. */
  close: (seq: number, refocus: boolean) => void;
  edit: (m: Message) => void;
  /** Where focus goes once the next render is on screen: a control in the list (by selector), or "" for the list itself. */
  focusNext: (selector: string) => void;
  openImage: (image: OpenImage, opener: HTMLElement) => void;
}

interface StoredRowProps {
  chat: Chat;
  conversationId: string;
  message: Message;
  classes: string;
  name: string;
  isGroup: boolean;
  mine: boolean;
  first: boolean;
  last: boolean;
  /** My message's tick, and what it says. */
  receipt: Receipt | null;
  receiptText: string;
  /** The newest unsent edit or delete, the failed ones, and one waiting to go again. */
  pending: OutboxItem | undefined;
  failed: readonly OutboxItem[];
  waiting: OutboxItem | undefined;
  voteRefused: string | null;
  canEdit: boolean;
  canDelete: boolean;
  state: OpenActions["mode"] | null;
  editing: boolean;
  actions: RowActions;
}

/**
 * A stored message. Its props are values the list works out (a message is
 * replaced, never changed in place), so a row renders again only when
 * something it shows did: as a chat opens a page of history at a time, the
 * rows already there are left alone. What changes apart from the list
 * (emoji images, attachment links) is followed by the components showing it.
 */
class StoredRow extends Component<StoredRowProps> {
  override shouldComponentUpdate(next: StoredRowProps): boolean {
    return !sameRow(this.props, next);
  }

  override render() {
    const { chat, conversationId, message: m, name, isGroup, mine, first, last, receipt, receiptText } = this.props;
    const { pending, failed, waiting, voteRefused, canEdit, canDelete, state, actions } = this.props;
    const classes = [this.props.classes];
    const deleting = pending !== undefined && kindOf(pending) === "delete";
    const editing = pending !== undefined && kindOf(pending) === "edit" ? pending : undefined;
    const deleted = isDeleted(m);
    // A tombstone has none (and one on its way out shows none).
    const files = deleted || deleting ? [] : (m.attachments ?? []);
    const filesOnly = files.length > 0 && !(editing ? editing.text : m.text);
    if (deleted || deleting) classes.push("deleted");
    if (pending) classes.push("changing");
    if (this.props.editing) classes.push("is-editing");
    const menuId = `message-actions-${m.seq}`;
    return (
      <li class={classes.filter(Boolean).join(" ")} data-seq={m.seq}>
        {isGroup && !mine && (last ? <Avatar id={m.sender_id} name={name} size="sm" /> : <span class="avatar-spacer" />)}
        <div
          class="message-body"
          onFocusOut={(event: TargetedFocusEvent<HTMLDivElement>) => {
            if (!state) return;
            // Checked once things settle: a control that goes away (the menu, for the question)
            // hands focus on within the message, and that is not leaving it.
            const body = event.currentTarget;
            setTimeout(() => {
              if (!body.contains(document.activeElement)) actions.close(m.seq, false);
            }, 0);
          }}
          onKeyDown={(event: TargetedKeyboardEvent<HTMLDivElement>) => {
            if (event.key === "Escape" && state) {
              event.preventDefault();
              actions.close(m.seq, true);
            }
          }}
        >
          <div class="bubble-row">
            <div class={`bubble${files.length ? " has-files" : ""}${filesOnly ? " files-only" : ""}`}>
              {isGroup && !mine && first ? (
                <span class="who" style={{ "--avatar-hue": String(hueOf(m.sender_id)) }}>
                  {name}
                </span>
              ) : (
                <span class="visually-hidden">{name}: </span>
              )}
              {deleted ? (
                <p class="text tombstone">
                  <TrashIcon class="tombstone-icon" />
                  {deletedLabel(m)}
                </p>
              ) : deleting ? (
                <p class="text tombstone">
                  <TrashIcon class="tombstone-icon" />
                  Deleting…
                </p>
              ) : (
                <>
                  {files.length > 0 && (
                    <MessageFiles chat={chat} conversationId={conversationId} seq={m.seq} attachments={files} onOpenImage={actions.openImage} />
                  )}
                  {editing ? (
                    <p class="text">
                      <EmojiText text={editing.text} refs={editing.emoji} />
                    </p>
                  ) : (
                    (m.text || !files.length) && (
                      <p class="text">
                        <EmojiText text={m.text} refs={m.emoji} />
                      </p>
                    )
                  )}
                </>
              )}
              <span class="meta">
                {!deleted && !deleting && (editing || m.edited_at) && (
                  <span class="edited" title={editing ? "Saving your edit" : `Edited ${fullTime(m.edited_at ?? "")}`}>
                    edited
                  </span>
                )}
                <time dateTime={m.sent_at}>{clockTime(m.sent_at)}</time>
                {pending ? (
                  <span class="state sending" title={deleting ? "Deleting" : "Saving"}>
                    <ClockIcon />
                    <span class="visually-hidden">{deleting ? "Deleting" : "Saving"}</span>
                  </span>
                ) : (
                  receipt &&
                  !deleted && <ReceiptMark status={receipt} label={receiptText} />
                )}
              </span>
            </div>
            {(canEdit || canDelete) && (
              <button
                type="button"
                class="message-actions-toggle"
                aria-label={`Message actions${mine ? "" : ` for ${name}’s message`}`}
                title="Message actions"
                aria-expanded={state === "menu"}
                aria-controls={state === "menu" ? menuId : undefined}
                onClick={() => {
                  actions.setOpen(state ? null : { seq: m.seq, mode: "menu" });
                }}
              >
                <MoreIcon />
              </button>
            )}
          </div>
          {state === "menu" && (
            <div id={menuId} class="message-menu" role="group" aria-label="Message actions">
              {canEdit && (
                <button
                  type="button"
                  class="message-menu-item"
                  data-action="edit"
                  onClick={() => {
                    actions.setOpen(null);
                    actions.edit(m);
                  }}
                >
                  <PencilIcon />
                  Edit
                </button>
              )}
              {canDelete && (
                <button
                  type="button"
                  class="message-menu-item danger"
                  data-action="delete"
                  onClick={() => {
                    actions.setOpen({ seq: m.seq, mode: "confirm" });
                    actions.focusNext(`li[data-seq="${m.seq}"] .message-confirm [data-action="confirm-delete"]`);
                  }}
                >
                  <TrashIcon />
                  {mine ? "Delete" : "Remove"}
                </button>
              )}
            </div>
          )}
          {state === "confirm" && (
            <div class="message-confirm" role="group" aria-label={mine ? "Delete this message?" : "Remove this message?"}>
              <p>{mine ? "Delete this message for everyone?" : `Remove ${name}’s message for everyone?`}</p>
              <div class="message-confirm-actions">
                <button
                  type="button"
                  class="button danger small"
                  data-action="confirm-delete"
                  onClick={() => {
                    actions.setOpen(null);
                    chat.deleteMessage(conversationId, m.seq);
                    // The toggle goes with the message's actions: the list keeps focus.
                    actions.focusNext("");
                  }}
                >
                  {mine ? "Delete" : "Remove"}
                </button>
                <button
                  type="button"
                  class="button ghost small"
                  data-action="cancel-delete"
                  onClick={() => {
                    actions.close(m.seq, true);
                  }}
                >
                  Cancel
                </button>
              </div>
            </div>
          )}
          {!deleted && !deleting && <Votes chat={chat} conversationId={conversationId} message={m} />}
          {voteRefused !== null && !deleted && (
            <div class="failed-note" role="alert">
              <span>Vote not counted: {voteRefused}</span>
              <button
                type="button"
                class="button link small"
                onClick={() => {
                  chat.dismissVoteRefusal();
                }}
              >
                Dismiss
              </button>
            </div>
          )}
          {/* Not a failure: it goes again by itself once the wait is over. */}
          {waiting && (
            <div class="failed-note is-waiting" role="status">
              <span>
                {kindOf(waiting) === "delete" ? "Not deleted yet" : "Edit not saved yet"}: {waiting.error}
              </span>
            </div>
          )}
          {failed.map((item) => (
            <div key={item.id} class="failed-note" role="alert">
              <span>
                {kindOf(item) === "delete" ? "Not deleted" : "Edit not saved"}
                {item.error ? `: ${item.error}` : ""}
              </span>
              <button
                type="button"
                class="button link small"
                onClick={() => {
                  chat.retry(item.id);
                }}
              >
                Retry
              </button>
              <button
                type="button"
                class="button link small"
                onClick={() => {
                  chat.discard(item.id);
                }}
              >
                Dismiss
              </button>
            </div>
          ))}
        </div>
      </li>
    );
  }
}

function sameRow(a: StoredRowProps, b: StoredRowProps): boolean {
  const keys = Object.keys(b) as (keyof StoredRowProps)[];
  if (keys.length !== Object.keys(a).length) return false;
  return keys.every((key) =>
    key === "failed" ? a.failed.length === b.failed.length && a.failed.every((item, i) => item === b.failed[i]) : a[key] === b[key],
  );
}

interface VotesProps {
  chat: Chat;
  conversationId: string;
  message: Message;
}

/** ▲ count ▼ count; pressing my current vote again takes it back. */
function Votes({ chat, conversationId, message: m }: VotesProps) {
  const up = m.up ?? 0;
  const down = m.down ?? 0;
  const mine = m.my_vote;
  const press = (vote: Vote) => {
    chat.vote(conversationId, m.seq, mine === vote ? "none" : vote);
  };
  return (
    <div class={`votes${up || down || mine ? "" : " is-empty"}`} role="group" aria-label="Votes">
      <button
        type="button"
        class="vote vote-up"
        aria-pressed={mine === "up"}
        aria-label={`Upvote, ${votesText(up)}`}
        title={mine === "up" ? "Take back your upvote" : "Upvote"}
        onClick={() => {
          press("up");
        }}
      >
        <VoteIcon />
        <span class="vote-count" aria-hidden="true">
          {up}
        </span>
      </button>
      <button
        type="button"
        class="vote vote-down"
        aria-pressed={mine === "down"}
        aria-label={`Downvote, ${votesText(down)}`}
        title={mine === "down" ? "Take back your downvote" : "Downvote"}
        onClick={() => {
          press("down");
        }}
      >
        <VoteIcon down />
        <span class="vote-count" aria-hidden="true">
          {down}
        </span>
      </button>
    </div>
  );
}

function votesText(n: number): string {
  return `${n} ${n === 1 ? "vote" : "votes"}`;
}

/** Where my message is: a clock, one tick, two ticks, two in the read colour; or failed. */
function ReceiptMark({ status, label }: { status: Receipt; label: string }) {
  const icon =
    status === "failed" ? <AlertIcon /> : status === "pending" ? <ClockIcon /> : status === "sent" ? <CheckIcon /> : <DoubleCheckIcon />;
  return (
    <span class={`state ${status === "pending" ? "sending" : status}`} data-receipt={status} title={label}>
      {icon}
      <span class="visually-hidden">{label}</span>
    </span>
  );
}

/**
 * Scrolls so the "New messages" line is near the top (as far as the list
 * goes); returns where it put it, or null when there is no line or the list
 * sits at its newest message anyway.
 */
function placeAtUnseen(el: HTMLElement): number | null {
  const divider = el.querySelector<HTMLElement>(".unseen-divider");
  if (!divider) return null;
  el.scrollTop += divider.getBoundingClientRect().top - el.getBoundingClientRect().top - UNSEEN_FROM_TOP_PX;
  return el.scrollTop < -1 ? el.scrollTop : null;
}

function sameRun(a: Entry, b: Entry): boolean {
  return a.sender === b.sender && Math.abs(Date.parse(b.sentAt) - Date.parse(a.sentAt)) < RUN_GAP_MS;
}
