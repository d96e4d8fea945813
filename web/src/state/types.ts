// Shapes from docs/openapi.yaml and docs/protocol.md.

export interface Profile {
  user_id: string;
  handle: string;
  display_name: string;
}

export interface Session {
  user: Profile;
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
}

/** The OpenID provider one may sign in with (`GET /api/auth/oidc`). */
export interface OidcProvider {
  /** For the button: "Sign in with {name}". */
  name: string;
  issuer: string;
  client_id: string;
  authorization_endpoint: string;
}

/** `POST /api/auth/oidc/start`: the provider and a single-use nonce for the ID token. */
export interface OidcStart extends OidcProvider {
  nonce: string;
  expires_in: number;
}

export interface Member extends Profile {
  role?: "admin" | "member";
  joined_at?: string;
  read_seq?: number;
}

/** How many days a conversation keeps its messages (`retention_days`; absent: kept). */
export type RetentionDays = 1 | 7 | 30;

/** A direct chat, a group (members added by its admins), or a public room (anyone joins). */
export type ConversationKind = "direct" | "group" | "room";

export interface Conversation {
  conversation_id: string;
  kind: ConversationKind;
  title?: string;
  created_by: string;
  created_at: string;
  last_seq: number;
  last_active: string;
  read_seq: number;
  role: "admin" | "member";
  online: number;
  /** Messages disappear this many days after they were sent; absent: kept. */
  retention_days?: RetentionDays;
  /** Messages from others after `read_seq` (edits and deletes not counted); 100 means 100 or more. */
  unread?: number;
  /** How many members it has (absent from older servers: `members` is all of them). */
  member_count?: number;
  /** Everyone in it; in a room only me (a room may have 10,000 members). */
  members: Member[];
}

/** A public room as the directory lists it (GET /api/rooms). */
export interface RoomSummary {
  conversation_id: string;
  title: string;
  created_by: string;
  created_at: string;
  last_active: string;
  member_count: number;
  /** People with a connection open now. */
  online: number;
  /** I am a member. */
  joined: boolean;
}

/** A page of the room directory, newest rooms first. */
export interface RoomPage {
  rooms: RoomSummary[];
  /** `after` for the next page; absent on the last page. */
  next_after?: string;
}

/**
 * What a log entry is: a message (shown as a bubble), or a change to an
 * earlier message (`target_seq`), never shown itself. Absent means "message".
 */
export type EntryKind = "message" | "edit" | "delete";

export type Vote = "up" | "down";

/**
 * One entry of a conversation's log, as `message` frames and history items
 * carry it. Edit and delete entries take a seq like messages do, so they count
 * for gaps, resume and read positions.
 */
export interface Message {
  conversation_id: string;
  seq: number;
  message_id: string;
  /** The author; for an edit the editor, for a delete the deleter. */
  sender_id: string;
  client_msg_id: string;
  /**
   * A delete entry and a deleted message have none on the wire; the store
   * fills in "" so views can always read it.
   */
  text: string;
  /** The sender's emoji that `:shortcode:`s in the text named at send time (absent: none). */
  emoji?: EmojiRef[];
  /** Files members may download (absent: none, and once the message is deleted). */
  attachments?: Attachment[];
  sent_at: string;
  kind?: EntryKind;
  /** Edit and delete entries: the seq of the message they change. */
  target_seq?: number;
  /** A message whose text was edited: when it last was. */
  edited_at?: string;
  /** A deleted message (a tombstone): when, and by whom (not the sender when a group admin removed it). */
  deleted_at?: string;
  deleted_by?: string;
  /** Vote counts (absent: 0). */
  up?: number;
  down?: number;
  /** History items: the signed-in user's vote (absent: none). */
  my_vote?: Vote;
  /** If the server sends it: grows with every vote, to tell a stale `votes` frame (lower `rev`). */
  votes_rev?: number;
  /** The conversation's retention removes it then (absent: kept). */
  expires_at?: string;
  /** From someone I block: it keeps its place, with no text, emoji or files. */
  withheld?: boolean;
}

export interface HistoryPage {
  messages: Message[];
  next_before?: number;
}

export interface Ticket {
  ticket: string;
  expires_in: number;
}

/** A file as a message carries it: one of the sender's finished `attachment` uploads, named for the members. */
export interface Attachment {
  upload_id: string;
  name: string;
  content_type: string;
  size: number;
  /** Images: their size in pixels, to reserve a preview's space before it loads. */
  width?: number;
  height?: number;
}

/** What a `send` names of a file: the upload and the name members see. */
export interface AttachmentRef {
  upload_id: string;
  name: string;
}

/** Where to download a message's file: a short-lived URL. */
export interface AttachmentLink extends Attachment {
  url: string;
  expires_at: string;
}

export type ClientFrame =
  /** `text` may be left out when there are attachments. */
  | { action: "send"; id: string; conversation_id: string; text?: string; attachments?: AttachmentRef[] }
  | { action: "edit"; id: string; conversation_id: string; seq: number; text: string }
  | { action: "delete"; id: string; conversation_id: string; seq: number }
  | { action: "vote"; id?: string; conversation_id: string; seq: number; vote: Vote | "none" }
  | { action: "typing"; conversation_id: string }
  | { action: "read"; conversation_id: string; seq: number }
  | { action: "resume"; id?: string; conversation_id: string; last_seq: number }
  | { action: "ping"; id?: string };

export interface MessageFrame extends Message {
  type: "message";
}

export interface AckFrame {
  type: "ack";
  id: string;
  conversation_id: string;
  message_id: string;
  /** `delivered` follows `persisted` once another member's connection has the message. */
  status: "accepted" | "persisted" | "delivered";
  seq?: number;
  /** What the message's `:shortcode:`s resolved to, as every member gets it (absent: none). */
  emoji?: EmojiRef[];
}

export interface TypingFrame {
  type: "typing";
  conversation_id: string;
  user_id: string;
}

export interface ReadFrame {
  type: "read";
  conversation_id: string;
  user_id: string;
  seq: number;
}

export interface PresenceFrame {
  type: "presence";
  conversation_id: string;
  online: number;
}

export interface ResumedFrame {
  type: "resumed";
  id?: string;
  conversation_id: string;
  last_seq: number;
  more: boolean;
}

export interface PongFrame {
  type: "pong";
  id?: string;
}

export interface ErrorFrame {
  type: "error";
  id?: string;
  code: string;
  message: string;
  /** `rate_limited`: seconds to wait before the same frame (same id) may go again. */
  retry_after?: number;
}

/** A message's vote counts changed; `user_id` voted `vote` ("none": took their vote back). */
export interface VotesFrame {
  type: "votes";
  conversation_id: string;
  seq: number;
  up: number;
  down: number;
  user_id: string;
  vote: Vote | "none";
  /** If the server sends it: of two frames for a message, the one with the larger `rev` is newer. */
  rev?: number;
}

/** A conversation's theme was set (or, without `theme`, cleared) by a member. */
export interface ThemeFrame {
  type: "theme";
  conversation_id: string;
  set_by: string;
  theme?: Theme;
}

/** How long a conversation keeps its messages was set (`days` absent: turned off) by `set_by`. */
export interface RetentionFrame {
  type: "retention";
  conversation_id: string;
  days?: RetentionDays;
  set_by: string;
}

/** Random matching paired me with `with` in a direct conversation (may arrive twice). */
export interface MatchedFrame {
  type: "matched";
  conversation_id: string;
  with: Profile;
}

export type ServerFrame =
  | MessageFrame
  | AckFrame
  | TypingFrame
  | ReadFrame
  | PresenceFrame
  | ResumedFrame
  | PongFrame
  | ErrorFrame
  | ThemeFrame
  | VotesFrame
  | RetentionFrame
  | MatchedFrame;

/** A page of users whose handle starts with a prefix (GET /api/users). */
export interface UserPage {
  users: Profile[];
  /** Absent on the last page. */
  next_cursor?: string;
}

/** Where I stand in random matching (GET/POST /api/match). */
export type MatchState =
  | { state: "idle" }
  | { state: "waiting"; since: string }
  | { state: "matched"; conversation_id: string; with: Profile };

export interface EmojiRef {
  shortcode: string;
  emoji_id: string;
}

export interface EmojiView {
  emoji_id: string;
  shortcode: string;
  owner: string;
  content_type: string;
  width: number;
  height: number;
  created_at: string;
  /** Short-lived: good until `url_expires_at`. */
  url: string;
  url_expires_at: string;
}

export type UploadKind = "emoji" | "background" | "attachment";

export interface PresignedRequest {
  method: "PUT";
  url: string;
  /** Send exactly these: they are part of the signature. */
  headers: [string, string][];
  expires_at: string;
}

export interface UploadTicket {
  upload_id: string;
  kind: UploadKind;
  upload: PresignedRequest;
  finalize_by: string;
}

export interface UploadView {
  upload_id: string;
  kind: UploadKind;
  content_type: string;
  size: number;
  state: "pending" | "ready";
  width?: number;
  height?: number;
  created_at: string;
  url?: string;
  url_expires_at?: string;
}

export interface UploadList {
  uploads: UploadView[];
  bytes_used: number;
  quota_bytes: number;
}

// ------------------------------------------------------------------ themes

export interface ThemeColors {
  accent: string;
  own_bubble: string;
  own_text: string;
  other_bubble: string;
  other_text: string;
}

export type ColorKey = keyof ThemeColors;

/** One image of a parallax background; drawn first to last (the last on top). */
export interface ParallaxLayer {
  upload_id: string;
  /** Pixels the layer moves per pixel the chat scrolls: 0 stays put, 1 moves with the messages. */
  speed: number;
  offset_x: number;
  offset_y: number;
  opacity: number;
  /** Blur radius, CSS px. */
  blur: number;
}

export type Background =
  | { kind: "color"; color: string }
  | { kind: "gradient"; angle: number; stops: string[] }
  | { kind: "image"; upload_id: string; blur: number }
  | { kind: "parallax"; color: string; layers: ParallaxLayer[] };

export type BackgroundKind = Background["kind"];

/** A theme as written. */
export interface ThemeSpec {
  name: string;
  colors: ThemeColors;
  background: Background;
  emoji?: string[];
}

/** A theme as stored. */
export interface Theme extends ThemeSpec {
  theme_id: string;
  owner: string;
  created_at: string;
  updated_at: string;
  /** Set while in the market. */
  published_at?: string;
  copies: number;
  copied_from?: string;
  /** Upload id → a presigned GET, valid until `images_expire_at`. */
  images: Record<string, string>;
  images_expire_at?: string;
}

export interface MarketTheme extends Theme {
  owner_handle?: string;
}

export interface MarketPage {
  themes: MarketTheme[];
  /** Absent on the last page. */
  next?: string;
}

export type MarketOrder = "newest" | "most_copied";

/** Which theme a conversation shows me: the first found of these. */
export type ThemeSource = "override" | "conversation" | "default" | "builtin";

export interface ConversationLooks {
  shown: ThemeSource;
  override?: Theme;
  conversation?: Theme;
  conversation_set_by?: string;
  default?: Theme;
}

/** The part of the Web Storage API the state modules use (tests pass a Map-backed one). */
export type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;
