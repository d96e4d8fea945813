// Runtime configuration, read from /config.json so one build can run behind
// chitter-local (same origin) or against a deployed API elsewhere.

export interface Config {
  /** Prefix for HTTP calls, e.g. "https://abc.execute-api.eu-west-1.amazonaws.com"; "" means this origin. */
  apiBase: string;
  /** The WebSocket endpoint without a ticket; "" means ws(s)://<this host>/ws. */
  wsUrl: string;
}

interface Place {
  protocol: string;
  host: string;
}

export function resolveConfig(raw: unknown, here: Place): Config {
  const obj = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const apiBase = typeof obj.apiBase === "string" ? obj.apiBase.replace(/\/+$/, "") : "";
  const configured = typeof obj.wsUrl === "string" ? obj.wsUrl.trim() : "";
  const scheme = here.protocol === "https:" ? "wss:" : "ws:";
  return { apiBase, wsUrl: configured || `${scheme}//${here.host}/ws` };
}

export async function loadConfig(fetcher: typeof fetch, here: Place): Promise<Config> {
  try {
    const res = await fetcher("/config.json", { cache: "no-cache" });
    return resolveConfig(res.ok ? await res.json() : null, here);
  } catch {
    // No config file (or a broken one): run against this origin.
    return resolveConfig(null, here);
  }
}

/** The socket URL for one connect ticket. */
export function socketUrl(wsUrl: string, ticket: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set("ticket", ticket);
  return url.toString();
}
