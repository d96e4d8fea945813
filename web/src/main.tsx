import { render } from "preact";
import { App } from "./components/App";
import { Api } from "./state/api";
import { loadConfig } from "./state/config";
import "./styles/app.css";

async function boot(): Promise<void> {
  const config = await loadConfig(window.fetch.bind(window), window.location);
  const root = document.getElementById("root");
  if (!root) return;
  // The Api is built before rendering so a refresh failure can reach App through onSignedOut.
  let signedOut: () => void = () => undefined;
  const api = new Api({
    base: config.apiBase,
    storage: window.localStorage,
    fetch: window.fetch.bind(window),
    onSignedOut: () => {
      signedOut();
    },
  });
  render(
    <App
      api={api}
      config={config}
      onSignedOutRef={(fn) => {
        signedOut = fn;
      }}
    />,
    root,
  );
}

void boot();
