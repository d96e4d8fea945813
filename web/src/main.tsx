import { render } from "preact";
import { App } from "./components/App";
import { Api } from "./state/api";
import { loadConfig } from "./state/config";
import "./styles/app.css";

async function boot(): Promise<void> {
  const config = await loadConfig(window.fetch.bind(window), window.location);
  const api = new Api({ base: config.apiBase, storage: window.localStorage, fetch: window.fetch.bind(window) });
  const root = document.getElementById("root");
  if (root) render(<App api={api} config={config} />, root);
}

void boot();
