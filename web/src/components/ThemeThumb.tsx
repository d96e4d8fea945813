import { useMemo } from "preact/hooks";
import { themeVars } from "../state/themeStyle";
import type { Theme } from "../state/types";
import { ThemeBackground } from "./ThemeBackground";

/** A theme in miniature: its background (layers at rest) with a bubble of each kind. Decorative. */
export function ThemeThumb({ theme }: { theme: Theme }) {
  const vars = useMemo(() => themeVars(theme), [theme]);
  return (
    <div class="theme-thumb" style={vars} aria-hidden="true">
      <div class="chat-bg">
        <ThemeBackground spec={theme} images={theme.images} />
      </div>
      <div class="theme-thumb-bubbles">
        <span class="thumb-bubble theirs">Seen the new look?</span>
        <span class="thumb-bubble mine">Love it</span>
      </div>
    </div>
  );
}
