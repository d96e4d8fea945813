import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "../state/chat";
import { Avatar } from "./Avatar";
import { BlockIcon, CloseIcon } from "./icons";

export interface BlockedUsersProps {
  chat: Chat;
  /** The id of what opened it: focus goes back there when it closes. */
  returnFocusTo: string;
  onClose: () => void;
}

/**
 * The people I block, as a modal dialog, each with Unblock. Read again each
 * time it opens; focus moves to the next person (or the close button) as
 * one leaves the list.
 */
export function BlockedUsers({ chat, returnFocusTo, onClose }: BlockedUsersProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [working, setWorking] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [announcement, setAnnouncement] = useState("");
  const [loadFailed, setLoadFailed] = useState(false);
  const focusNext = useRef<string | null>(null);

  useEffect(() => {
    dialog.current?.showModal();
    chat.loadBlocks().then(
      () => {
        setLoadFailed(false);
      },
      () => {
        setLoadFailed(true);
      },
    );
  }, [chat]);

  useLayoutEffect(() => {
    const selector = focusNext.current;
    if (!selector) return;
    focusNext.current = null;
    dialog.current?.querySelector<HTMLElement>(selector)?.focus();
  });

  const people = [...chat.blocked.values()].sort((a, b) => a.handle.localeCompare(b.handle));

  async function unblock(index: number) {
    const p = people[index];
    if (!p) return;
    setWorking(p.user_id);
    setError("");
    try {
      await chat.unblock(p.user_id);
      setAnnouncement(`Unblocked @${p.handle}.`);
      const next = people[index + 1] ?? people[index - 1];
      focusNext.current = next ? `li[data-user="${next.user_id}"] button` : ".details-close";
    } catch {
      setError(`Couldn’t unblock @${p.handle}. Try again.`);
    } finally {
      setWorking(null);
    }
  }

  return (
    <dialog
      ref={dialog}
      id="blocked-users"
      class="details-dialog blocked-dialog"
      aria-labelledby="blocked-title"
      onClose={() => {
        onClose();
        if (document.activeElement === document.body) document.getElementById(returnFocusTo)?.focus();
      }}
    >
      <header class="details-header">
        <span class="details-header-icon" aria-hidden="true">
          <BlockIcon />
        </span>
        <div class="details-heading">
          <h2 id="blocked-title">Blocked users</h2>
          <p class="details-subtitle">They can’t message you, and their messages in groups are hidden from you.</p>
        </div>
        <button
          type="button"
          class="icon-button details-close"
          aria-label="Close blocked users"
          onClick={() => {
            dialog.current?.close();
          }}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="details-body">
        {people.length === 0 ? (
          <p id="blocked-empty" class="details-empty">
            {loadFailed
              ? "The list couldn’t be loaded. Check your connection and try again."
              : chat.blocksLoaded
                ? "You haven’t blocked anyone."
                : "Loading…"}
          </p>
        ) : (
          <ul id="blocked-list" class="details-members">
            {people.map((p, i) => {
              const name = p.display_name || p.handle;
              return (
                <li key={p.user_id} class="details-member" data-user={p.user_id} data-handle={p.handle}>
                  <Avatar id={p.user_id} name={name} size="sm" />
                  <span class="details-member-text">
                    <span class="details-member-name">{name}</span>
                    <span class="details-member-handle">@{p.handle}</span>
                  </span>
                  <button
                    type="button"
                    class="button secondary small"
                    data-action="unblock"
                    aria-label={`Unblock @${p.handle}`}
                    disabled={working !== null}
                    onClick={() => {
                      void unblock(i);
                    }}
                  >
                    {working === p.user_id ? "Unblocking…" : "Unblock"}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <p class="visually-hidden" role="status">
          {announcement}
        </p>
      </div>
    </dialog>
  );
}
