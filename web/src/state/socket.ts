// One WebSocket at a time: a fresh connect ticket per attempt, reconnection
// with backoff after any close, and a ping every few minutes so API Gateway's
// 10-minute idle timeout never closes a quiet connection.

import { Backoff } from "./backoff";
import type { ClientFrame, ServerFrame } from "./types";

export type ConnectionStatus = "offline" | "connecting" | "online";

/** The part of the browser's WebSocket this module uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export const PING_EVERY_MS = 4 * 60 * 1000;
const OPEN = 1;

export interface SocketClientOptions {
  /** A URL carrying a fresh one-time ticket; rejects when none can be had. */
  connectUrl: () => Promise<string>;
  createSocket?: (url: string) => SocketLike;
  onOpen: () => void;
  onFrame: (frame: ServerFrame) => void;
  onStatus: (status: ConnectionStatus) => void;
  random?: () => number;
}

export class SocketClient {
  private socket: SocketLike | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  private connecting = false;
  private readonly backoff: Backoff;
  status: ConnectionStatus = "offline";

  constructor(private readonly opts: SocketClientOptions) {
    this.backoff = new Backoff(opts.random);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearRetry();
    this.stopPing();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "signed out");
    this.setStatus("offline");
  }

  /** Skip the rest of a backoff wait, e.g. when the browser comes back online. */
  reconnectNow(): void {
    if (this.stopped || this.socket || this.connecting) return;
    this.clearRetry();
    void this.connect();
  }

  send(frame: ClientFrame): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.connecting = true;
    this.setStatus("connecting");
    let url: string;
    try {
      url = await this.opts.connectUrl();
    } catch {
      this.connecting = false;
      this.retryLater();
      return;
    }
    this.connecting = false;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
    if (this.stopped) return;
    const create = this.opts.createSocket ?? ((u: string) => new WebSocket(u));
    const socket = create(url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.backoff.reset();
      this.setStatus("online");
      this.startPing();
      this.opts.onOpen();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== "string") return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        console.warn("chitter: a frame that is not JSON");
        return;
      }
      this.opts.onFrame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopPing();
      this.setStatus("offline");
      this.retryLater();
    };
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    this.setStatus("offline");
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.backoff.next());
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => this.send({ action: "ping" }), PING_EVERY_MS);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.opts.onStatus(status);
  }
}
