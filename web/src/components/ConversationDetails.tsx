import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../state/api";
import type { Chat } from "../state/chat";
import { RETENTION_CHOICES, countLabel, memberCount, retentionLabel, subtitleOf, titleOf } from "../state/format";
import type { ConversationState } from "../state/store";
import type { Member, RetentionDays } from "../state/types";
import { Avatar, ConversationAvatar } from "./Avatar";
import { MENU_BUTTON_ID } from "./ConversationMenu";
import { CloseIcon, CrownIcon, TimerIcon } from "./icons";

export interface ConversationDetailsProps {
  chat: Chat;
  conversation: ConversationState;
  /** Focus goes to the disappearing messages setting (it was what was asked for). */
  focusRetention: boolean;
  onClose: () => void;
}

/**
 * A conversation's details, as a modal dialog: how long it keeps messages
 * (any member of a direct chat, a group's or room's admins, may change it)
 * and who is in it with their roles; a group's admins make others admins or
 * take it back. A room lists no members (it may have thousands): how many,
 * and how many are online. Read again from the server each time it opens.
 */
export function ConversationDetails({ chat, conversation: c, focusRetention, onClose }: ConversationDetailsProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const myId = chat.me.user_id;
  const title = titleOf(c, myId);
  const id = c.conversation_id;

  // Open and focused in the task that renders it, so keys pressed at once land in it.
  useLayoutEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (!el.open) el.showModal();
    if (focusRetention) el.querySelector<HTMLElement>("#retention-choices [aria-pressed=true]")?.focus();
  }, [id]);
  useEffect(() => {
    void chat.refreshConversation(id).catch(() => undefined);
  }, [chat, id]);

  return (
    <dialog
      ref={dialog}
      id="conversation-details"
      class="details-dialog"
      aria-labelledby="conversation-details-title"
      onClose={() => {
        onClose();
        // The menu item that opened it is gone: focus goes back to the menu's button.
        if (document.activeElement === document.body) document.getElementById(MENU_BUTTON_ID)?.focus();
      }}
    >
      <header class="details-header">
        <ConversationAvatar c={c} myId={myId} title={title} />
        <div class="details-heading">
          <h2 id="conversation-details-title">{title}</h2>
          <p class="details-subtitle">{c.kind === "room" ? `Public room · ${subtitleOf(c, myId)}` : subtitleOf(c, myId)}</p>
        </div>
        <button
          type="button"
          class="icon-button details-close"
          aria-label="Close details"
          onClick={() => {
            dialog.current?.close();
          }}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="details-body">
        <RetentionSetting chat={chat} conversation={c} />
        {c.kind === "room" ? <RoomPeople conversation={c} /> : <Members chat={chat} conversation={c} />}
      </div>
    </dialog>
  );
}

function RetentionSetting({ chat, conversation: c }: { chat: Chat; conversation: ConversationState }) {
  const [saving, setSaving] = useState<RetentionDays | null | undefined>(undefined);
  const [error, setError] = useState("");
  const [announcement, setAnnouncement] = useState("");
  const canChange = c.kind === "direct" || c.role === "admin";
  const current = c.retention_days ?? null;
  const shown = saving === undefined ? current : saving;

  async function choose(days: RetentionDays | null) {
    if (days === current || saving !== undefined) return;
    setSaving(days);
    setError("");
    setAnnouncement("");
    try {
      await chat.setRetention(c.conversation_id, days);
      setAnnouncement(days === null ? "Disappearing messages turned off." : `Messages now disappear after ${retentionLabel(days)}.`);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 403
          ? `Only the ${c.kind}’s admins can change this.`
          : "Couldn’t change it. Check your connection and try again.",
      );
    } finally {
      setSaving(undefined);
    }
  }

  return (
    <section class="details-section" aria-labelledby="retention-title">
      <h3 id="retention-title" class="details-section-title">
        <TimerIcon />
        Disappearing messages
      </h3>
      <p id="retention-hint" class="field-hint">
        {canChange
          ? "Messages disappear for everyone this long after they’re sent, older ones too."
          : `Only the ${c.kind}’s admins can change how long messages are kept.`}
      </p>
      {/* Each choice applies at once, so they are buttons (arrow keys would set every value passed). */}
      <div id="retention-choices" class="retention-choices" role="group" aria-labelledby="retention-title" aria-describedby="retention-hint">
        {RETENTION_CHOICES.map((days) => {
          const value = days === null ? "off" : String(days);
          const pressed = shown === days;
          return (
            <button
              key={value}
              type="button"
              class={`retention-choice${pressed ? " is-checked" : ""}`}
              data-days={value}
              aria-pressed={pressed}
              disabled={!canChange}
              // Not disabled while saving: focus stays where it is.
              aria-disabled={saving !== undefined ? true : undefined}
              onClick={() => {
                void choose(days);
              }}
            >
              {retentionLabel(days)}
            </button>
          );
        })}
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <p class="visually-hidden" role="status">
        {saving !== undefined ? "Saving…" : announcement}
      </p>
    </section>
  );
}

/** A room's people in numbers: it may have thousands, so none are listed. */
function RoomPeople({ conversation: c }: { conversation: ConversationState }) {
  const members = memberCount(c);
  return (
    <section class="details-section" aria-labelledby="room-people-title">
      <h3 id="room-people-title" class="details-section-title">
        People
      </h3>
      <dl id="room-people" class="room-facts">
        <div class="room-fact">
          <dt>Members</dt>
          <dd id="details-member-count">{members.toLocaleString()}</dd>
        </div>
        <div class="room-fact">
          <dt>Online now</dt>
          <dd id="details-online">{c.online.toLocaleString()}</dd>
        </div>
      </dl>
      <p class="field-hint">
        {countLabel(members, "person is", "people are")} in this room. Anyone can find it in Rooms and join it, and everyone in it
        sees what’s said here.
        {c.role === "admin" && " As an admin, you can remove anyone’s message."}
      </p>
    </section>
  );
}

/** Me first, then by name (not by role: a row keeps its place, and its focus, when its role changes). */
function sortedMembers(members: readonly Member[], myId: string): Member[] {
  return [...members].sort((a, b) => {
    if (a.user_id === myId || b.user_id === myId) return a.user_id === myId ? -1 : 1;
    return (a.display_name || a.handle).localeCompare(b.display_name || b.handle);
  });
}

function Members({ chat, conversation: c }: { chat: Chat; conversation: ConversationState }) {
  const myId = chat.me.user_id;
  const isGroup = c.kind === "group";
  const amAdmin = isGroup && c.role === "admin";
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ userId: string; text: string } | null>(null);
  const [announcement, setAnnouncement] = useState("");

  async function setRole(m: Member, role: "admin" | "member") {
    setBusy(m.user_id);
    setError(null);
    setAnnouncement("");
    try {
      await chat.setRole(c.conversation_id, m.user_id, role);
      setAnnouncement(`${m.display_name || m.handle} is ${role === "admin" ? "now an admin" : "no longer an admin"}.`);
    } catch (e) {
      const text =
        e instanceof ApiError && e.status === 409
          ? "A group keeps at least one admin."
          : e instanceof ApiError && e.status === 403
            ? "Only the group’s admins can change roles."
            : "Couldn’t change the role. Try again.";
      setError({ userId: m.user_id, text });
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="details-section" aria-labelledby="members-title">
      <h3 id="members-title" class="details-section-title">
        {isGroup ? `Members (${c.members.length})` : "People"}
      </h3>
      <ul id="details-members" class="details-members">
        {sortedMembers(c.members, myId).map((m) => {
          const me = m.user_id === myId;
          const name = m.display_name || m.handle;
          const admin = isGroup && m.role === "admin";
          return (
            <li key={m.user_id} class="details-member" data-handle={m.handle}>
              <Avatar id={m.user_id} name={name} size="sm" />
              <span class="details-member-text">
                <span class="details-member-name">
                  {name}
                  {me && <span class="details-you"> (you)</span>}
                </span>
                <span class="details-member-handle">@{m.handle}</span>
              </span>
              {admin && (
                <span class="role-pill">
                  <CrownIcon />
                  Admin
                </span>
              )}
              {amAdmin && !me && (
                <button
                  type="button"
                  class="button secondary small role-button"
                  data-action={admin ? "demote" : "promote"}
                  aria-label={`${admin ? "Remove admin" : "Make admin"}: ${name}`}
                  disabled={busy !== null}
                  onClick={() => {
                    void setRole(m, admin ? "member" : "admin");
                  }}
                >
                  {busy === m.user_id ? "Saving…" : admin ? "Remove admin" : "Make admin"}
                </button>
              )}
              {error?.userId === m.user_id && (
                <p class="field-error details-member-error" role="alert">
                  {error.text}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      <p class="visually-hidden" role="status">
        {announcement}
      </p>
    </section>
  );
}
