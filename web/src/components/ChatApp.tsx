import { useEffect, useMemo } from "preact/hooks";
import type { Api } from "../state/api";
import { Chat } from "../state/chat";
import type { Profile } from "../state/types";
import { ChatPanel } from "./ChatPanel";
import { Sidebar } from "./Sidebar";
import { useChat } from "./useChat";

interface ChatAppProps {
  api: Api;
  me: Profile;
  wsUrl: string;
  onSignOut: () => void;
}

export function ChatApp({ api, me, wsUrl, onSignOut }: ChatAppProps) {
  const chat = useMemo(
    () =>
      new Chat({
        api,
        me,
        wsUrl,
        storage: window.localStorage,
        isVisible: () => !document.hidden,
      }),
    [api, me, wsUrl],
  );
  useChat(chat);

  useEffect(() => {
    void chat.start().catch((e: unknown) => {
      console.warn("chitter: could not load conversations", e);
    });
    const onVisible = () => {
      chat.markRead();
    };
    const onOnline = () => {
      chat.reconnectNow();
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("online", onOnline);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("online", onOnline);
      chat.stop();
    };
  }, [chat]);

  const unread = chat.store.totalUnread(chat.active);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Chitter` : "Chitter";
  }, [unread]);

  return (
    <div id="app" class="app" data-view={chat.active ? "chat" : "list"}>
      <Sidebar
        chat={chat}
        onSignOut={() => {
          chat.stop();
          // Unsent messages stay on a device only while their author is signed in to it.
          chat.outbox.clear();
          onSignOut();
        }}
      />
      <ChatPanel chat={chat} />
    </div>
  );
}
