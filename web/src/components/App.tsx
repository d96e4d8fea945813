import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Api } from "../state/api";
import type { Config } from "../state/config";
import { startSignIn, type OidcOutcome } from "../state/oidc";
import type { Session } from "../state/types";
import { AuthScreen, type OidcControls } from "./AuthScreen";
import { ChatApp } from "./ChatApp";

interface AppProps {
  api: Api;
  config: Config;
  /** The OpenID provider's answer the page was opened with (taken from the address at boot). */
  oidcReturn?: OidcOutcome | null;
}

export function App({ api, config, oidcReturn = null }: AppProps) {
  const [session, setSession] = useState<Session | null>(api.session);
  // Handed to the sign-in screen once. Already signed in (another tab did,
  // meanwhile), the answer is dropped rather than kept for after a sign-out.
  const answer = useRef(api.session ? null : oidcReturn);

  useEffect(() => {
    // The session ended elsewhere (refresh refused): back to the sign-in form.
    api.onSignedOut = () => {
      setSession(null);
    };
    return () => {
      api.onSignedOut = null;
    };
  }, [api]);

  const oidc = useMemo<OidcControls>(
    () => ({
      provider: () => api.oidcProvider(),
      start: () =>
        startSignIn(() => api.oidcStart(), {
          storage: window.sessionStorage,
          random: (bytes) => crypto.getRandomValues(bytes),
          origin: window.location.origin,
          assign: (url) => {
            window.location.assign(url);
          },
        }),
      takeReturn: () => {
        const taken = answer.current;
        answer.current = null;
        return taken;
      },
      complete: async (idToken) => {
        setSession(await api.oidcSignIn(idToken));
      },
    }),
    [api],
  );

  if (!session) {
    return (
      <AuthScreen
        oidc={oidc}
        onSubmit={async (mode, handle, password) => {
          setSession(await api.authenticate(mode, handle, password));
        }}
      />
    );
  }

  return (
    <ChatApp
      key={session.user.user_id}
      api={api}
      me={session.user}
      wsUrl={config.wsUrl}
      onSignOut={() => {
        api.signOut();
        setSession(null);
      }}
    />
  );
}
