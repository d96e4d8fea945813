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

export interface Member extends Profile {
  role?: "admin" | "member";
  joined_at?: string;
  read_seq?: number;
}

export interface Conversation {
  conversation_id: string;
  kind: "direct" | "group";
  title?: string;
  created_by: string;
  created_at: string;
  last_seq: number;
  last_active: string;
  read_seq: number;
  role: "admin" | "member";
  online: number;
  members: Member[];
}

export interface Message {
  conversation_id: string;
  seq: number;
  message_id: string;
  sender_id: string;
  client_msg_id: string;
  text: string;
  /** The sender's emoji that `:shortcode:`s in the text named at send time (absent: none). */
  emoji?: EmojiRef[];
  sent_at: string;
}

export interface HistoryPage {
  messages: Message[];
  next_before?: number;
}

export interface Ticket {
  ticket: string;
  expires_in: number;
}

export type ClientFrame =
  | { action: "send"; id: string; conversation_id: string; text: string }
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
  status: "accepted" | "persisted";
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
}

/** A conversation's theme was set (or, without `theme`, cleared) by a member. */
export interface ThemeFrame {
  type: "theme";
  conversation_id: string;
  set_by: string;
  theme?: Theme;
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
  | ThemeFrame;

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
