import type { RefObject, TargetedKeyboardEvent } from "preact";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { NOT_MINE_NOTE, type ThemeEmojiChoice, moveInSections, themeEmojiChoices } from "../state/themeEmoji";
import type { EmojiView } from "../state/types";
import { EmojiImg, gridColumns, useEmoji } from "./EmojiText";

export interface EmojiPickerProps {
  onPick: (emoji: EmojiView) => void;
  /** `restoreFocus`: put focus back in the composer (Escape), not when a click went elsewhere. */
  onClose: (restoreFocus: boolean) => void;
  /** The button that opened it: a press there toggles, it is not an outside click. */
  toggle: RefObject<HTMLElement | null>;
  /** The emoji set of the theme this conversation shows. */
  themeEmoji?: readonly string[] | undefined;
}

type Option = { kind: "mine"; view: EmojiView } | ThemeEmojiChoice;

/**
 * Searchable grids of my emoji and the conversation theme's; focus stays in
 * the search field and the arrows move the highlight across both.
 */
export function EmojiPicker({ onPick, onClose, toggle, themeEmoji = [] }: EmojiPickerProps) {
  const { library, cache, openManager } = useEmoji();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const base = useId();

  // Focus moves in the same task that shows the picker, so keys typed
  // straight after the click land in the search, not in the composer.
  useLayoutEffect(() => {
    // Keyboards get the search field; on phones that would cover the grid with the on-screen keyboard.
    if (window.matchMedia("(min-width: 721px)").matches) search.current?.focus();
    else root.current?.focus();
  }, []);

  useEffect(() => {
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
  const ready = library.status === "ready" ? library.items : library.status === "failed" ? "failed" : null;
  const fromTheme = themeEmoji.length ? themeEmojiChoices(themeEmoji, ready, (id) => cache.lookup(id), query) : [];
  const options: Option[] = [...items.map((view) => ({ kind: "mine" as const, view })), ...fromTheme];
  const index = Math.min(active, options.length - 1);
  const current = options[index];
  const optionId = (i: number) => `${base}-emoji-${i}`;
  const noteId = `${base}-not-mine`;

  useEffect(() => {
    if (index >= 0) document.getElementById(optionId(index))?.scrollIntoView({ block: "nearest" });
  });

  function choose(option: Option | undefined) {
    if (option?.kind === "mine") onPick(option.view);
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
      choose(current);
    } else if (event.key.startsWith("Arrow")) {
      const next = moveInSections(Math.max(index, 0), event.key, [items.length, fromTheme.length], gridColumns(list.current));
      if (next !== null) {
        event.preventDefault();
        setActive(next);
      }
    }
  }

  const listId = `${base}-list`;
  const hasOptions = options.length > 0;
  let mineNote = "";
  if (library.items.length === 0) {
    mineNote =
      library.status === "loading" || library.status === "idle"
        ? "Loading your emoji…"
        : library.status === "failed"
          ? "Your emoji could not be loaded."
          : "You have no emoji yet. Add some in the emoji manager.";
  } else if (!hasOptions) {
    mineNote = `No emoji match “${query}”.`;
  }
  const option = (o: Option, i: number) => {
    const enabled = o.kind === "mine";
    return (
      <li
        key={`${o.kind}:${o.kind === "mine" ? o.view.emoji_id : o.id}`}
        id={optionId(i)}
        role="option"
        aria-selected={i === index}
        aria-disabled={enabled ? undefined : true}
        aria-label={o.kind === "loading" ? "Loading emoji" : undefined}
        aria-describedby={o.kind === "theirs" ? noteId : undefined}
        title={o.kind === "theirs" ? NOT_MINE_NOTE : undefined}
        class={`emoji-option${i === index ? " active" : ""}${enabled ? "" : " disabled"}`}
        data-shortcode={o.kind === "loading" ? undefined : o.view.shortcode}
        data-kind={o.kind}
        onPointerMove={() => {
          if (i !== index) setActive(i);
        }}
        onClick={() => {
          choose(o);
        }}
      >
        {o.kind === "loading" ? (
          <span class="emoji emoji-slot" aria-hidden="true" />
        ) : (
          <EmojiImg view={o.view} label={`:${o.view.shortcode}:`} size={28} lazy={false} />
        )}
      </li>
    );
  };
  const notMine = fromTheme.some((o) => o.kind === "theirs");
  const titled = fromTheme.length > 0;
  // One listbox with a group per section, so one highlight runs across both.
  // Titles and the note are hidden as text: they name and describe the group and options.
  const body = (
    <>
      {mineNote && <p class="emoji-picker-note">{mineNote}</p>}
      {hasOptions && (
        <div id={listId} ref={list} role="listbox" aria-label="Emoji" class="emoji-sections">
          {items.length > 0 && (
            <div role="group" aria-label="Your emoji" class="emoji-section">
              {titled && (
                <h3 class="emoji-section-title" aria-hidden="true">
                  Your emoji
                </h3>
              )}
              <ul role="none" class="emoji-grid">
                {items.map((view, i) => option({ kind: "mine", view }, i))}
              </ul>
            </div>
          )}
          {fromTheme.length > 0 && (
            <div id="theme-emoji" role="group" aria-labelledby={`${base}-theme-title`} class="emoji-section">
              <h3 id={`${base}-theme-title`} class="emoji-section-title" aria-hidden="true">
                From this theme
              </h3>
              {notMine && (
                <p id={noteId} class="emoji-section-note" aria-hidden="true">
                  {NOT_MINE_NOTE}.
                </p>
              )}
              <ul role="none" class="emoji-grid">
                {fromTheme.map((o, i) => option(o, items.length + i))}
              </ul>
            </div>
          )}
        </div>
      )}
    </>
  );
  const currentText =
    current?.kind === "mine" ? `:${current.view.shortcode}:` : current && current.kind !== "loading" ? `:${current.view.shortcode}: · not yours` : "";

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
        aria-expanded={hasOptions}
        aria-controls={hasOptions ? listId : undefined}
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
          {currentText}
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
