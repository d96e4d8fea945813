import { attachmentsSummary } from "../state/attachments";
import type { Chat } from "../state/chat";
import { badgeCount, deletedLabel, memberName, retentionLabel, shortWhen, subtitleOf, titleOf, unreadLabel } from "../state/format";
import { ConversationAvatar, RoomBadge } from "./Avatar";
import { PaperclipIcon, TimerIcon } from "./icons";

export function ConversationList({ chat }: { chat: Chat }) {
  const myId = chat.me.user_id;
  const list = chat.store.sorted();

  if (list.length === 0) {
    return (
      <div class="conversations-empty">
        <p>No conversations yet.</p>
        <p class="hint">Open one with someone’s handle above, or join a public room.</p>
        <ul id="conversations" class="conversations" />
      </div>
    );
  }

  return (
    <ul id="conversations" class="conversations">
      {list.map((c) => {
        const id = c.conversation_id;
        const active = id === chat.active;
        const title = titleOf(c, myId);
        const unread = chat.store.unread(id, chat.active);
        const typers = chat.typingIn(id);
        const latest = chat.store.latest(id);
        const withheld = latest !== undefined && chat.withheld(latest);
        // A message of files alone is summed up after a paperclip.
        const filesOnly =
          !typers.length && latest && !withheld && latest.deleted_at === undefined && !latest.text && Boolean(latest.attachments?.length);
        const preview = typers.length
          ? `${typers.map((u) => memberName(c, u, chat.profiles)).join(", ")} typing…`
          : latest
            ? withheld
              ? "Message from a blocked user"
              : latest.deleted_at !== undefined
                ? deletedLabel(latest)
                : `${latest.sender_id === myId ? "You: " : ""}${latest.text || attachmentsSummary(latest.attachments)}`
            : subtitleOf(c, myId);
        return (
          <li key={id} data-id={id} class={`conversation${active ? " active" : ""}${unread > 0 ? " has-unread" : ""}`}>
            <button
              type="button"
              class="conversation-button"
              aria-current={active ? "true" : undefined}
              onClick={() => {
                void chat.open(id).catch((e: unknown) => {
                  console.warn("chitter: could not load history", e);
                });
              }}
            >
              <ConversationAvatar c={c} myId={myId} title={title} />
              <span class="conversation-main">
                <span class="conversation-top">
                  <span class="conversation-title">{title}</span>
                  {c.kind === "room" && <RoomBadge />}
                  {c.retention_days !== undefined && (
                    <span class="conversation-retention" title={`Messages disappear after ${retentionLabel(c.retention_days)}`}>
                      <TimerIcon />
                      <span class="visually-hidden">Messages disappear after {retentionLabel(c.retention_days)}</span>
                    </span>
                  )}
                  <time class="conversation-time" dateTime={c.last_active}>
                    {shortWhen(c.last_active)}
                  </time>
                </span>
                <span class="conversation-bottom">
                  <span class={`conversation-preview${typers.length ? " is-typing" : ""}`}>
                    {filesOnly && <PaperclipIcon class="preview-icon" />}
                    {preview}
                  </span>
                  <span class="meta">
                    <span class={`online-dot${c.online > 1 ? " on" : ""}`} aria-hidden="true" />
                    {c.online} online
                    {unread > 0 && (
                      <span class="badge">
                        <span aria-hidden="true">{badgeCount(unread)}</span>
                        <span class="visually-hidden">{unreadLabel(unread)}</span>
                      </span>
                    )}
                  </span>
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
