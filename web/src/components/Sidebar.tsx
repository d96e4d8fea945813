import type { ComponentType } from "preact";
import { useState } from "preact/hooks";
import type { Chat } from "../state/chat";
import type { Matcher } from "../state/matching";
import type { ConnectionStatus } from "../state/socket";
import { Avatar } from "./Avatar";
import type { BlockedUsersProps } from "./BlockedUsers";
import { ConversationList } from "./ConversationList";
import { useEmoji } from "./EmojiText";
import { ROOMS_BUTTON_ID } from "./ConversationMenu";
import { BlockIcon, HashIcon, LogoMark, PaletteIcon, SignOutIcon, SmileIcon } from "./icons";
import { lazyComponent } from "./lazy";
import { NewConversation } from "./NewConversation";
import { RandomChat } from "./RandomChat";
import { useThemes } from "./themeKit";

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  online: "online",
  connecting: "connecting…",
  offline: "offline",
};

/** The blocked users dialog is a separate chunk, loaded when first opened (or pointed at). */
const loadBlocked = lazyComponent(() => import("./BlockedUsers").then((m) => m.BlockedUsers));

function preloadBlocked() {
  void loadBlocked().catch(() => undefined);
}

interface SidebarProps {
  chat: Chat;
  matcher: Matcher;
  onSignOut: () => void;
  /** Shows the public rooms. */
  onOpenRooms: () => void;
  /** The rooms screen is likely next: load it ahead. */
  onPreloadRooms: () => void;
}

export function Sidebar({ chat, matcher, onSignOut, onOpenRooms, onPreloadRooms }: SidebarProps) {
  const { me, status } = chat;
  const { openManager, preloadManager } = useEmoji();
  const { openThemes, preloadThemes } = useThemes();
  const [Blocked, setBlocked] = useState<ComponentType<BlockedUsersProps> | null>(null);
  const [blockedOpen, setBlockedOpen] = useState(false);
  return (
    <aside class="sidebar" aria-label="Conversations">
      <header class="sidebar-header">
        <div class="brand">
          <LogoMark class="logo" />
          <span class="brand-name">Chitter</span>
        </div>
        <div class="sidebar-actions">
          <button
            type="button"
            id="open-emoji-manager"
            class="button ghost small"
            aria-haspopup="dialog"
            onClick={openManager}
            onPointerEnter={preloadManager}
            onFocus={preloadManager}
          >
            <SmileIcon class="button-icon" />
            Emoji
          </button>
          <button
            type="button"
            id="open-themes"
            class="button ghost small"
            aria-haspopup="dialog"
            onClick={() => {
              openThemes("library");
            }}
            onPointerEnter={preloadThemes}
            onFocus={preloadThemes}
          >
            <PaletteIcon class="button-icon" />
            Themes
          </button>
        </div>
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
        {/* In the card, so the header has room for the screens it opens. */}
        <button
          type="button"
          id="open-blocked"
          class="icon-button me-card-button"
          aria-label="Blocked users"
          title="Blocked users"
          aria-haspopup="dialog"
          onPointerEnter={preloadBlocked}
          onFocus={preloadBlocked}
          onClick={() => {
            loadBlocked().then(
              (component) => {
                setBlocked(() => component);
                setBlockedOpen(true);
              },
              (e: unknown) => {
                console.warn("chitter: could not load the blocked users", e);
              },
            );
          }}
        >
          <BlockIcon />
        </button>
        <button type="button" id="signout" class="icon-button signout-button" aria-label="Sign out" title="Sign out" onClick={onSignOut}>
          <SignOutIcon />
        </button>
      </div>
      <NewConversation chat={chat} />
      <RandomChat chat={chat} matcher={matcher} />
      <div class="rooms-entry-wrap">
        <button
          type="button"
          id={ROOMS_BUTTON_ID}
          class="match-entry rooms-entry"
          aria-haspopup="dialog"
          aria-describedby="open-rooms-hint"
          onClick={onOpenRooms}
          onPointerEnter={onPreloadRooms}
          onFocus={onPreloadRooms}
        >
          <HashIcon class="match-entry-icon" />
          <span class="match-entry-text">
            <span class="match-entry-title">Rooms</span>
            <span id="open-rooms-hint" class="match-entry-hint">
              Public rooms anyone can join
            </span>
          </span>
        </button>
      </div>
      <ConversationList chat={chat} />
      {blockedOpen && Blocked && (
        <Blocked
          chat={chat}
          returnFocusTo="open-blocked"
          onClose={() => {
            setBlockedOpen(false);
          }}
        />
      )}
    </aside>
  );
}
