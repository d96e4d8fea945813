import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "../state/chat";
import type { PeopleSearch } from "../state/people";
import type { Profile } from "../state/types";
import { Avatar } from "./Avatar";
import { BlockIcon, MessageIcon } from "./icons";

interface PeopleResultsProps {
  chat: Chat;
  search: PeopleSearch;
  /** Opens a direct chat with them (the sidebar's form runs it, showing any error). */
  onMessage: (person: Profile) => void;
  busy: boolean;
}

/**
 * People whose handle starts with what is typed in "Chat with @handle", a
 * page at a time: write to them, or block them (asked inline first); someone
 * I block can be unblocked here. Focus stays with the person acted on.
 */
export function PeopleResults({ chat, search, onMessage, busy }: PeopleResultsProps) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [working, setWorking] = useState<string | null>(null);
  const [error, setError] = useState<{ userId: string; text: string } | null>(null);
  const root = useRef<HTMLElement>(null);
  /** What takes focus once the next state shows. */
  const focusNext = useRef<string | null>(null);
  /** "Show more" was pressed with this many shown: if it goes with the last page, focus goes to the first one it brought. */
  const afterMore = useRef<number | null>(null);

  useLayoutEffect(() => {
    const shown = afterMore.current;
    if (shown !== null && !search.loadingMore) {
      afterMore.current = null;
      if (!root.current?.querySelector("#people-more")) focusNext.current = `#people-list > li:nth-child(${shown + 1}) button`;
    }
    const selector = focusNext.current;
    if (!selector) return;
    const target = root.current?.querySelector<HTMLElement>(selector);
    if (!target) return;
    focusNext.current = null;
    target.focus();
  });

  if (search.prefix === null && !search.problem) return null;
  const myId = chat.me.user_id;
  const row = (p: Profile) => `li[data-user="${p.user_id}"]`;

  async function act(p: Profile, action: "block" | "unblock") {
    setWorking(p.user_id);
    setError(null);
    try {
      if (action === "block") await chat.block(p);
      else await chat.unblock(p.user_id);
      setConfirming(null);
      focusNext.current = `${row(p)} [data-action=${action === "block" ? "unblock" : "block"}]`;
    } catch {
      setError({ userId: p.user_id, text: action === "block" ? "Couldn’t block. Try again." : "Couldn’t unblock. Try again." });
    } finally {
      setWorking(null);
    }
  }

  const loading = search.status === "waiting" || search.status === "loading";
  const n = search.results.length;
  const status = search.problem
    ? search.problem
    : loading
      ? "Searching…"
      : search.status === "done" && n === 0
        ? `No one’s handle starts with “${search.prefix ?? ""}”.`
        : search.status === "done"
          ? `${n}${search.nextCursor ? "+" : ""} ${n === 1 ? "person" : "people"} found`
          : "";

  return (
    <section id="people-results" class="people-results" aria-label="People" aria-busy={loading} ref={root}>
      <p
        id="people-status"
        class={`people-status${search.status === "done" && n > 0 && !search.problem ? " visually-hidden" : ""}`}
        role="status"
      >
        {status}
      </p>
      {n > 0 && (
        <ul id="people-list" class="people-list">
          {search.results.map((p) => {
            const me = p.user_id === myId;
            const blocked = chat.isBlocked(p.user_id);
            const name = p.display_name || p.handle;
            const handle = `@${p.handle}`;
            return (
              <li key={p.user_id} class={`person${blocked ? " is-blocked" : ""}`} data-user={p.user_id} data-handle={p.handle}>
                <Avatar id={p.user_id} name={name} size="sm" />
                <span class="person-text">
                  <span class="person-name">{name}</span>
                  <span class="person-handle">
                    {handle}
                    {blocked && " · Blocked"}
                  </span>
                </span>
                {me ? (
                  <span class="person-you">You</span>
                ) : confirming === p.user_id ? null : blocked ? (
                  <span class="person-actions">
                    <button
                      type="button"
                      class="button secondary small"
                      data-action="unblock"
                      aria-label={`Unblock ${handle}`}
                      disabled={working !== null}
                      onClick={() => {
                        void act(p, "unblock");
                      }}
                    >
                      {working === p.user_id ? "Unblocking…" : "Unblock"}
                    </button>
                  </span>
                ) : (
                  <span class="person-actions">
                    <button
                      type="button"
                      class="button primary small"
                      data-action="message"
                      aria-label={`Message ${handle}`}
                      disabled={busy}
                      onClick={() => {
                        onMessage(p);
                      }}
                    >
                      <MessageIcon />
                      Message
                    </button>
                    <button
                      type="button"
                      class="icon-button person-block"
                      data-action="block"
                      aria-label={`Block ${handle}`}
                      title={`Block ${handle}`}
                      onClick={() => {
                        setConfirming(p.user_id);
                        setError(null);
                        focusNext.current = `${row(p)} [data-action=confirm-block]`;
                      }}
                    >
                      <BlockIcon />
                    </button>
                  </span>
                )}
                {confirming === p.user_id && (
                  <div
                    class="person-confirm"
                    role="group"
                    aria-label={`Block ${handle}?`}
                    onKeyDown={(event) => {
                      if (event.key !== "Escape") return;
                      event.preventDefault();
                      setConfirming(null);
                      focusNext.current = `${row(p)} [data-action=block]`;
                    }}
                  >
                    <p>
                      Block <strong>{handle}</strong>? Neither of you can message the other, and their messages in groups are hidden
                      from you.
                    </p>
                    <div class="message-confirm-actions">
                      <button
                        type="button"
                        class="button danger small"
                        data-action="confirm-block"
                        disabled={working !== null}
                        onClick={() => {
                          void act(p, "block");
                        }}
                      >
                        {working === p.user_id ? "Blocking…" : "Block"}
                      </button>
                      <button
                        type="button"
                        class="button ghost small"
                        data-action="cancel-block"
                        onClick={() => {
                          setConfirming(null);
                          focusNext.current = `${row(p)} [data-action=block]`;
                        }}
                      >
                        Cancel
                      </button>
                    </div>
                  </div>
                )}
                {error?.userId === p.user_id && (
                  <p class="field-error person-error" role="alert">
                    {error.text}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {search.error && (
        <p class="form-error people-error" role="alert">
          {search.error}
        </p>
      )}
      {search.nextCursor !== undefined && search.status === "done" && (
        <button
          type="button"
          id="people-more"
          class="button ghost small people-more"
          // Not disabled while loading, so it keeps focus.
          aria-disabled={search.loadingMore}
          onClick={() => {
            if (search.loadingMore) return;
            afterMore.current = search.results.length;
            void search.more();
          }}
        >
          {search.loadingMore ? "Loading…" : "Show more"}
        </button>
      )}
    </section>
  );
}
