import type { Chat } from "../state/chat";
import type { ConnectionStatus } from "../state/socket";
import { Avatar } from "./Avatar";
import { ConversationList } from "./ConversationList";
import { LogoMark } from "./icons";
import { NewConversation } from "./NewConversation";

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  online: "online",
  connecting: "connecting…",
  offline: "offline",
};

interface SidebarProps {
  chat: Chat;
  onSignOut: () => void;
}

export function Sidebar({ chat, onSignOut }: SidebarProps) {
  const { me, status } = chat;
  return (
    <aside class="sidebar" aria-label="Conversations">
      <header class="sidebar-header">
        <div class="brand">
          <LogoMark class="logo" />
          <span class="brand-name">Chitter</span>
        </div>
        <button type="button" id="signout" class="button ghost small" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div class="me-card">
        <Avatar id={me.user_id} name={me.display_name || me.handle} />
        <div class="me-text">
          <span class="me-name">{me.display_name || me.handle}</span>
          <strong id="me" class="me-handle">
            @{me.handle}
          </strong>
        </div>
        <span id="status" class={`status ${status}`} role="status" title="Connection">
          <span class="status-dot" aria-hidden="true" />
          {STATUS_TEXT[status]}
        </span>
      </div>
      <NewConversation chat={chat} />
      <ConversationList chat={chat} />
    </aside>
  );
}
