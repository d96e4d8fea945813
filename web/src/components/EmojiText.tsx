import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type EmojiCache, type EmojiLibrary, emojiSize } from "../state/emoji";
import { type Segment, isEmojiOnly, tokenize } from "../state/shortcode";
import type { EmojiRef, EmojiView } from "../state/types";
import { useSubscription } from "./useSubscription";

export interface EmojiKit {
  cache: EmojiCache;
  library: EmojiLibrary;
  /** Opens the emoji manager (loaded on first use). */
  openManager: () => void;
  /** Starts loading the manager's code ahead of a likely click. */
  preloadManager: () => void;
}

export const EmojiContext = createContext<EmojiKit | null>(null);

export function useEmoji(): EmojiKit {
  const kit = useContext(EmojiContext);
  if (!kit) throw new Error("EmojiContext is not provided");
  return kit;
}

/** Inline and emoji-only ("jumbo") display heights, in CSS pixels. */
export const INLINE_PX = 22;
export const JUMBO_PX = 48;

interface EmojiTextProps {
  text: string;
  refs: readonly EmojiRef[] | undefined;
}

/**
 * Message text with its emoji as images. Built from text nodes and <img>
 * elements only: the text is never parsed as markup.
 */
export function EmojiText({ text, refs }: EmojiTextProps) {
  const segments = tokenize(text, refs);
  if (segments.length === 1 && segments[0]?.kind === "text") return <>{text}</>;
  return <EmojiSegments segments={segments} />;
}

/**
 * Text with emoji in it. It follows the cache itself: a message row skips
 * rendering while its message is unchanged, so a parent's render does not
 * reach it when an emoji loads or goes away.
 */
function EmojiSegments({ segments }: { segments: Segment[] }) {
  const { cache } = useEmoji();
  useSubscription(cache);
  // Deleted emoji read as text, so they do not make a message "emoji only".
  const shown = segments.map((s) => (s.kind === "emoji" && cache.lookup(s.emoji_id).status === "gone" ? { kind: "text" as const, text: `:${s.shortcode}:` } : s));
  const size = isEmojiOnly(shown) ? JUMBO_PX : INLINE_PX;
  return (
    <>
      {segments.map((s, i) =>
        s.kind === "text" ? s.text : <EmojiImage key={i} id={s.emoji_id} shortcode={s.shortcode} size={size} />,
      )}
    </>
  );
}

interface EmojiImageProps {
  id: string;
  /** The name the message used, which stays its label after a rename. */
  shortcode: string;
  size: number;
}

export function EmojiImage({ id, shortcode, size }: EmojiImageProps) {
  const { cache } = useEmoji();
  const state = cache.lookup(id);
  const label = `:${shortcode}:`;
  switch (state.status) {
    case "ready":
      return (
        <EmojiImg
          view={state.view}
          label={label}
          size={size}
          onError={() => {
            cache.imageFailed(id, state.view.url);
          }}
        />
      );
    case "loading":
      return <span class={`emoji emoji-slot${size > INLINE_PX ? " jumbo" : ""}`} role="img" aria-label={label} />;
    case "gone":
    case "failed":
      return <>{label}</>;
  }
}

interface EmojiImgProps {
  view: Pick<EmojiView, "url" | "width" | "height">;
  label: string;
  size: number;
  onError?: () => void;
  lazy?: boolean;
}

export function EmojiImg({ view, label, size, onError, lazy = true }: EmojiImgProps) {
  const { width, height } = emojiSize(view, size);
  return (
    <img
      class={`emoji${size > INLINE_PX ? " jumbo" : ""}`}
      src={view.url}
      alt={label}
      title={label}
      width={width}
      height={height}
      loading={lazy ? "lazy" : "eager"}
      decoding="async"
      draggable={false}
      onError={onError}
    />
  );
}

/** How many columns the first `.emoji-grid` in `root` lays out (it changes with the width). */
export function gridColumns(root: Element | null): number {
  const grid = root?.matches(".emoji-grid") ? root : root?.querySelector(".emoji-grid");
  if (!grid) return 1;
  // Resolved track sizes, one per column, "auto-fill" ones included.
  return Math.max(1, getComputedStyle(grid).gridTemplateColumns.split(" ").filter(Boolean).length);
}
