import { render } from "preact";
import { App } from "./components/App";
import { Api } from "./state/api";
import { loadConfig } from "./state/config";
import { takeReturn } from "./state/oidc";
import "./styles/app.css";

async function boot(): Promise<void> {
  // Before anything else: an ID token in the address leaves it at once.
  const oidcReturn = takeReturn(window.location, window.history, window.sessionStorage);
  const config = await loadConfig(window.fetch.bind(window), window.location);
  const api = new Api({ base: config.apiBase, storage: window.localStorage, fetch: window.fetch.bind(window) });
  const root = document.getElementById("root");
  if (root) render(<App api={api} config={config} oidcReturn={oidcReturn} />, root);
}

void boot();
