import type { SocketLike } from "../src/state/socket";
import type { ClientFrame, Conversation, KeyValueStore, Message, ServerFrame, Theme } from "../src/state/types";

export class MemoryStorage implements KeyValueStore {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

export class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  readonly sent: ClientFrame[] = [];

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  receive(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
  frames<A extends ClientFrame["action"]>(action: A): Extract<ClientFrame, { action: A }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { action: A }> => f.action === action);
  }
}

export const ME = { user_id: "u-me", handle: "ada", display_name: "Ada" };
export const BOB = { user_id: "u-bob", handle: "bob", display_name: "Bob" };

export function conversation(id: string, patch: Partial<Conversation> = {}): Conversation {
  return {
    conversation_id: id,
    kind: "direct",
    created_by: ME.user_id,
    created_at: "2026-01-01T10:00:00Z",
    last_seq: 0,
    last_active: "2026-01-01T10:00:00Z",
    read_seq: 0,
    role: "member",
    online: 1,
    members: [ME, BOB],
    ...patch,
  };
}

export function message(conversationId: string, seq: number, patch: Partial<Message> = {}): Message {
  return {
    conversation_id: conversationId,
    seq,
    message_id: `msg-${conversationId}-${seq}`,
    sender_id: BOB.user_id,
    client_msg_id: `c-${conversationId}-${seq}`,
    text: `message ${seq}`,
    sent_at: new Date(Date.UTC(2026, 0, 1, 10, seq)).toISOString(),
    ...patch,
  };
}

/** Lets pending promise callbacks (fetches, awaits) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export function theme(id: string, patch: Partial<Theme> = {}): Theme {
  return {
    theme_id: id,
    owner: "u-me",
    name: `Theme ${id}`,
    colors: { accent: "#7c5cff", own_bubble: "#4f46e5", own_text: "#ffffff", other_bubble: "#ffffff", other_text: "#111827" },
    background: { kind: "color", color: "#0b1020" },
    created_at: "2026-01-01T09:00:00Z",
    updated_at: "2026-01-01T09:00:00Z",
    copies: 0,
    images: {},
    ...patch,
  };
}
