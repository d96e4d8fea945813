import type { TargetedSubmitEvent } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../state/api";
import type { Chat } from "../state/chat";
import { countLabel, field } from "../state/format";
import { type RoomDirectory, checkRoomTitle } from "../state/rooms";
import type { Conversation, RoomSummary } from "../state/types";
import { Avatar } from "./Avatar";
import { ROOMS_BUTTON_ID } from "./ConversationMenu";
import { CloseIcon, HashIcon, PlusIcon } from "./icons";
import { useSubscription } from "./useSubscription";

export interface RoomsDialogProps {
  chat: Chat;
  directory: RoomDirectory;
  onClose: () => void;
}

/** What is under way: creating a room ("new") or joining or opening one (its id). */
type Busy = string | null;

/**
 * The public rooms, as a modal dialog: start one, or browse them newest
 * first, a page at a time, joining one (or opening one I am in). Either
 * closes the dialog with the room open. Read again each time it opens.
 */
export function RoomsDialog({ chat, directory, onClose }: RoomsDialogProps) {
  useSubscription(directory);
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState<Busy>(null);
  /** Why the last action failed: creating ("new") or a room's (its id). */
  const [error, setError] = useState<{ key: string; text: string } | null>(null);
  /** A room was opened: focus goes to it once the dialog is gone. */
  const opened = useRef(false);
  const focusNext = useRef<string | null>(null);
  /** "Load more" was pressed with this many shown: if it goes with the last page, focus goes to the first one it brought. */
  const afterMore = useRef<number | null>(null);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
    void directory.load();
  }, [directory]);

  useLayoutEffect(() => {
    const shown = afterMore.current;
    if (shown !== null && !directory.loadingMore) {
      afterMore.current = null;
      if (directory.error !== null) focusNext.current = "#rooms-retry";
      else if (!dialog.current?.querySelector("#rooms-more")) {
        // The server may end with an empty page: focus then stays at the end of the list.
        focusNext.current = `#rooms-list > li:nth-child(${String(directory.items.length > shown ? shown + 1 : shown)}) button`;
      }
    }
    const selector = focusNext.current;
    if (!selector) return;
    const target = dialog.current?.querySelector<HTMLElement>(selector);
    if (!target) return;
    focusNext.current = null;
    target.focus();
  });

  async function enter(key: string, action: () => Promise<Conversation | undefined>) {
    if (busy !== null) return;
    setBusy(key);
    setError(null);
    try {
      const view = await action();
      if (view) directory.joined(view);
      opened.current = true;
      dialog.current?.close();
    } catch (e) {
      setError({ key, text: roomErrorMessage(e, key === "new") });
      // A room that is gone goes from the list too.
      if (e instanceof ApiError && e.status === 404) void directory.load();
    } finally {
      setBusy(null);
    }
  }

  function create(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const check = checkRoomTitle(field(new FormData(form), "title"));
    if (!check.ok) {
      setError({ key: "new", text: check.message });
      return;
    }
    void enter("new", async () => {
      const view = await chat.createRoom(check.title);
      form.reset();
      return view;
    });
  }

  function openRoom(r: RoomSummary, joined: boolean) {
    const id = r.conversation_id;
    void enter(id, async () => {
      if (!joined) return chat.joinRoom(id);
      await chat.openById(id);
      return undefined;
    });
  }

  const rooms = directory.items;
  const loading = directory.status === "loading" && rooms.length === 0;
  const status =
    directory.status === "failed"
      ? "The rooms couldn’t be loaded. Check your connection and try again."
      : loading
        ? "Loading rooms…"
        : directory.status === "ready" && rooms.length === 0
          ? "No rooms yet. Start the first one."
          : `${countLabel(rooms.length, "room", "rooms")} shown${directory.hasMore ? ", more to load" : ""}`;

  return (
    <dialog
      ref={dialog}
      id="rooms"
      class="details-dialog rooms-dialog"
      aria-labelledby="rooms-title"
      aria-describedby="rooms-subtitle"
      onClose={() => {
        onClose();
        if (opened.current) {
          // Wide screens land in the composer; on phones the keyboard would cover the room, so the messages take focus.
          const wide = window.matchMedia("(min-width: 721px)").matches;
          document.querySelector<HTMLElement>(wide ? "#composer textarea" : ".chat .messages-scroller")?.focus();
        } else if (document.activeElement === document.body) {
          document.getElementById(ROOMS_BUTTON_ID)?.focus();
        }
      }}
    >
      <header class="details-header">
        <span class="details-header-icon rooms-header-icon" aria-hidden="true">
          <HashIcon />
        </span>
        <div class="details-heading">
          <h2 id="rooms-title">Rooms</h2>
          <p id="rooms-subtitle" class="details-subtitle">
            Public rooms anyone can join. Everyone in a room sees what’s said there.
          </p>
        </div>
        <button
          type="button"
          class="icon-button details-close"
          aria-label="Close rooms"
          onClick={() => {
            dialog.current?.close();
          }}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="details-body" aria-busy={loading || directory.loadingMore}>
        <section class="details-section" aria-labelledby="new-room-label">
          <form id="new-room" class="room-create" onSubmit={create} noValidate>
            <label id="new-room-label" for="new-room-title" class="details-section-title">
              <PlusIcon />
              Start a room
            </label>
            <div class="inline-form">
              <input
                id="new-room-title"
                name="title"
                placeholder="Room name"
                autocomplete="off"
                aria-describedby={error?.key === "new" ? "new-room-error" : undefined}
                aria-invalid={error?.key === "new" ? true : undefined}
              />
              <button type="submit" class="button primary" aria-disabled={busy !== null ? true : undefined}>
                {busy === "new" ? "Creating…" : "Create"}
              </button>
            </div>
            {error?.key === "new" && (
              <p id="new-room-error" class="field-error" role="alert">
                {error.text}
              </p>
            )}
          </form>
        </section>
        <section class="details-section" aria-labelledby="rooms-list-title">
          <h3 id="rooms-list-title" class="details-section-title">
            All rooms
          </h3>
          <p
            id="rooms-status"
            class={`rooms-status${rooms.length > 0 && directory.status !== "failed" ? " visually-hidden" : ""}`}
            role="status"
          >
            {status}
          </p>
          {rooms.length > 0 && (
            <ul id="rooms-list" class="rooms-list">
              {rooms.map((r) => {
                const id = r.conversation_id;
                const held = chat.store.get(id);
                // What this page did since the directory was read counts first.
                const joined = held !== undefined || (r.joined && !chat.hasLeft(id));
                // A room I am in has its online count live.
                const online = held?.online ?? r.online;
                const action = joined ? "Open" : "Join";
                return (
                  <li key={id} class={`room-row${joined ? " is-joined" : ""}`} data-id={id} data-title={r.title}>
                    <Avatar id={id} name={r.title} room size="sm" />
                    <span class="room-text">
                      <span class="room-title">{r.title}</span>
                      <span class="room-meta">
                        <span class="room-members">{countLabel(r.member_count, "member", "members")}</span>
                        <span aria-hidden="true"> · </span>
                        {/* Lit when someone else is there (I count in a room I am in). */}
                        <span class={`online-dot${online > (joined ? 1 : 0) ? " on" : ""}`} aria-hidden="true" />
                        <span class="room-online">{online.toLocaleString()} online</span>
                        {joined && <span class="room-joined"> · Joined</span>}
                      </span>
                    </span>
                    <button
                      type="button"
                      class={`button small ${joined ? "secondary" : "primary"}`}
                      data-action={joined ? "open" : "join"}
                      aria-label={`${action} ${r.title}`}
                      aria-disabled={busy !== null ? true : undefined}
                      onClick={() => {
                        openRoom(r, joined);
                      }}
                    >
                      {busy === id ? (joined ? "Opening…" : "Joining…") : action}
                    </button>
                    {error?.key === id && (
                      <p class="field-error room-error" role="alert">
                        {error.text}
                      </p>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {directory.error !== null && directory.status !== "failed" && (
            <p class="field-error rooms-error" role="alert">
              Couldn’t load the rooms just now.
            </p>
          )}
          {directory.error !== null && !directory.loadingMore && directory.status !== "loading" && (
            <button
              type="button"
              id="rooms-retry"
              class="button secondary small rooms-more"
              onClick={() => {
                void directory.retry();
              }}
            >
              Try again
            </button>
          )}
          {directory.hasMore && directory.status === "ready" && directory.error === null && (
            <button
              type="button"
              id="rooms-more"
              class="button ghost small rooms-more"
              // Not disabled while loading, so it keeps focus.
              aria-disabled={directory.loadingMore}
              onClick={() => {
                if (directory.loadingMore) return;
                afterMore.current = rooms.length;
                void directory.loadMore();
              }}
            >
              {directory.loadingMore ? "Loading…" : "Load more"}
            </button>
          )}
        </section>
      </div>
    </dialog>
  );
}

function roomErrorMessage(e: unknown, creating: boolean): string {
  if (e instanceof ApiError && e.status === 404) return "This room doesn’t exist any more.";
  // The server's words name its parser's position: these are the reader's.
  if (e instanceof ApiError && e.status === 400 && creating) return "That name can’t be used: 1-100 characters, no line breaks or tabs.";
  return creating ? "Couldn’t create the room. Check your connection and try again." : "Couldn’t join. Check your connection and try again.";
}
