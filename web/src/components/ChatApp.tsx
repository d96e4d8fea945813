import type { ComponentType } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { Api } from "../state/api";
import { Chat } from "../state/chat";
import { EmojiCache, EmojiLibrary, emojiLoader } from "../state/emoji";
import { ThemeLibrary } from "../state/themeLibrary";
import { ConversationThemes } from "../state/themes";
import type { Profile } from "../state/types";
import { ChatPanel } from "./ChatPanel";
import type { EmojiManagerProps } from "./EmojiManager";
import { EmojiContext, type EmojiKit } from "./EmojiText";
import { lazyComponent } from "./lazy";
import { Sidebar } from "./Sidebar";
import { ThemeContext, type ThemeKit, type ThemesView } from "./themeKit";
import type { ThemesDialogProps } from "./ThemesDialog";
import { useSubscription } from "./useSubscription";

interface ChatAppProps {
  api: Api;
  me: Profile;
  wsUrl: string;
  onSignOut: () => void;
}

/** The manager is a separate chunk: most visits never open it. */
const loadManager = lazyComponent(() => import("./EmojiManager").then((m) => m.EmojiManager));
/** So is the themes screen (its editor and market load further chunks). */
const loadThemes = lazyComponent(() => import("./ThemesDialog").then((m) => m.ThemesDialog));

export function ChatApp({ api, me, wsUrl, onSignOut }: ChatAppProps) {
  const { cache, library } = useMemo(() => {
    const cache = new EmojiCache({ load: emojiLoader((id) => api.emoji(id)) });
    return { cache, library: new EmojiLibrary(api, cache) };
  }, [api, me]);
  const { looks, themeLibrary } = useMemo(() => {
    const looks = new ConversationThemes({ load: (id) => api.conversationLooks(id) });
    return { looks, themeLibrary: new ThemeLibrary(api, looks, me.user_id) };
  }, [api, me]);
  const chat = useMemo(() => {
    let connectedBefore = false;
    return new Chat({
      api,
      me,
      wsUrl,
      storage: window.localStorage,
      isVisible: () => !document.hidden,
      onTheme: (frame) => {
        looks.applyFrame(frame);
      },
      onConnected: () => {
        // Theme frames sent while away were missed.
        if (connectedBefore) looks.invalidate();
        connectedBefore = true;
      },
    });
  }, [api, me, wsUrl, looks]);
  useSubscription(chat);
  useSubscription(cache);
  useSubscription(library);
  useSubscription(looks);
  useSubscription(themeLibrary);

  const [Themes, setThemes] = useState<ComponentType<ThemesDialogProps> | null>(null);
  const [themesOpen, setThemesOpen] = useState(false);
  const [themesView, setThemesView] = useState<{ view: ThemesView; at: number }>({ view: "library", at: 0 });
  const openThemes = useCallback(
    (view: ThemesView = "library") => {
      // Trying on a market theme ends when the screen opens again.
      looks.setPreview(null);
      void loadThemes()
        .then((component) => {
          setThemes(() => component);
          setThemesView({ view, at: Date.now() });
          setThemesOpen(true);
        })
        .catch((e: unknown) => {
          console.warn("chitter: could not load the themes screen", e);
        });
    },
    [looks],
  );
  const themeKit = useMemo<ThemeKit>(
    () => ({
      looks,
      library: themeLibrary,
      openThemes,
      preloadThemes: () => {
        void loadThemes().catch(() => undefined);
      },
    }),
    [looks, themeLibrary, openThemes],
  );

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
    // My library: the picker and autocomplete use it.
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

  const active = chat.active ? chat.store.get(chat.active) : undefined;
  return (
    <EmojiContext.Provider value={kit}>
      <ThemeContext.Provider value={themeKit}>
      <div id="app" class="app" data-view={chat.active || looks.preview ? "chat" : "list"}>
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
      {/* Kept once loaded, so the market keeps its pages while a theme is tried on in the chat. */}
      {Themes && (
        <Themes
          api={api}
          me={me}
          open={themesOpen}
          view={themesView}
          conversation={active ?? null}
          onClose={() => {
            setThemesOpen(false);
          }}
        />
      )}
      </ThemeContext.Provider>
    </EmojiContext.Provider>
  );
}
