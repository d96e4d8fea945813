import { describe, expect, it, vi } from "vitest";
import { Api, ApiError } from "../src/state/api";
import {
  PENDING_KEY,
  authorizationUrl,
  checkReturn,
  errorMessage,
  parseReturn,
  randomState,
  readPending,
  redirectUri,
  startSignIn,
  takeReturn,
  tokenNonce,
  type PendingSignIn,
} from "../src/state/oidc";
import type { OidcStart, Session } from "../src/state/types";
import { ME, MemoryStorage } from "./helpers";

const START: OidcStart = {
  name: "Test ID",
  issuer: "https://id.example",
  client_id: "chitter-web",
  authorization_endpoint: "https://id.example/authorize",
  nonce: "n-0S6_WzA2Mj",
  expires_in: 600,
};

const PENDING: PendingSignIn = { state: "s-abc", nonce: START.nonce, name: "Test ID" };

function b64url(text: string): string {
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An unsigned token with these claims: the client only reads its nonce. */
function token(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: "ES256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}

function json(body: unknown, status = 200): Promise<Response> {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
}

describe("the authorization request", () => {
  it("names the client, the implicit flow, the scopes, the way back, the state and the nonce", () => {
    const url = new URL(authorizationUrl(START, redirectUri("http://localhost:3000"), "s-abc"));
    expect(url.origin + url.pathname).toBe("https://id.example/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "chitter-web",
      response_type: "id_token",
      scope: "openid email profile",
      redirect_uri: "http://localhost:3000/",
      state: "s-abc",
      nonce: "n-0S6_WzA2Mj",
      response_mode: "fragment",
    });
  });

  it("keeps parameters the endpoint already has, and escapes what it adds", () => {
    const url = new URL(
      authorizationUrl({ ...START, authorization_endpoint: "https://id.example/oauth2/authorize?tenant=a&b=1" }, "https://chat.example/", "a+b/c&d"),
    );
    expect(url.searchParams.get("tenant")).toBe("a");
    expect(url.searchParams.get("b")).toBe("1");
    expect(url.searchParams.get("state")).toBe("a+b/c&d");
    expect(url.search).not.toContain("a+b/c&d");
  });

  it("goes only to https, or to plain http on this machine", () => {
    expect(() => authorizationUrl({ ...START, authorization_endpoint: "http://127.0.0.1:9000/authorize" }, "x", "s")).not.toThrow();
    expect(() => authorizationUrl({ ...START, authorization_endpoint: "http://localhost/authorize" }, "x", "s")).not.toThrow();
    for (const bad of ["javascript:alert(1)//", "http://id.example/authorize", "data:text/html,hi", "ftp://id.example/"]) {
      expect(() => authorizationUrl({ ...START, authorization_endpoint: bad }, "x", "s"), bad).toThrow(/Test ID sign-in is not set up/);
    }
  });

  it("makes each state from 32 random bytes, base64url", () => {
    let calls = 0;
    const state = randomState((bytes) => {
      calls += 1;
      expect(bytes).toHaveLength(32);
      bytes.fill(0xff);
    });
    expect(calls).toBe(1);
    // URL-safe ("_", not "/") and unpadded.
    expect(state).toBe("_".repeat(42) + "8");
    const a = randomState((b) => crypto.getRandomValues(b));
    const b = randomState((b) => crypto.getRandomValues(b));
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});

describe("starting a sign-in", () => {
  it("keeps the state and the nonce in this tab, then sends the page to the provider", async () => {
    const storage = new MemoryStorage();
    const assign = vi.fn();
    await startSignIn(() => Promise.resolve(START), {
      storage,
      random: (bytes) => bytes.fill(1),
      origin: "http://localhost:3000",
      assign,
    });
    const pending = readPending(storage);
    expect(pending).toEqual({ state: randomState((b) => b.fill(1)), nonce: START.nonce, name: "Test ID" });
    expect(assign).toHaveBeenCalledTimes(1);
    const url = new URL(String(assign.mock.calls[0]?.[0]));
    expect(url.searchParams.get("state")).toBe(pending?.state);
    expect(url.searchParams.get("nonce")).toBe(START.nonce);
    expect(url.searchParams.get("redirect_uri")).toBe("http://localhost:3000/");
  });

  it("goes nowhere and keeps nothing when the server or the endpoint says no", async () => {
    const storage = new MemoryStorage();
    const assign = vi.fn();
    const deps = { storage, random: (b: Uint8Array<ArrayBuffer>) => b.fill(1), origin: "http://localhost:3000", assign };
    await expect(startSignIn(() => Promise.reject(new ApiError("unavailable", 503, "unavailable")), deps)).rejects.toThrow("unavailable");
    await expect(startSignIn(() => Promise.resolve({ ...START, authorization_endpoint: "javascript:void 0" }), deps)).rejects.toThrow();
    expect(assign).not.toHaveBeenCalled();
    expect(storage.data.size).toBe(0);
  });
});

describe("the provider's answer", () => {
  it("reads a token or an error from the fragment, and nothing else", () => {
    expect(parseReturn("#id_token=aaa.bbb.ccc&state=s-abc")).toEqual({ kind: "token", idToken: "aaa.bbb.ccc", state: "s-abc" });
    expect(parseReturn("id_token=aaa.bbb.ccc")).toEqual({ kind: "token", idToken: "aaa.bbb.ccc", state: "" });
    expect(parseReturn("#error=access_denied&error_description=No%20thanks&state=s-abc")).toEqual({
      kind: "error",
      error: "access_denied",
      state: "s-abc",
    });
    for (const none of ["", "#", "#state=s-abc", "#/conversations", "#code=abc&state=s"]) expect(parseReturn(none), none).toBeNull();
  });

  it("sends a token on only for the state stored here, carrying the nonce asked for", () => {
    const good = token({ sub: "u1", nonce: START.nonce, name: "Grace Hôpper" });
    expect(checkReturn({ kind: "token", idToken: good, state: "s-abc" }, PENDING)).toEqual({
      kind: "token",
      idToken: good,
      name: "Test ID",
    });
    const refusals = [
      checkReturn({ kind: "token", idToken: good, state: "wrong" }, PENDING),
      checkReturn({ kind: "token", idToken: good, state: "" }, PENDING),
      checkReturn({ kind: "token", idToken: good, state: "s-abc" }, null),
      checkReturn({ kind: "token", idToken: token({ nonce: "another" }), state: "s-abc" }, PENDING),
      checkReturn({ kind: "token", idToken: token({ sub: "no nonce" }), state: "s-abc" }, PENDING),
      checkReturn({ kind: "token", idToken: "x", state: "s-abc" }, PENDING),
      checkReturn({ kind: "error", error: "access_denied", state: "wrong" }, PENDING),
    ];
    for (const outcome of refusals) {
      expect(outcome).toEqual({ kind: "refused", message: expect.stringMatching(/doesn’t match a sign-in started in this tab/) as unknown });
    }
  });

  it("says a provider's error in words of its own, not the provider's", () => {
    expect(checkReturn({ kind: "error", error: "access_denied", state: "s-abc" }, PENDING)).toEqual({
      kind: "refused",
      message: "Sign-in with Test ID was cancelled or not allowed.",
    });
    expect(errorMessage("login_required", "Google")).toBe("Google needs you to finish signing in there. Please try again.");
    expect(errorMessage("temporarily_unavailable", "Google")).toMatch(/right now/);
    expect(errorMessage("<b>call 555-0100</b>", "Google")).toBe("Google couldn’t sign you in. Please try again.");
  });

  it("reads the nonce from a token's payload, UTF-8 included, and nothing from junk", () => {
    expect(tokenNonce(token({ nonce: "n1", name: "Grace Hôpper 🐛" }))).toBe("n1");
    expect(tokenNonce(token({ nonce: 7 }))).toBeUndefined();
    expect(tokenNonce("only-one-part")).toBeUndefined();
    expect(tokenNonce("a.!!!.c")).toBeUndefined();
    expect(tokenNonce(`a.${b64url("null")}.c`)).toBeUndefined();
  });

  it("takes the answer out of the address and spends the stored sign-in, whatever the answer", () => {
    const storage = new MemoryStorage();
    storage.setItem(PENDING_KEY, JSON.stringify(PENDING));
    const history = { replaceState: vi.fn() };
    const idToken = token({ nonce: START.nonce });
    const outcome = takeReturn({ hash: `#id_token=${idToken}&state=s-abc`, pathname: "/", search: "?x=1" }, history, storage);
    expect(outcome).toEqual({ kind: "token", idToken, name: "Test ID" });
    expect(history.replaceState).toHaveBeenCalledWith(null, "", "/?x=1");
    expect(storage.getItem(PENDING_KEY)).toBeNull();

    // The same answer again (say, from history) finds nothing stored.
    expect(takeReturn({ hash: `#id_token=${idToken}&state=s-abc`, pathname: "/", search: "" }, history, storage)).toMatchObject({
      kind: "refused",
    });

    storage.setItem(PENDING_KEY, JSON.stringify(PENDING));
    expect(takeReturn({ hash: "#id_token=x&state=wrong", pathname: "/", search: "" }, history, storage)).toMatchObject({ kind: "refused" });
    expect(storage.getItem(PENDING_KEY)).toBeNull();
  });

  it("leaves an address without an answer, and the stored sign-in, alone", () => {
    const storage = new MemoryStorage();
    storage.setItem(PENDING_KEY, JSON.stringify(PENDING));
    const history = { replaceState: vi.fn() };
    expect(takeReturn({ hash: "", pathname: "/", search: "" }, history, storage)).toBeNull();
    expect(history.replaceState).not.toHaveBeenCalled();
    expect(readPending(storage)).toEqual(PENDING);
  });

  it("ignores a stored sign-in that is not one", () => {
    const storage = new MemoryStorage();
    for (const raw of ["{", "null", "[]", JSON.stringify({ state: "s" }), JSON.stringify({ state: 1, nonce: "n" })]) {
      storage.setItem(PENDING_KEY, raw);
      expect(readPending(storage), raw).toBeNull();
    }
  });
});

describe("the OpenID routes", () => {
  const session: Session = { user: ME, access_token: "a", token_type: "Bearer", expires_in: 900, refresh_token: "r" };

  it("reads the provider, and no provider from a 404, but not from a 503", async () => {
    const answers = [
      json({ name: "Test ID", issuer: "i", client_id: "c", authorization_endpoint: "https://id.example/authorize" }),
      json({ code: "not_found", message: "OpenID sign-in not found" }, 404),
      json({ code: "unavailable", message: "the provider is unavailable" }, 503),
    ];
    const fetcher = vi.fn(() => answers.shift() ?? json({}, 500));
    const api = new Api({ base: "", storage: new MemoryStorage(), fetch: fetcher });
    await expect(api.oidcProvider()).resolves.toMatchObject({ name: "Test ID" });
    await expect(api.oidcProvider()).resolves.toBeNull();
    await expect(api.oidcProvider()).rejects.toMatchObject({ status: 503, code: "unavailable" });
    expect(fetcher).toHaveBeenCalledWith("/api/auth/oidc", expect.objectContaining({ method: "GET" }));
  });

  it("starts with a bodiless POST, and keeps the session an ID token buys", async () => {
    const storage = new MemoryStorage();
    const seen: string[] = [];
    const fetcher = vi.fn((path: string, init?: RequestInit) => {
      seen.push(`${init?.method ?? "GET"} ${path}${init?.body ? ` ${init.body as string}` : ""}`);
      return path === "/api/auth/oidc/start" ? json(START, 201) : json(session, 201);
    });
    const api = new Api({ base: "", storage, fetch: fetcher as unknown as typeof fetch });
    await expect(api.oidcStart()).resolves.toEqual(START);
    await expect(api.oidcSignIn("aaa.bbb.ccc")).resolves.toEqual(session);
    expect(seen).toEqual(["POST /api/auth/oidc/start", 'POST /api/auth/oidc {"id_token":"aaa.bbb.ccc"}']);
    expect(api.session).toEqual(session);
    expect(JSON.parse(storage.getItem("chitter.session") ?? "null")).toEqual(session);
  });

  it("passes a refusal on with the server's message, keeping no session", async () => {
    const storage = new MemoryStorage();
    const fetcher = vi.fn(() => json({ code: "unauthorized", message: "the nonce is unknown, expired or used" }, 401));
    const api = new Api({ base: "", storage, fetch: fetcher });
    await expect(api.oidcSignIn("t")).rejects.toMatchObject({ status: 401, message: "the nonce is unknown, expired or used" });
    expect(api.session).toBeNull();
    expect(storage.data.size).toBe(0);
  });
});
