// Signing in with an OpenID provider (the implicit flow, response_type=id_token):
// the whole page goes to the provider, which sends it back to "/" with the ID
// token in the fragment. A random `state`, kept in this tab's sessionStorage
// with the server's nonce, ties the answer to a sign-in started here; the
// server checks the token itself (signature, issuer, audience, its nonce,
// which works once). No DOM here: the page's pieces are passed in.

import type { KeyValueStore, OidcStart } from "./types";

/** sessionStorage: the sign-in this tab started, until the provider answers. */
export const PENDING_KEY = "chitter.oidc";

export interface PendingSignIn {
  state: string;
  nonce: string;
  /** The provider's name, for what is said when it answers. */
  name: string;
}

/** What the provider put in the fragment when it sent the page back. */
export type OidcReturn =
  | { kind: "token"; idToken: string; state: string }
  | { kind: "error"; error: string; state: string };

/** What to do with an answer: send the token to the server, or say why not. */
export type OidcOutcome = { kind: "token"; idToken: string; name: string } | { kind: "refused"; message: string };

const MISMATCH =
  "That sign-in answer doesn’t match a sign-in started in this tab, so it wasn’t used. Please try again.";

/** Fills an array with random bytes, as `crypto.getRandomValues` does. */
export type RandomFill = (bytes: Uint8Array<ArrayBuffer>) => void;

/** 32 random bytes as base64url. */
export function randomState(random: RandomFill): string {
  const bytes = new Uint8Array(32);
  random(bytes);
  return base64url(bytes);
}

/** The app's own address: where the provider sends the page back. */
export function redirectUri(origin: string): string {
  return `${origin}/`;
}

/**
 * Where to send the page. The endpoint comes from the provider's discovery
 * document; only http(s) is followed (plain http on this machine alone, as
 * the server allows for issuers), so a bad one cannot run script here.
 */
export function authorizationUrl(start: OidcStart, redirect: string, state: string): string {
  const url = new URL(start.authorization_endpoint);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (!(url.protocol === "https:" || (url.protocol === "http:" && loopback))) {
    throw new Error(`${start.name} sign-in is not set up correctly.`);
  }
  const params = {
    client_id: start.client_id,
    response_type: "id_token",
    scope: "openid email profile",
    redirect_uri: redirect,
    state,
    nonce: start.nonce,
    response_mode: "fragment",
  };
  // `set`, so parameters the endpoint already carries are kept.
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/** The provider's answer in a fragment (`#id_token=…&state=…` or `#error=…`), or null when it holds none. */
export function parseReturn(hash: string): OidcReturn | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const state = params.get("state") ?? "";
  const idToken = params.get("id_token");
  if (idToken !== null) return { kind: "token", idToken, state };
  const error = params.get("error");
  if (error !== null) return { kind: "error", error, state };
  return null;
}

/**
 * Whether an answer belongs to the sign-in started here: its `state` must be
 * the one stored, and a token must carry the nonce it was asked for. Only
 * then is a token sent on. Error codes become sentences of our own; the
 * provider's description is not shown, since anyone can put text in a link.
 */
export function checkReturn(answer: OidcReturn, pending: PendingSignIn | null): OidcOutcome {
  if (!pending || answer.state === "" || answer.state !== pending.state) return { kind: "refused", message: MISMATCH };
  if (answer.kind === "error") return { kind: "refused", message: errorMessage(answer.error, pending.name) };
  if (tokenNonce(answer.idToken) !== pending.nonce) return { kind: "refused", message: MISMATCH };
  return { kind: "token", idToken: answer.idToken, name: pending.name };
}

/** A provider's error code (OpenID Connect Core 3.1.2.6, RFC 6749 4.2.2.1) in words. */
export function errorMessage(code: string, name: string): string {
  switch (code) {
    case "access_denied":
      return `Sign-in with ${name} was cancelled or not allowed.`;
    case "login_required":
    case "interaction_required":
    case "consent_required":
    case "account_selection_required":
      return `${name} needs you to finish signing in there. Please try again.`;
    case "server_error":
    case "temporarily_unavailable":
      return `${name} couldn’t sign you in right now. Please try again in a moment.`;
    default:
      return `${name} couldn’t sign you in. Please try again.`;
  }
}

/** The `nonce` claim of an ID token, read without checking it (the server does), or undefined. */
export function tokenNonce(idToken: string): string | undefined {
  const payload = idToken.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    const nonce = claims && typeof claims === "object" ? (claims as Record<string, unknown>).nonce : undefined;
    return typeof nonce === "string" ? nonce : undefined;
  } catch {
    return undefined;
  }
}

export function readPending(storage: KeyValueStore): PendingSignIn | null {
  try {
    const raw = storage.getItem(PENDING_KEY);
    const value = raw ? (JSON.parse(raw) as Partial<PendingSignIn> | null) : null;
    return typeof value?.state === "string" && typeof value.nonce === "string"
      ? { state: value.state, nonce: value.nonce, name: typeof value.name === "string" ? value.name : "The provider" }
      : null;
  } catch {
    return null;
  }
}

export interface StartDeps {
  /** This tab's sessionStorage. */
  storage: KeyValueStore;
  random: RandomFill;
  /** `location.origin`. */
  origin: string;
  /** `location.assign`. */
  assign: (url: string) => void;
}

/** Asks the server for a nonce, remembers the sign-in, and sends the page to the provider. */
export async function startSignIn(begin: () => Promise<OidcStart>, deps: StartDeps): Promise<void> {
  const start = await begin();
  const state = randomState(deps.random);
  const url = authorizationUrl(start, redirectUri(deps.origin), state);
  const pending: PendingSignIn = { state, nonce: start.nonce, name: start.name };
  deps.storage.setItem(PENDING_KEY, JSON.stringify(pending));
  deps.assign(url);
}

export interface Place {
  hash: string;
  pathname: string;
  search: string;
}

/**
 * Takes the provider's answer from the address, if there is one: the
 * fragment leaves the address bar (and history) at once, and the stored
 * sign-in is spent whatever the answer, so one start allows one answer.
 */
export function takeReturn(
  place: Place,
  history: Pick<History, "replaceState">,
  storage: KeyValueStore,
): OidcOutcome | null {
  const answer = parseReturn(place.hash);
  if (!answer) return null;
  history.replaceState(null, "", place.pathname + place.search);
  const pending = readPending(storage);
  storage.removeItem(PENDING_KEY);
  return checkReturn(answer, pending);
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
