import type { ComponentType } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { Api } from "../state/api";
import { Chat } from "../state/chat";
import { EmojiCache, EmojiLibrary, emojiLoader } from "../state/emoji";
import { Matcher } from "../state/matching";
import { RoomDirectory } from "../state/rooms";
import { ThemeLibrary } from "../state/themeLibrary";
import { ConversationThemes } from "../state/themes";
import type { Profile } from "../state/types";
import { ChatPanel } from "./ChatPanel";
import type { EmojiManagerProps } from "./EmojiManager";
import { EmojiContext, type EmojiKit } from "./EmojiText";
import { lazyComponent } from "./lazy";
import type { RoomsDialogProps } from "./RoomsDialog";
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
/** And the public rooms. */
const loadRooms = lazyComponent(() => import("./RoomsDialog").then((m) => m.RoomsDialog));

function preloadRooms() {
  void loadRooms().catch(() => undefined);
}

export function ChatApp({ api, me, wsUrl, onSignOut }: ChatAppProps) {
  const { cache, library } = useMemo(() => {
    const cache = new EmojiCache({ load: emojiLoader((id) => api.emoji(id)) });
    return { cache, library: new EmojiLibrary(api, cache) };
  }, [api, me]);
  const { looks, themeLibrary } = useMemo(() => {
    const looks = new ConversationThemes({ load: (id) => api.conversationLooks(id) });
    return { looks, themeLibrary: new ThemeLibrary(api, looks, me.user_id) };
  }, [api, me]);
  const { chat, matcher } = useMemo(() => {
    let connectedBefore = false;
    let chat: Chat | null = null;
    const matcher = new Matcher({
      api,
      // A new match: its conversation joins the list and opens.
      onMatched: (id) => chat?.openById(id),
    });
    chat = new Chat({
      api,
      me,
      wsUrl,
      storage: window.localStorage,
      isVisible: () => !document.hidden,
      previews: {
        create: (file) => URL.createObjectURL(file),
        revoke: (url) => {
          URL.revokeObjectURL(url);
        },
      },
      onTheme: (frame) => {
        looks.applyFrame(frame);
      },
      onMatched: (frame) => {
        matcher.onFrame(frame);
      },
      onConnected: () => {
        // Theme frames sent while away were missed.
        if (connectedBefore) looks.invalidate();
        connectedBefore = true;
        // So was any `matched` frame; and a wait may have lapsed (or it is a reload).
        void matcher.refresh();
      },
    });
    return { chat, matcher };
  }, [api, me, wsUrl, looks]);
  // Kept while signed in, so the pages read stay shown as it is read again.
  const directory = useMemo(() => new RoomDirectory({ rooms: (after, limit) => chat.listRooms(after, limit) }), [chat]);
  const [Rooms, setRooms] = useState<ComponentType<RoomsDialogProps> | null>(null);
  const [roomsOpen, setRoomsOpen] = useState(false);
  const openRooms = useCallback(() => {
    loadRooms().then(
      (component) => {
        setRooms(() => component);
        setRoomsOpen(true);
      },
      (e: unknown) => {
        console.warn("chitter: could not load the rooms", e);
      },
    );
  }, []);
  useSubscription(chat);
  useSubscription(matcher);
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
    // A file dropped where nothing takes it would replace the app with the file: it is refused instead.
    const refuseStrayDrop = (event: DragEvent) => {
      if (event.defaultPrevented || !event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    };
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("online", onOnline);
    window.addEventListener("dragover", refuseStrayDrop);
    window.addEventListener("drop", refuseStrayDrop);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("online", onOnline);
      window.removeEventListener("dragover", refuseStrayDrop);
      window.removeEventListener("drop", refuseStrayDrop);
      chat.stop();
      matcher.stop();
    };
  }, [chat, library, matcher]);

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
          matcher={matcher}
          onSignOut={() => {
            // Nobody should be matched with someone who has left (sent while the session is still known).
            if (matcher.state.status === "waiting") void matcher.cancel();
            chat.stop();
            // Unsent messages stay on a device only while their author is signed in to it.
            chat.outbox.clear();
            onSignOut();
          }}
          onOpenRooms={openRooms}
          onPreloadRooms={preloadRooms}
        />
        <ChatPanel chat={chat} matcher={matcher} />
      </div>
      {Manager && managerOpen && (
        <Manager
          api={api}
          onClose={() => {
            setManagerOpen(false);
          }}
        />
      )}
      {Rooms && roomsOpen && (
        <Rooms
          chat={chat}
          directory={directory}
          onClose={() => {
            setRoomsOpen(false);
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
          people={chat.profiles}
          onClose={() => {
            setThemesOpen(false);
          }}
        />
      )}
      </ThemeContext.Provider>
    </EmojiContext.Provider>
  );
}
