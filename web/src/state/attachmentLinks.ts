// Download URLs of message files, asked for when a file is about to be shown
// or downloaded and kept per upload until they expire (about an hour). My
// own images also have a local URL of the bytes I picked, used instead.
// No DOM here.

import { ApiError } from "./api";
import type { AttachmentLink } from "./types";

export type LinkState =
  | { status: "loading" }
  | { status: "ready"; url: string; local: boolean }
  /** Not served any more (the message or the file was deleted), or not mine to see. */
  | { status: "gone" }
  | { status: "failed" };

/** Which file: the message that carries it, and its upload. */
export interface FileAddress {
  conversation_id: string;
  seq: number;
  upload_id: string;
}

export interface AttachmentLinksOptions {
  load: (conversationId: string, seq: number, uploadId: string) => Promise<AttachmentLink>;
  now?: () => number;
  /** Ask again this long before a URL expires, so nothing is fetched with a dead link. */
  refreshMarginMs?: number;
  /** After a failed ask (not a 404), wait this long before asking again. */
  retryAfterMs?: number;
}

interface Entry {
  state: LinkState;
  link?: AttachmentLink;
  /** The ask running now. */
  pending: Promise<AttachmentLink | null> | null;
  /** When the last failure happened. */
  failedAt: number;
}

const LOADING: LinkState = { status: "loading" };
const GONE: LinkState = { status: "gone" };
const FAILED: LinkState = { status: "failed" };

export class AttachmentLinks {
  private readonly entries = new Map<string, Entry>();
  private readonly locals = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private readonly margin: number;
  private readonly retryAfter: number;

  constructor(private readonly opts: AttachmentLinksOptions) {
    this.margin = opts.refreshMarginMs ?? 60_000;
    this.retryAfter = opts.retryAfterMs ?? 15_000;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** A URL of my own bytes for an upload (an image I just sent): shown instead of asking. */
  putLocal(uploadId: string, url: string): void {
    this.locals.set(uploadId, url);
    this.emit();
  }

  local(uploadId: string): string | undefined {
    return this.locals.get(uploadId);
  }

  /**
   * What to show for a file now. Asks for a URL when none is known, the one
   * known is about to expire (it is still returned meanwhile), or an earlier
   * failure is old enough. Safe while rendering: listeners hear only when an
   * ask finishes.
   */
  lookup(at: FileAddress): LinkState {
    const local = this.locals.get(at.upload_id);
    if (local) return { status: "ready", url: local, local: true };
    const entry = this.entries.get(at.upload_id);
    if (!entry || (!entry.pending && this.isStale(entry))) void this.fetch(at).catch(() => undefined);
    return this.entries.get(at.upload_id)?.state ?? LOADING;
  }

  /** The state without asking for anything. */
  peek(uploadId: string): LinkState | undefined {
    const local = this.locals.get(uploadId);
    if (local) return { status: "ready", url: local, local: true };
    return this.entries.get(uploadId)?.state;
  }

  /**
   * A URL good for a while yet (from the server, never a local one), for a
   * download or to open the original; null when the file is gone. Rejects
   * when the server could not be asked.
   */
  async link(at: FileAddress): Promise<AttachmentLink | null> {
    const entry = this.entries.get(at.upload_id);
    if (entry?.pending) return entry.pending;
    if (entry?.state.status === "gone") return null;
    if (entry?.link && !this.expiring(entry.link)) return entry.link;
    return this.fetch(at);
  }

  /**
   * An image would not load from `url`: its link may have expired, or the
   * file been deleted, so ask again (at most once per retry period).
   */
  imageFailed(at: FileAddress, url: string): void {
    const entry = this.entries.get(at.upload_id);
    if (entry?.state.status !== "ready" || entry.state.url !== url || entry.pending) return;
    if (this.now() - entry.failedAt < this.retryAfter) return;
    entry.failedAt = this.now();
    void this.fetch(at).catch(() => undefined);
  }

  private expiring(link: AttachmentLink): boolean {
    const expires = Date.parse(link.expires_at);
    return Number.isNaN(expires) || expires - this.margin <= this.now();
  }

  private isStale(entry: Entry): boolean {
    switch (entry.state.status) {
      case "ready":
        return entry.link ? this.expiring(entry.link) : true;
      case "failed":
        return this.now() - entry.failedAt >= this.retryAfter;
      case "gone":
      case "loading":
        return false;
    }
  }

  private fetch(at: FileAddress): Promise<AttachmentLink | null> {
    let entry = this.entries.get(at.upload_id);
    if (!entry) {
      entry = { state: LOADING, pending: null, failedAt: 0 };
      this.entries.set(at.upload_id, entry);
    }
    const current = entry;
    const pending = this.opts
      .load(at.conversation_id, at.seq, at.upload_id)
      .then(
        (link) => {
          current.link = link;
          current.state = { status: "ready", url: link.url, local: false };
          return link;
        },
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) {
            delete current.link;
            current.state = GONE;
            return null;
          }
          current.failedAt = this.now();
          // A link still good is better than none.
          if (current.state.status !== "ready") current.state = FAILED;
          throw e;
        },
      )
      .finally(() => {
        current.pending = null;
        this.emit();
      });
    current.pending = pending;
    return pending;
  }
}
