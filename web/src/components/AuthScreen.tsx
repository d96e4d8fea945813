import type { TargetedSubmitEvent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { field } from "../state/format";
import type { OidcOutcome } from "../state/oidc";
import type { OidcProvider } from "../state/types";
import { KeyIcon, LogoMark } from "./icons";

type Mode = "signin" | "signup";

/** Signing in with the OpenID provider, as the app wires it to the page and the API. */
export interface OidcControls {
  /** The configured provider; null when there is none. */
  provider: () => Promise<OidcProvider | null>;
  /** Sends the page to the provider; a rejection means it could not go. */
  start: () => Promise<void>;
  /** The provider's answer the page was opened with, handed over once. */
  takeReturn: () => OidcOutcome | null;
  /** Sends the ID token to the server and enters the app. */
  complete: (idToken: string) => Promise<void>;
}

/** The provider lookup, also on `#auth[data-oidc]` so tests can tell when it has settled. */
type Lookup = "loading" | "ready" | "none" | "unavailable";

interface AuthScreenProps {
  onSubmit: (mode: Mode, handle: string, password: string) => Promise<void>;
  oidc: OidcControls;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function AuthScreen({ onSubmit, oidc }: AuthScreenProps) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState<Mode | "leaving" | "returning" | null>(null);
  const [provider, setProvider] = useState<OidcProvider | null>(null);
  const [lookup, setLookup] = useState<Lookup>("loading");
  /** Whose answer is being sent to the server, before the lookup may have named the provider. */
  const [returningFrom, setReturningFrom] = useState("");

  useEffect(() => {
    let live = true;
    const answer = oidc.takeReturn();
    if (answer?.kind === "refused") setError(answer.message);
    if (answer?.kind === "token") {
      setBusy("returning");
      setReturningFrom(answer.name);
      // Success signs in, and this screen goes away.
      oidc.complete(answer.idToken).catch((e: unknown) => {
        if (!live) return;
        setError(`Couldn’t sign in with ${answer.name}: ${messageOf(e)}`);
        setBusy(null);
      });
    }
    oidc.provider().then(
      (found) => {
        if (!live) return;
        setProvider(found);
        setLookup(found ? "ready" : "none");
      },
      () => {
        if (live) setLookup("unavailable");
      },
    );
    // Back from the provider's page out of the back/forward cache: not leaving any more.
    const restored = (e: PageTransitionEvent) => {
      if (e.persisted) setBusy((b) => (b === "leaving" ? null : b));
    };
    window.addEventListener("pageshow", restored);
    return () => {
      live = false;
      window.removeEventListener("pageshow", restored);
    };
  }, [oidc]);

  async function startOidc() {
    setError("");
    setBusy("leaving");
    try {
      await oidc.start();
    } catch (e) {
      setError(messageOf(e));
      setBusy(null);
    }
  }

  async function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const submitter = event.submitter as HTMLButtonElement | null;
    const mode: Mode = submitter?.value === "signup" ? "signup" : "signin";
    setError("");
    setBusy(mode);
    try {
      await onSubmit(mode, field(form, "handle").trim(), field(form, "password"));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(null);
    }
  }

  return (
    <main id="auth" class="auth" data-oidc={lookup}>
      <div class="auth-bg" aria-hidden="true">
        <span class="auth-orb auth-orb-1" />
        <span class="auth-orb auth-orb-2" />
        <span class="auth-orb auth-orb-3" />
      </div>
      <div class="auth-card">
        <div class="auth-brand">
          <LogoMark class="logo" />
          <h1>Chitter</h1>
        </div>
        <p class="auth-tagline">Conversations that look like you.</p>
        <form id="auth-form" onSubmit={(e) => {
            void submit(e);
          }} aria-busy={busy === "signin" || busy === "signup"}>
          <div class="field">
            <label for="auth-handle">Handle</label>
            <input
              id="auth-handle"
              name="handle"
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              required
              minLength={3}
              maxLength={32}
            />
          </div>
          <div class="field">
            <label for="auth-password">Password</label>
            <input
              id="auth-password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              minLength={8}
            />
          </div>
          <div class="auth-actions">
            <button type="submit" name="mode" value="signin" class="button primary" disabled={busy !== null}>
              {busy === "signin" ? "Signing in…" : "Sign in"}
            </button>
            <button type="submit" name="mode" value="signup" class="button secondary" disabled={busy !== null}>
              {busy === "signup" ? "Creating…" : "Create account"}
            </button>
          </div>
        </form>
        {(provider || busy === "returning") && (
          <div class="auth-oidc" aria-busy={busy === "leaving" || busy === "returning"}>
            <p class="auth-or">or</p>
            <button
              type="button"
              id="oidc-signin"
              class="button secondary"
              disabled={busy !== null}
              onClick={() => {
                void startOidc();
              }}
            >
              <KeyIcon class="button-icon" />
              <span class="auth-oidc-label">{oidcLabel(busy, provider?.name ?? returningFrom)}</span>
            </button>
          </div>
        )}
        {lookup === "unavailable" && busy !== "returning" && (
          <p id="oidc-unavailable" class="auth-note">
            Single sign-on is unavailable right now. Reload the page to try again.
          </p>
        )}
        <p id="auth-error" class="form-error" role="alert">
          {error}
        </p>
      </div>
    </main>
  );
}

function oidcLabel(busy: Mode | "leaving" | "returning" | null, name: string): string {
  if (busy === "leaving") return `Going to ${name}…`;
  if (busy === "returning") return `Signing in with ${name}…`;
  return `Sign in with ${name}`;
}
