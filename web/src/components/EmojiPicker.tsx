import type { RefObject, TargetedKeyboardEvent } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { moveInGrid } from "../state/shortcode";
import type { EmojiView } from "../state/types";
import { EmojiImg, useEmoji } from "./EmojiText";

export interface EmojiPickerProps {
  onPick: (emoji: EmojiView) => void;
  /** `restoreFocus`: put focus back in the composer (Escape), not when a click went elsewhere. */
  onClose: (restoreFocus: boolean) => void;
  /** The button that opened it: a press there toggles, it is not an outside click. */
  toggle: RefObject<HTMLElement | null>;
}

/** A searchable grid of my emoji; focus stays in the search field and the arrows move the highlight. */
export function EmojiPicker({ onPick, onClose, toggle }: EmojiPickerProps) {
  const { library, openManager } = useEmoji();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const base = useId();

  useEffect(() => {
    // Keyboards get the search field; on phones that would cover the grid with the on-screen keyboard.
    if (window.matchMedia("(min-width: 721px)").matches) search.current?.focus();
    else root.current?.focus();
    void library.load().catch(() => undefined);
  }, [library]);

  useEffect(() => {
    const onDown = (event: PointerEvent) => {
      const target = event.target as Node | null;
      if (!target || root.current?.contains(target) || toggle.current?.contains(target)) return;
      onClose(false);
    };
    document.addEventListener("pointerdown", onDown);
    return () => {
      document.removeEventListener("pointerdown", onDown);
    };
  }, [onClose, toggle]);

  const items = library.search(query);
  const index = Math.min(active, items.length - 1);
  const current = items[index];
  const optionId = (i: number) => `${base}-emoji-${i}`;

  useEffect(() => {
    if (index >= 0) document.getElementById(optionId(index))?.scrollIntoView({ block: "nearest" });
  });

  /** How many options fit on a row, read from the layout (it changes with the width). */
  function columns(): number {
    const options = list.current?.children;
    const first = options?.[0] as HTMLElement | undefined;
    if (!options || !first) return 1;
    let n = 0;
    for (const option of options) {
      if ((option as HTMLElement).offsetTop !== first.offsetTop) break;
      n++;
    }
    return n;
  }

  function keyDown(event: TargetedKeyboardEvent<HTMLDivElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onClose(true);
      return;
    }
    // The grid answers from the search field (or the picker itself); other controls keep their keys.
    if (event.target !== search.current && event.target !== event.currentTarget) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (current) onPick(current);
    } else if (event.key.startsWith("Arrow")) {
      const next = moveInGrid(Math.max(index, 0), event.key, items.length, columns());
      if (next !== null) {
        event.preventDefault();
        setActive(next);
      }
    }
  }

  const listId = `${base}-list`;
  let body;
  if (library.items.length === 0) {
    body =
      library.status === "loading" || library.status === "idle" ? (
        <p class="emoji-picker-note">Loading your emoji…</p>
      ) : library.status === "failed" ? (
        <p class="emoji-picker-note">Your emoji could not be loaded.</p>
      ) : (
        <p class="emoji-picker-note">You have no emoji yet. Add some in the emoji manager.</p>
      );
  } else if (items.length === 0) {
    body = <p class="emoji-picker-note">No emoji match “{query}”.</p>;
  } else {
    body = (
      <ul id={listId} ref={list} class="emoji-grid" role="listbox" aria-label="Your emoji">
        {items.map((e, i) => (
          <li
            key={e.emoji_id}
            id={optionId(i)}
            role="option"
            aria-selected={i === index}
            class={`emoji-option${i === index ? " active" : ""}`}
            data-shortcode={e.shortcode}
            onPointerMove={() => {
              if (i !== index) setActive(i);
            }}
            onClick={() => {
              onPick(e);
            }}
          >
            <EmojiImg view={e} label={`:${e.shortcode}:`} size={28} lazy={false} />
          </li>
        ))}
      </ul>
    );
  }

  return (
    <div
      id="emoji-picker"
      ref={root}
      class="emoji-picker"
      role="dialog"
      aria-label="Insert an emoji"
      tabIndex={-1}
      onKeyDown={keyDown}
      onFocusOut={(event) => {
        const to = event.relatedTarget as Node | null;
        if (to && !event.currentTarget.contains(to) && !toggle.current?.contains(to)) onClose(false);
      }}
    >
      <label for={`${base}-search`} class="visually-hidden">
        Search your emoji
      </label>
      <input
        id={`${base}-search`}
        ref={search}
        class="emoji-search"
        type="text"
        enterkeyhint="done"
        placeholder="Search emoji"
        autocomplete="off"
        spellcheck={false}
        role="combobox"
        aria-expanded={items.length > 0}
        aria-controls={items.length > 0 ? listId : undefined}
        aria-activedescendant={current ? optionId(index) : undefined}
        aria-autocomplete="list"
        value={query}
        onInput={(event) => {
          setQuery(event.currentTarget.value);
          setActive(0);
        }}
      />
      <div class="emoji-picker-body">{body}</div>
      <div class="emoji-picker-footer">
        <span class="emoji-picker-current" aria-hidden="true">
          {current ? `:${current.shortcode}:` : ""}
        </span>
        <button
          type="button"
          class="button link small"
          onClick={() => {
            onClose(false);
            openManager();
          }}
        >
          Manage emoji
        </button>
      </div>
    </div>
  );
}
