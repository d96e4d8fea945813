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
