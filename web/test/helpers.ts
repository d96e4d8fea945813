import type { SocketLike } from "../src/state/socket";
import type { ClientFrame, Conversation, KeyValueStore, Message, ServerFrame, Theme, UploadView } from "../src/state/types";
import { PutError, type UploadTransport } from "../src/state/upload";

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

/** A PNG's signature, then zeros: enough for the type to be told from the bytes. */
export const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

export function pngFile(name = "photo.png", type = "image/png"): File {
  return new File([PNG_BYTES], name, { type });
}

export function textFile(name = "notes.txt", text = "hello\n", type = "text/plain"): File {
  return new File([text], name, { type });
}

interface HeldPut {
  resolve: () => void;
  reject: (e: Error) => void;
  progress: (loaded: number, total: number) => void;
}

/**
 * An upload transport whose PUTs wait until the test finishes (or fails)
 * them; finalize answers what was declared, images 64 × 32.
 */
export function fakeUploads() {
  const log: string[] = [];
  const puts = new Map<string, HeldPut>();
  const declared = new Map<string, { contentType: string; size: number }>();
  let n = 0;
  const transport: UploadTransport = {
    create: (kind, contentType, size) => {
      const id = `up-${String(++n)}`;
      log.push(`create ${kind} ${contentType} ${String(size)}`);
      declared.set(id, { contentType, size });
      return Promise.resolve({
        upload_id: id,
        kind,
        upload: { method: "PUT", url: `http://storage.test/${id}`, headers: [], expires_at: "2026-01-01T10:05:00Z" },
        finalize_by: "2026-01-01T11:00:00Z",
      });
    },
    put: (request, _body, onProgress, signal) =>
      new Promise<void>((resolve, reject) => {
        const id = request.url.split("/").pop() ?? "";
        log.push(`put ${id}`);
        puts.set(id, { resolve, reject, progress: onProgress });
        signal?.addEventListener("abort", () => {
          log.push(`abort ${id}`);
          reject(new PutError(0));
        });
      }),
    finalize: (id) => {
      log.push(`finalize ${id}`);
      const d = declared.get(id) ?? { contentType: "text/plain", size: 0 };
      const view: UploadView = {
        upload_id: id,
        kind: "attachment",
        content_type: d.contentType,
        size: d.size,
        state: "ready",
        created_at: "2026-01-01T10:00:00Z",
        ...(d.contentType.startsWith("image/") ? { width: 64, height: 32 } : {}),
      };
      return Promise.resolve(view);
    },
    discard: (id) => {
      log.push(`discard ${id}`);
      return Promise.resolve();
    },
  };
  return {
    transport,
    log,
    /** The PUTs under way, by upload id. */
    puts,
    finish: async (id: string) => {
      puts.get(id)?.resolve();
      await settle();
    },
    fail: async (id: string, status = 500) => {
      puts.get(id)?.reject(new PutError(status));
      await settle();
    },
  };
}
