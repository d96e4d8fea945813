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

export type ServerFrame =
  | MessageFrame
  | AckFrame
  | TypingFrame
  | ReadFrame
  | PresenceFrame
  | ResumedFrame
  | PongFrame
  | ErrorFrame;

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

/** The part of the Web Storage API the state modules use (tests pass a Map-backed one). */
export type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;
