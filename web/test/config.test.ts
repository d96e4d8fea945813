import { describe, expect, it, vi } from "vitest";
import { loadConfig, resolveConfig, socketUrl } from "../src/state/config";

const here = { protocol: "https:", host: "chat.example" };

describe("runtime config", () => {
  it("defaults to this origin, with the socket at /ws on the page's scheme", () => {
    expect(resolveConfig({ apiBase: "", wsUrl: "" }, here)).toEqual({ apiBase: "", wsUrl: "wss://chat.example/ws" });
    expect(resolveConfig(null, { protocol: "http:", host: "localhost:3000" }).wsUrl).toBe("ws://localhost:3000/ws");
  });

  it("uses a configured API and socket, without a trailing slash on the API", () => {
    const config = resolveConfig(
      { apiBase: "https://abc.execute-api.eu-west-1.amazonaws.com/", wsUrl: "wss://ws.example/prod" },
      here,
    );
    expect(config).toEqual({
      apiBase: "https://abc.execute-api.eu-west-1.amazonaws.com",
      wsUrl: "wss://ws.example/prod",
    });
  });

  it("adds the ticket as a query parameter, escaped", () => {
    expect(socketUrl("wss://ws.example/prod", "a+b/c")).toBe("wss://ws.example/prod?ticket=a%2Bb%2Fc");
  });

  it("falls back to this origin when /config.json is missing", async () => {
    const fetcher = vi.fn(() => Promise.resolve(new Response("not found", { status: 404 })));
    await expect(loadConfig(fetcher as unknown as typeof fetch, here)).resolves.toEqual({
      apiBase: "",
      wsUrl: "wss://chat.example/ws",
    });
    expect(fetcher).toHaveBeenCalledWith("/config.json", expect.anything());
  });
});
