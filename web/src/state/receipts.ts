// Where my own messages are on their way: accepted → persisted → delivered →
// seen. No DOM here; the message list shows the ticks.
//
// A message in the outbox is pending (a clock) until the server accepts it,
// then sent (one tick). Once stored it is sent too, delivered (two ticks) when
// a `delivered` ack said another member's connection took it, and seen (two
// ticks in the read colour) once another member's read position reaches it:
// in a direct chat the other person's, in a group anyone's but mine. A room
// hears no one's read position but mine, so its messages stop at delivered.

import { type OutboxItem } from "./outbox";
import type { Conversation, Member } from "./types";

export type Receipt = "pending" | "sent" | "delivered" | "seen" | "failed";

/** How many names a group's "Seen by" spells out before "and N others". */
export const SEEN_NAMES = 3;

export interface StoredReceipt {
  status: "sent" | "delivered" | "seen";
  /** The other members whose read position reaches the message. */
  seenBy: Member[];
}

/** The other members who have read up to `seq`. */
export function seenBy(c: Conversation, seq: number, myId: string): Member[] {
  return c.members.filter((m) => m.user_id !== myId && (m.read_seq ?? 0) >= seq);
}

/** A stored message of mine: seen beats delivered (a reader's device had it), delivered beats sent. */
export function receiptOf(c: Conversation, seq: number, myId: string, delivered: boolean): StoredReceipt {
  const readers = c.kind === "room" ? [] : seenBy(c, seq, myId);
  if (readers.length > 0) return { status: "seen", seenBy: readers };
  return { status: delivered ? "delivered" : "sent", seenBy: [] };
}

/** A message still in the outbox: a clock until accepted, then one tick; or failed. */
export function outboxReceipt(item: Pick<OutboxItem, "status">): Receipt {
  if (item.status === "failed") return "failed";
  return item.status === "accepted" ? "sent" : "pending";
}

/** Names as a sentence: "Bob", "Bob and Cy", "Bob, Cy and Di", "Bob, Cy, Di and 2 others". */
export function namesList(names: readonly string[], max = SEEN_NAMES): string {
  if (names.length <= 1) return names[0] ?? "";
  if (names.length <= max) return `${names.slice(0, -1).join(", ")} and ${names.at(-1) ?? ""}`;
  const rest = names.length - max;
  return `${names.slice(0, max).join(", ")} and ${rest} ${rest === 1 ? "other" : "others"}`;
}

/** What a receipt says, for its tooltip and for screen readers. */
export function receiptLabel(status: Receipt, c?: Pick<Conversation, "kind">, readers: readonly Member[] = []): string {
  switch (status) {
    case "pending":
      return "Sending";
    case "failed":
      return "Not sent";
    case "sent":
      return "Sent";
    case "delivered":
      return "Delivered";
    case "seen":
      if (c?.kind !== "group" || readers.length === 0) return "Seen";
      return `Seen by ${readers.length}: ${namesList(readers.map((m) => m.display_name || `@${m.handle}`))}`;
  }
}
