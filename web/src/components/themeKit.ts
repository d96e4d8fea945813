import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ThemeLibrary } from "../state/themeLibrary";
import type { ConversationThemes } from "../state/themes";

/** Where the themes screen opens: my library, the market, or a new theme in the editor. */
export type ThemesView = "library" | "market" | "new";

export interface ThemeKit {
  looks: ConversationThemes;
  library: ThemeLibrary;
  /** Opens the themes screen (loaded on first use). */
  openThemes: (view?: ThemesView) => void;
  /** Starts loading its code ahead of a likely click. */
  preloadThemes: () => void;
}

export const ThemeContext = createContext<ThemeKit | null>(null);

export function useThemes(): ThemeKit {
  const kit = useContext(ThemeContext);
  if (!kit) throw new Error("ThemeContext is not provided");
  return kit;
}
