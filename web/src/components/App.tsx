import { useEffect, useState } from "preact/hooks";
import type { Api } from "../state/api";
import type { Config } from "../state/config";
import type { Session } from "../state/types";
import { AuthScreen } from "./AuthScreen";
import { ChatApp } from "./ChatApp";

interface AppProps {
  api: Api;
  config: Config;
}

export function App({ api, config }: AppProps) {
  const [session, setSession] = useState<Session | null>(api.session);

  useEffect(() => {
    // The session ended elsewhere (refresh refused): back to the sign-in form.
    api.onSignedOut = () => {
      setSession(null);
    };
    return () => {
      api.onSignedOut = null;
    };
  }, [api]);

  if (!session) {
    return (
      <AuthScreen
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
