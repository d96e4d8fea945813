import { useRef } from "preact/hooks";
import type { Chat } from "../state/chat";
import { avatarIdOf, memberName, subtitleOf, titleOf } from "../state/format";
import { Avatar } from "./Avatar";
import { Composer } from "./Composer";
import { BackIcon, LogoMark } from "./icons";
import { MessageList } from "./MessageList";

/**
 * The chat panel is a positioned box: `.chat-bg` fills it behind everything
 * (layers for themes and parallax go there), and the header, the scrolling
 * message list and the composer sit above it. Colours come from the custom
 * properties set on `.chat`, so a theme only has to override those.
 */
export function ChatPanel({ chat }: { chat: Chat }) {
  const scroller = useRef<HTMLDivElement>(null);
  const drafts = useRef(new Map<string, string>());
  const c = chat.active ? chat.store.get(chat.active) : undefined;
  const myId = chat.me.user_id;
  const title = c ? titleOf(c, myId) : "";

  const typers = c ? chat.typingIn(c.conversation_id).map((u) => memberName(c, u)) : [];
  const typingText =
    typers.length === 0
      ? ""
      : typers.length === 1
        ? `${typers[0] ?? ""} is typing…`
        : `${typers.join(", ")} are typing…`;

  return (
    <section class="chat" aria-label={c ? `Conversation with ${title}` : "Conversation"}>
      <div class="chat-bg" aria-hidden="true">
        <div class="chat-bg-layer chat-bg-base" data-depth="0" />
        <div class="chat-bg-layer chat-bg-glow" data-depth="0.15" />
        <div class="chat-bg-layer chat-bg-pattern" data-depth="0.35" />
      </div>
      <div class="chat-content">
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
              <Avatar id={avatarIdOf(c, myId)} name={title} group={c.kind === "group"} />
              <div class="chat-header-text">
                <h2 id="chat-header" class="chat-title">
                  {title}
                </h2>
                <p class="chat-subtitle">
                  {subtitleOf(c, myId)}
                  <span aria-hidden="true"> · </span>
                  <span class={`online-dot${c.online > 1 ? " on" : ""}`} aria-hidden="true" />
                  {c.online} online
                </p>
              </div>
            </header>
            <MessageList chat={chat} conversation={c} scroller={scroller} />
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
            <Composer
              key={c.conversation_id}
              initial={drafts.current.get(c.conversation_id) ?? ""}
              onDraft={(text) => {
                drafts.current.set(c.conversation_id, text);
              }}
              onTyping={() => {
                chat.notifyTyping();
              }}
              onSend={(text) => {
                const sent = chat.sendMessage(text);
                if (sent) {
                  drafts.current.delete(c.conversation_id);
                  // Bottom of a column-reverse scroller.
                  if (scroller.current) scroller.current.scrollTop = 0;
                }
                return sent;
              }}
            />
          </>
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
