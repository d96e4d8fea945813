import type { ComponentType } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { Api } from "../state/api";
import { Chat } from "../state/chat";
import { EmojiCache, EmojiLibrary, emojiLoader } from "../state/emoji";
import type { Profile } from "../state/types";
import { ChatPanel } from "./ChatPanel";
import type { EmojiManagerProps } from "./EmojiManager";
import { EmojiContext, type EmojiKit } from "./EmojiText";
import { lazyComponent } from "./lazy";
import { Sidebar } from "./Sidebar";
import { useSubscription } from "./useSubscription";

interface ChatAppProps {
  api: Api;
  me: Profile;
  wsUrl: string;
  onSignOut: () => void;
}

/** The manager is a separate chunk: most visits never open it. */
const loadManager = lazyComponent(() => import("./EmojiManager").then((m) => m.EmojiManager));

export function ChatApp({ api, me, wsUrl, onSignOut }: ChatAppProps) {
  const { cache, library } = useMemo(() => {
    const cache = new EmojiCache({ load: emojiLoader((id) => api.emoji(id)) });
    return { cache, library: new EmojiLibrary(api, cache) };
  }, [api, me]);
  const chat = useMemo(
    () =>
      new Chat({
        api,
        me,
        wsUrl,
        storage: window.localStorage,
        isVisible: () => !document.hidden,
        emojiRefs: (text) => library.refsFor(text),
      }),
    [api, me, wsUrl, library],
  );
  useSubscription(chat);
  useSubscription(cache);
  useSubscription(library);

  const [Manager, setManager] = useState<ComponentType<EmojiManagerProps> | null>(null);
  const [managerOpen, setManagerOpen] = useState(false);
  const openManager = useCallback(() => {
    void loadManager()
      .then((component) => {
        setManager(() => component);
        setManagerOpen(true);
      })
      .catch((e: unknown) => {
        console.warn("chitter: could not load the emoji manager", e);
      });
  }, []);
  const kit = useMemo<EmojiKit>(
    () => ({
      cache,
      library,
      openManager,
      preloadManager: () => {
        void loadManager().catch(() => undefined);
      },
    }),
    [cache, library, openManager],
  );

  useEffect(() => {
    void chat.start().catch((e: unknown) => {
      console.warn("chitter: could not load conversations", e);
    });
    // My library: the picker, autocomplete and my own sent messages use it.
    void library.load().catch(() => undefined);
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
  }, [chat, library]);

  const unread = chat.store.totalUnread(chat.active);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Chitter` : "Chitter";
  }, [unread]);

  return (
    <EmojiContext.Provider value={kit}>
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
      {Manager && managerOpen && (
        <Manager
          api={api}
          onClose={() => {
            setManagerOpen(false);
          }}
        />
      )}
    </EmojiContext.Provider>
  );
}
