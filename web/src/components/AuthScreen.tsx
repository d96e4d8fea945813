import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { field } from "../state/format";
import { LogoMark } from "./icons";

type Mode = "signin" | "signup";

interface AuthScreenProps {
  onSubmit: (mode: Mode, handle: string, password: string) => Promise<void>;
}

export function AuthScreen({ onSubmit }: AuthScreenProps) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState<Mode | null>(null);

  async function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const submitter = event.submitter as HTMLButtonElement | null;
    const mode: Mode = submitter?.value === "signup" ? "signup" : "signin";
    setBusy(mode);
    try {
      await onSubmit(mode, field(form, "handle").trim(), field(form, "password"));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(null);
    }
  }

  return (
    <main id="auth" class="auth">
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
          }} aria-busy={busy !== null}>
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
          <p id="auth-error" class="form-error" role="alert">
            {error}
          </p>
        </form>
      </div>
    </main>
  );
}
