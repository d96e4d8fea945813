// The HTTP API (docs/openapi.yaml): a session of access + refresh tokens
// kept in storage, refreshed once on a 401 and then retried.

import type {
  AttachmentLink,
  Conversation,
  ConversationLooks,
  EmojiView,
  HistoryPage,
  KeyValueStore,
  MarketOrder,
  MarketPage,
  MatchState,
  OidcProvider,
  OidcStart,
  Profile,
  RetentionDays,
  RoomPage,
  Session,
  Theme,
  ThemeSpec,
  Ticket,
  UploadKind,
  UploadList,
  UploadTicket,
  UploadView,
  UserPage,
} from "./types";

import { retryAfterSeconds } from "./rateLimit";

const SESSION_KEY = "chitter.session";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    /** A 429's wait in seconds before trying again (its message already says so to a person). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiOptions {
  base: string;
  storage: KeyValueStore;
  fetch: typeof fetch;
}

export class Api {
  session: Session | null;
  /** Called when the session is gone (refresh refused): the app shows sign-in. */
  onSignedOut: (() => void) | null = null;
  private refreshing: Promise<boolean> | null = null;

  constructor(private readonly opts: ApiOptions) {
    this.session = readSession(opts.storage);
  }

  private url(path: string): string {
    return this.opts.base + path;
  }

  async call<T>(method: string, path: string, body?: unknown, retry = true): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = this.session?.access_token;
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.opts.fetch(this.url(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && retry && this.session?.refresh_token) {
      if (await this.refresh()) return this.call<T>(method, path, body, false);
    }
    const data: unknown = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const err = (data ?? {}) as { message?: string; code?: string; retry_after?: unknown };
      const message = err.message ?? res.statusText;
      const retryAfter =
        res.status === 429 || err.retry_after !== undefined
          ? retryAfterSeconds(err.retry_after ?? res.headers.get("retry-after"), message)
          : undefined;
      throw new ApiError(message, res.status, err.code, retryAfter);
    }
    return data as T;
  }

  /** Refresh tokens are single use, so concurrent 401s share one refresh. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    // Another tab may have rotated the shared session already: presenting
    // the old token again would count as reuse and end the whole session.
    const stored = readSession(this.opts.storage);
    if (stored && stored.refresh_token !== this.session?.refresh_token) {
      this.session = stored;
      return true;
    }
    const refreshToken = this.session?.refresh_token;
    if (!refreshToken) return false;
    try {
      const res = await this.opts.fetch(this.url("/api/auth/refresh"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      if (!res.ok) throw new Error("refresh refused");
      this.saveSession((await res.json()) as Session);
      return true;
    } catch {
      // A tab refreshing at the same moment may have won: take its session
      // rather than signing both out.
      const now = readSession(this.opts.storage);
      if (now && now.refresh_token !== refreshToken) {
        this.session = now;
        return true;
      }
      this.forgetSession();
      this.onSignedOut?.();
      return false;
    }
  }

  saveSession(session: Session): void {
    this.session = session;
    this.opts.storage.setItem(SESSION_KEY, JSON.stringify(session));
  }

  forgetSession(): void {
    this.session = null;
    this.opts.storage.removeItem(SESSION_KEY);
  }

  async authenticate(mode: "signin" | "signup", handle: string, password: string): Promise<Session> {
    const session = await this.call<Session>("POST", `/api/auth/${mode}`, { handle, password }, false);
    this.saveSession(session);
    return session;
  }

  /** The OpenID provider one may sign in with; null when none is configured. */
  async oidcProvider(): Promise<OidcProvider | null> {
    try {
      return await this.call<OidcProvider>("GET", "/api/auth/oidc", undefined, false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  /** The provider again, with a single-use nonce for the ID token to carry. */
  oidcStart(): Promise<OidcStart> {
    return this.call<OidcStart>("POST", "/api/auth/oidc/start", undefined, false);
  }

  /** Signs in with the provider's ID token (201 when this created the account, 200 after). */
  async oidcSignIn(idToken: string): Promise<Session> {
    const session = await this.call<Session>("POST", "/api/auth/oidc", { id_token: idToken }, false);
    this.saveSession(session);
    return session;
  }

  /** Revokes the refresh token (best effort) and forgets the session. */
  signOut(): void {
    // The newest token, which another tab may have rotated to.
    const refreshToken = readSession(this.opts.storage)?.refresh_token ?? this.session?.refresh_token;
    this.forgetSession();
    if (refreshToken) {
      this.opts
        .fetch(this.url("/api/auth/signout"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken }),
        })
        .catch(() => undefined);
    }
  }

  ticket(): Promise<Ticket> {
    return this.call<Ticket>("POST", "/api/auth/ticket");
  }

  async conversations(): Promise<Conversation[]> {
    return (await this.call<{ conversations: Conversation[] }>("GET", "/api/conversations")).conversations;
  }

  openDirect(handle: string): Promise<Conversation> {
    return this.call<Conversation>("POST", "/api/conversations", { kind: "direct", handle });
  }

  createGroup(title: string, memberIds: string[]): Promise<Conversation> {
    return this.call<Conversation>("POST", "/api/conversations", { kind: "group", title, member_ids: memberIds });
  }

  user(handle: string): Promise<Profile> {
    return this.call<Profile>("GET", `/api/users/${encodeURIComponent(handle)}`);
  }

  /** Users whose handle starts with `prefix` (1-32 of A-Z a-z 0-9 _), a page at a time, in handle order. */
  searchUsers(prefix: string, cursor?: string, limit = 20): Promise<UserPage> {
    const query = new URLSearchParams({ prefix, limit: String(limit) });
    if (cursor !== undefined) query.set("cursor", cursor);
    return this.call<UserPage>("GET", `/api/users?${query}`);
  }

  /** The profiles of these users (1-100 ids); ids the server does not know are left out. */
  async profiles(ids: readonly string[]): Promise<Profile[]> {
    const query = ids.map(encodeURIComponent).join(",");
    return (await this.call<{ users: Profile[] }>("GET", `/api/profiles?ids=${query}`)).users;
  }

  // ----------------------------------------------------------------- rooms

  /** The public rooms, newest first, a page at a time (`after`: the previous page's `next_after`). */
  rooms(after?: string, limit = 20): Promise<RoomPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (after !== undefined) query.set("after", after);
    return this.call<RoomPage>("GET", `/api/rooms?${query}`);
  }

  /** A new room, with me as its admin. */
  createRoom(title: string): Promise<Conversation> {
    return this.call<Conversation>("POST", "/api/rooms", { title });
  }

  /** Joins a room (joining twice is fine); 404 when there is no such room. */
  joinRoom(id: string): Promise<Conversation> {
    return this.call<Conversation>("PUT", `/api/rooms/${encodeURIComponent(id)}/membership`);
  }

  /** Leaves a room: it goes from my list, and its frames stop. */
  async leaveRoom(id: string): Promise<void> {
    await this.call<null>("DELETE", `/api/rooms/${encodeURIComponent(id)}/membership`);
  }

  // ---------------------------------------------------------------- blocks

  async blocks(): Promise<Profile[]> {
    return (await this.call<{ blocked: Profile[] }>("GET", "/api/blocks")).blocked;
  }

  /** Blocking twice is fine. */
  async block(userId: string): Promise<void> {
    await this.call<null>("PUT", `/api/blocks/${encodeURIComponent(userId)}`);
  }

  async unblock(userId: string): Promise<void> {
    await this.call<null>("DELETE", `/api/blocks/${encodeURIComponent(userId)}`);
  }

  // --------------------------------------------------- one conversation

  conversation(id: string): Promise<Conversation> {
    return this.call<Conversation>("GET", `/api/conversations/${encodeURIComponent(id)}`);
  }

  /** Promotes a member to admin or demotes an admin (group admins only; a group keeps one admin). */
  setRole(conversationId: string, userId: string, role: "admin" | "member"): Promise<Conversation> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`;
    return this.call<Conversation>("PATCH", path, { role });
  }

  /** How long messages are kept (null: turned off); any member of a direct chat, admins of a group. */
  setRetention(conversationId: string, days: RetentionDays | null): Promise<Conversation> {
    return this.call<Conversation>("PUT", `/api/conversations/${encodeURIComponent(conversationId)}/retention`, { days });
  }

  history(conversationId: string, before?: number, limit = 50): Promise<HistoryPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) query.set("before", String(before));
    return this.call<HistoryPage>("GET", `/api/conversations/${encodeURIComponent(conversationId)}/messages?${query}`);
  }

  /** A short-lived URL for a file of the message at `seq` (members only; 404 once it is gone). */
  attachment(conversationId: string, seq: number, uploadId: string): Promise<AttachmentLink> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/messages/${String(seq)}/attachments/${encodeURIComponent(uploadId)}`;
    return this.call<AttachmentLink>("GET", path);
  }

  // -------------------------------------------------------------- matching

  match(): Promise<MatchState> {
    return this.call<MatchState>("GET", "/api/match");
  }

  /** Asks to be matched: waiting, or matched at once. Asking again is harmless. */
  requestMatch(): Promise<MatchState> {
    return this.call<MatchState>("POST", "/api/match");
  }

  /** Stops waiting, or leaves my side of a match (the conversation stays). */
  async leaveMatch(): Promise<void> {
    await this.call<null>("DELETE", "/api/match");
  }

  createUpload(kind: UploadKind, contentType: string, size: number): Promise<UploadTicket> {
    return this.call<UploadTicket>("POST", "/api/uploads", { kind, content_type: contentType, size });
  }

  finalizeUpload(id: string): Promise<UploadView> {
    return this.call<UploadView>("POST", `/api/uploads/${encodeURIComponent(id)}/finalize`);
  }

  uploads(): Promise<UploadList> {
    return this.call<UploadList>("GET", "/api/uploads");
  }

  async deleteUpload(id: string): Promise<void> {
    await this.call<null>("DELETE", `/api/uploads/${encodeURIComponent(id)}`);
  }

  async myEmoji(): Promise<EmojiView[]> {
    return (await this.call<{ emoji: EmojiView[] }>("GET", "/api/emoji")).emoji;
  }

  emoji(id: string): Promise<EmojiView> {
    return this.call<EmojiView>("GET", `/api/emoji/${encodeURIComponent(id)}`);
  }

  createEmoji(uploadId: string, shortcode: string): Promise<EmojiView> {
    return this.call<EmojiView>("POST", "/api/emoji", { upload_id: uploadId, shortcode });
  }

  renameEmoji(id: string, shortcode: string): Promise<EmojiView> {
    return this.call<EmojiView>("PATCH", `/api/emoji/${encodeURIComponent(id)}`, { shortcode });
  }

  async deleteEmoji(id: string): Promise<void> {
    await this.call<null>("DELETE", `/api/emoji/${encodeURIComponent(id)}`);
  }

  // ---------------------------------------------------------------- themes

  async themes(): Promise<Theme[]> {
    return (await this.call<{ themes: Theme[] }>("GET", "/api/themes")).themes;
  }

  theme(id: string): Promise<Theme> {
    return this.call<Theme>("GET", `/api/themes/${encodeURIComponent(id)}`);
  }

  createTheme(spec: ThemeSpec): Promise<Theme> {
    return this.call<Theme>("POST", "/api/themes", spec);
  }

  updateTheme(id: string, spec: ThemeSpec): Promise<Theme> {
    return this.call<Theme>("PUT", `/api/themes/${encodeURIComponent(id)}`, spec);
  }

  async deleteTheme(id: string): Promise<void> {
    await this.call<null>("DELETE", `/api/themes/${encodeURIComponent(id)}`);
  }

  publishTheme(id: string): Promise<Theme> {
    return this.call<Theme>("PUT", `/api/themes/${encodeURIComponent(id)}/published`);
  }

  unpublishTheme(id: string): Promise<Theme> {
    return this.call<Theme>("DELETE", `/api/themes/${encodeURIComponent(id)}/published`);
  }

  copyTheme(id: string): Promise<Theme> {
    return this.call<Theme>("POST", `/api/themes/${encodeURIComponent(id)}/copy`);
  }

  market(order: MarketOrder, limit: number, cursor?: string): Promise<MarketPage> {
    const query = new URLSearchParams({ order, limit: String(limit) });
    if (cursor !== undefined) query.set("cursor", cursor);
    return this.call<MarketPage>("GET", `/api/market?${query}`);
  }

  async myTheme(): Promise<Theme | null> {
    return (await this.call<{ theme: Theme | null }>("GET", "/api/me/theme")).theme;
  }

  async setMyTheme(themeId: string | null): Promise<Theme | null> {
    return (await this.call<{ theme: Theme | null }>("PUT", "/api/me/theme", { theme_id: themeId })).theme;
  }

  conversationLooks(conversationId: string): Promise<ConversationLooks> {
    return this.call<ConversationLooks>("GET", `/api/conversations/${encodeURIComponent(conversationId)}/theme`);
  }

  async setConversationTheme(conversationId: string, themeId: string | null): Promise<Theme | null> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/theme`;
    return (await this.call<{ theme: Theme | null }>("PUT", path, { theme_id: themeId })).theme;
  }

  async setMyConversationTheme(conversationId: string, themeId: string | null): Promise<Theme | null> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/my-theme`;
    return (await this.call<{ theme: Theme | null }>("PUT", path, { theme_id: themeId })).theme;
  }
}

function readSession(storage: KeyValueStore): Session | null {
  try {
    const raw = storage.getItem(SESSION_KEY);
    const session = raw ? (JSON.parse(raw) as Partial<Session> | null) : null;
    return session?.access_token && session.refresh_token && session.user?.user_id ? (session as Session) : null;
  } catch {
    return null;
  }
}
