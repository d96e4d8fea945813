import { describe, expect, it, vi } from "vitest";
import { Api, ApiError } from "../src/state/api";
import type { Session } from "../src/state/types";
import { ME, MemoryStorage } from "./helpers";

function session(n: number): Session {
  return { user: ME, access_token: `access-${n}`, token_type: "Bearer", expires_in: 900, refresh_token: `refresh-${n}` };
}

function json(body: unknown, status = 200): Promise<Response> {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
}

describe("api client", () => {
  it("refreshes an expired access token once and retries with the new one", async () => {
    const storage = new MemoryStorage();
    storage.setItem("chitter.session", JSON.stringify(session(1)));
    const auths: string[] = [];
    const fetcher = vi.fn((path: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string> | undefined)?.authorization ?? "";
      if (path === "/api/auth/refresh") {
        expect(JSON.parse(init?.body as string)).toEqual({ refresh_token: "refresh-1" });
        return json(session(2));
      }
      auths.push(auth);
      return auth === "Bearer access-2" ? json({ conversations: [] }) : json({ code: "unauthorized", message: "expired" }, 401);
    });
    const api = new Api({ base: "", storage, fetch: fetcher as unknown as typeof fetch });

    // Two calls fail at once; refresh tokens are single use, so only one refresh goes out.
    await Promise.all([api.conversations(), api.conversations()]);
    expect(fetcher.mock.calls.filter(([p]) => p === "/api/auth/refresh")).toHaveLength(1);
    expect(auths.filter((a) => a === "Bearer access-2")).toHaveLength(2);
    expect(JSON.parse(storage.getItem("chitter.session") ?? "null")).toMatchObject({ access_token: "access-2" });
  });

  it("takes the session another tab already refreshed instead of reusing the old refresh token", async () => {
    const storage = new MemoryStorage();
    storage.setItem("chitter.session", JSON.stringify(session(1)));
    const fetcher = vi.fn((path: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string> | undefined)?.authorization ?? "";
      if (path === "/api/auth/refresh") return json({ code: "unauthorized", message: "reused" }, 401);
      return auth === "Bearer access-2" ? json({ conversations: [] }) : json({ code: "unauthorized", message: "expired" }, 401);
    });
    const api = new Api({ base: "", storage, fetch: fetcher as unknown as typeof fetch });
    // The other tab rotated the session while this one held the old copy.
    storage.setItem("chitter.session", JSON.stringify(session(2)));

    await api.conversations();
    expect(fetcher.mock.calls.filter(([p]) => p === "/api/auth/refresh")).toHaveLength(0);
    expect(api.session?.refresh_token).toBe("refresh-2");
  });

  it("carries a 429's wait: the body's retry_after, else the Retry-After header", async () => {
    const storage = new MemoryStorage();
    const limited = (body: unknown, header?: string) =>
      Promise.resolve(
        new Response(JSON.stringify(body), {
          status: 429,
          headers: { "content-type": "application/json", ...(header === undefined ? {} : { "retry-after": header }) },
        }),
      );
    const answers = [
      limited({ code: "rate_limited", message: "too many sign-in attempts; try again in 120 s", retry_after: 120 }, "120"),
      limited({ code: "rate_limited", message: "too many uploads; try again in 7 s" }, "7"),
    ];
    const fetcher = vi.fn(() => answers.shift() ?? json({}, 500));
    const api = new Api({ base: "", storage, fetch: fetcher });

    const signin = await api.authenticate("signin", "ada", "password1").catch((e: unknown) => e);
    expect(signin).toBeInstanceOf(ApiError);
    expect(signin).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 120, message: "too many sign-in attempts; try again in 120 s" });
    expect(api.session).toBeNull();

    const upload = await api.createUpload("attachment", "image/png", 16).catch((e: unknown) => e);
    expect(upload).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 7, message: "too many uploads; try again in 7 s" });
  });

  it("has no wait on other errors", async () => {
    const api = new Api({ base: "", storage: new MemoryStorage(), fetch: (() => json({ code: "not_found", message: "no" }, 404)) });
    const e = await api.conversation("c1").catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 404, code: "not_found" });
    expect((e as ApiError).retryAfter).toBeUndefined();
  });

  it("keeps the session another tab won a simultaneous refresh with", async () => {
    const storage = new MemoryStorage();
    storage.setItem("chitter.session", JSON.stringify(session(1)));
    const fetcher = vi.fn((path: string, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string> | undefined)?.authorization ?? "";
      if (path === "/api/auth/refresh") {
        // The other tab's refresh lands first, then ours is refused.
        storage.setItem("chitter.session", JSON.stringify(session(2)));
        return json({ code: "unauthorized", message: "used" }, 401);
      }
      return auth === "Bearer access-2" ? json({ conversations: [] }) : json({ code: "unauthorized", message: "expired" }, 401);
    });
    const api = new Api({ base: "", storage, fetch: fetcher as unknown as typeof fetch });
    const signedOut = vi.fn();
    api.onSignedOut = signedOut;

    await api.conversations();
    expect(signedOut).not.toHaveBeenCalled();
    expect(api.session?.refresh_token).toBe("refresh-2");
  });

  it("forgets the session and says so when the refresh is refused", async () => {
    const storage = new MemoryStorage();
    storage.setItem("chitter.session", JSON.stringify(session(1)));
    const fetcher = vi.fn(() => json({ code: "unauthorized", message: "expired" }, 401));
    const api = new Api({ base: "", storage, fetch: fetcher });
    const signedOut = vi.fn();
    api.onSignedOut = signedOut;

    await expect(api.ticket()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(signedOut).toHaveBeenCalledTimes(1);
    expect(api.session).toBeNull();
    expect(storage.getItem("chitter.session")).toBeNull();
  });

  it("reports the server's error message and code", async () => {
    const fetcher = vi.fn(() => json({ code: "invalid_credentials", message: "wrong handle or password" }, 401));
    const api = new Api({ base: "https://api.example", storage: new MemoryStorage(), fetch: fetcher });
    const error = await api.authenticate("signin", "nobody", "wrong password").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ message: "wrong handle or password", code: "invalid_credentials", status: 401 });
    expect(fetcher).toHaveBeenCalledWith("https://api.example/api/auth/signin", expect.objectContaining({ method: "POST" }));
  });
});

describe("theme routes", () => {
  it("asks the documented paths with the documented bodies", async () => {
    const storage = new MemoryStorage();
    storage.setItem("chitter.session", JSON.stringify(session(1)));
    const seen: string[] = [];
    const fetcher = vi.fn((path: string, init?: RequestInit) => {
      seen.push(`${init?.method ?? "GET"} ${path}${init?.body ? ` ${init.body as string}` : ""}`);
      if (path.startsWith("/api/market")) return json({ themes: [] });
      if (path === "/api/themes") return json({ themes: [] });
      if (init?.method === "DELETE" && path === "/api/themes/t%2F1") return Promise.resolve(new Response(null, { status: 204 }));
      return json({ theme: null });
    });
    const api = new Api({ base: "", storage, fetch: fetcher as unknown as typeof fetch });
    await api.market("most_copied", 12, "next/page");
    await api.market("newest", 5);
    await api.setConversationTheme("c1", "t1");
    await api.setMyConversationTheme("c1", null);
    await api.setMyTheme(null);
    await api.deleteTheme("t/1");
    await api.themes();
    expect(seen).toEqual([
      "GET /api/market?order=most_copied&limit=12&cursor=next%2Fpage",
      "GET /api/market?order=newest&limit=5",
      'PUT /api/conversations/c1/theme {"theme_id":"t1"}',
      'PUT /api/conversations/c1/my-theme {"theme_id":null}',
      'PUT /api/me/theme {"theme_id":null}',
      "DELETE /api/themes/t%2F1",
      "GET /api/themes",
    ]);
  });

  it("keeps the server's code and message for field errors", async () => {
    const storage = new MemoryStorage();
    storage.setItem("chitter.session", JSON.stringify(session(1)));
    const message = "colors.own_text contrasts 1.21:1 with its bubble; at least 4.5:1 is needed to read it";
    const fetcher = () => json({ code: "low_contrast", message }, 422);
    const api = new Api({ base: "", storage, fetch: fetcher });
    const error = await api.createTheme({ name: "x", colors: { accent: "#fff", own_bubble: "#fff", own_text: "#eee", other_bubble: "#fff", other_text: "#000" }, background: { kind: "color", color: "#000" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: "low_contrast", message });
  });
});
