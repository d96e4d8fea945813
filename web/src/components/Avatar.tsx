import { avatarIdOf, hueOf, initials } from "../state/format";
import type { Conversation } from "../state/types";

interface AvatarProps {
  id: string;
  name: string;
  size?: "sm" | "md" | "lg";
  group?: boolean;
  /** A public room: a "#" in place of initials. */
  room?: boolean;
}

/** Initials on a colour derived from the id; the hue is a custom property so themes can restyle it. */
export function Avatar({ id, name, size = "md", group = false, room = false }: AvatarProps) {
  return (
    <span
      class={`avatar avatar-${size}${group || room ? " avatar-group" : ""}${room ? " avatar-room" : ""}`}
      style={{ "--avatar-hue": String(hueOf(id)) }}
      aria-hidden="true"
    >
      {room ? "#" : initials(name)}
    </span>
  );
}

/** A conversation's avatar: the other person's in a direct chat, a group's or a room's own. */
export function ConversationAvatar({ c, myId, title }: { c: Conversation; myId: string; title: string }) {
  return <Avatar id={avatarIdOf(c, myId)} name={title} group={c.kind === "group"} room={c.kind === "room"} />;
}

/** Marks a room as one, next to its title. */
export function RoomBadge() {
  return <span class="room-badge">Room</span>;
}
