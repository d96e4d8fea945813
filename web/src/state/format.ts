// Names, initials and times for the views; no DOM here.

/** A text field of a submitted form ("" when absent or a file). */
export function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

import type { Conversation, Member, Message, Profile, RetentionDays } from "./types";

/** Where names of people a conversation does not list come from (the profile cache). */
export interface PeopleLookup {
  get(userId: string): Profile | undefined;
}

/** Groups and rooms: many people, named by their title, senders shown by name. */
export function isGroupLike(c: Pick<Conversation, "kind">): boolean {
  return c.kind !== "direct";
}

/** How many members a conversation has (a room's view lists only me). */
export function memberCount(c: Conversation): number {
  return c.member_count ?? c.members.length;
}

/** "1 member", "2,048 members". */
export function countLabel(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function otherMembers(c: Conversation, myId: string): Member[] {
  return c.members.filter((m) => m.user_id !== myId);
}

export function titleOf(c: Conversation, myId: string): string {
  if (c.kind === "room") return c.title ?? "Room";
  if (c.kind === "group") return c.title ?? "Group";
  const other = otherMembers(c, myId)[0];
  return other ? other.display_name : "Direct";
}

export function subtitleOf(c: Conversation, myId: string): string {
  if (isGroupLike(c)) return countLabel(memberCount(c), "member", "members");
  const other = otherMembers(c, myId)[0];
  return other ? `@${other.handle}` : "";
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0] ?? "";
  const last = words.length > 1 ? (words[words.length - 1] ?? "") : "";
  return (firstChar(first) + firstChar(last)).toUpperCase() || "?";
}

/** A stable hue per id, so a person keeps their avatar colour everywhere. */
export function hueOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** Whose colour a conversation wears: the other person's in a direct chat, its own in a group. */
export function avatarIdOf(c: Conversation, myId: string): string {
  if (isGroupLike(c)) return c.conversation_id;
  return otherMembers(c, myId)[0]?.user_id ?? c.conversation_id;
}

/** Someone's name: from the conversation's members, else from `people` (a room's senders), else "Someone". */
export function memberName(c: Conversation | undefined, userId: string, people?: PeopleLookup): string {
  const p = c?.members.find((m) => m.user_id === userId) ?? people?.get(userId);
  return p ? p.display_name || p.handle : "Someone";
}

/** What a deleted message shows in its place. */
export function deletedLabel(m: Pick<Message, "sender_id" | "deleted_by">): string {
  return m.deleted_by !== undefined && m.deleted_by !== m.sender_id ? "Removed by an admin" : "Message deleted";
}

/** An unread count as a badge shows it: the server stops counting at 100. */
export function badgeCount(n: number): string {
  return n >= 100 ? "99+" : String(n);
}

/** An unread count in words, for screen readers. */
export function unreadLabel(n: number): string {
  return n >= 100 ? "More than 99 unread" : `${n} unread`;
}

/** The choices for how long messages are kept, off first. */
export const RETENTION_CHOICES: readonly (RetentionDays | null)[] = [null, 1, 7, 30];

/** "1 day", "7 days"; "Off" for none. */
export function retentionLabel(days: RetentionDays | null | undefined): string {
  if (days === null || days === undefined) return "Off";
  return days === 1 ? "1 day" : `${days} days`;
}

/** "1d", "7d": the header's short form. */
export function retentionShort(days: RetentionDays): string {
  return `${days}d`;
}

/** Someone's @handle in a conversation ("Someone" when not known: not a member any more, or not looked up yet). */
export function memberHandle(c: Conversation | undefined, userId: string, people?: PeopleLookup): string {
  const handle = (c?.members.find((m) => m.user_id === userId) ?? people?.get(userId))?.handle;
  return handle ? `@${handle}` : "Someone";
}

/** The line a retention change leaves in the message list. */
export function retentionNoticeText(
  c: Conversation,
  setBy: string,
  days: RetentionDays | undefined,
  myId: string,
  people?: PeopleLookup,
): string {
  const who = setBy === myId ? "You" : memberHandle(c, setBy, people);
  return days === undefined
    ? `${who} turned off disappearing messages`
    : `${who} set messages to disappear after ${retentionLabel(days)}`;
}

// One formatter per format, made on first use: `toLocale*String` with options
// builds a new one on every call, which made a page of 50 messages spend
// more time formatting their times than rendering them.
function formatter(options: Intl.DateTimeFormatOptions): (d: Date) => string {
  let made: Intl.DateTimeFormat | undefined;
  return (d) => (made ??= new Intl.DateTimeFormat(undefined, options)).format(d);
}

const formats = {
  clock: formatter({ hour: "numeric", minute: "2-digit" }),
  full: formatter({ dateStyle: "medium", timeStyle: "short" }),
  weekday: formatter({ weekday: "short" }),
  dayMonth: formatter({ day: "numeric", month: "short" }),
  longDay: formatter({ weekday: "long", day: "numeric", month: "long" }),
};

export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : formats.clock(d);
}

/** Date and time in full, for tooltips ("Edited …"). */
export function fullTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : formats.full(d);
}

/** "14:05" today, "Mon" this week, "12 Mar" before that. */
export function shortWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  if (sameDay(d, now)) return clockTime(iso);
  const days = (startOfDay(now) - startOfDay(d)) / 86_400_000;
  if (days > 0 && days < 7) return formats.weekday(d);
  return formats.dayMonth(d);
}

export function dayLabel(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const days = Math.round((startOfDay(now) - startOfDay(d)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return formats.longDay(d);
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** The first code point, so an emoji or astral letter is not cut in half. */
function firstChar(word: string): string {
  const cp = word.codePointAt(0);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}
