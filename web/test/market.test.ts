import { describe, expect, it, vi } from "vitest";
import { type MarketApi, MarketPager } from "../src/state/market";
import type { MarketOrder, MarketPage, MarketTheme } from "../src/state/types";
import { settle, theme } from "./helpers";

function card(id: string, copies = 0): MarketTheme {
  return { ...theme(id, { copies, published_at: "2026-01-01T09:00:00Z" }), owner_handle: "ada" };
}

function fakeApi() {
  const calls: { order: MarketOrder; limit: number; cursor: string | undefined; resolve: (p: MarketPage) => void; reject: (e: unknown) => void }[] = [];
  const api: MarketApi = {
    market: vi.fn(
      (order: MarketOrder, limit: number, cursor?: string) =>
        new Promise<MarketPage>((resolve, reject) => {
          calls.push({ order, limit, cursor, resolve, reject });
        }),
    ),
    theme: vi.fn((id: string) => Promise.resolve(theme(id, { copies: 1, published_at: "2026-01-01T09:00:00Z" }))),
  };
  return { api, calls };
}

describe("market pager", () => {
  it("pages with the cursor until there is no next", async () => {
    const { api, calls } = fakeApi();
    const pager = new MarketPager(api, 2);
    void pager.open("newest");
    expect(pager.status).toBe("loading");
    calls[0]?.resolve({ themes: [card("a"), card("b")], next: "c1" });
    await settle();
    expect(pager.items.map((t) => t.theme_id)).toEqual(["a", "b"]);
    expect(pager.hasMore).toBe(true);
    void pager.loadMore();
    // A second press while loading asks nothing more.
    void pager.loadMore();
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ order: "newest", limit: 2, cursor: "c1" });
    calls[1]?.resolve({ themes: [card("c")] });
    await settle();
    expect(pager.items.map((t) => t.theme_id)).toEqual(["a", "b", "c"]);
    expect(pager.hasMore).toBe(false);
    await pager.loadMore();
    expect(calls).toHaveLength(2);
  });

  it("starts over on another order and drops the old order's late answer", async () => {
    const { api, calls } = fakeApi();
    const pager = new MarketPager(api, 2);
    void pager.open("newest");
    void pager.open("most_copied");
    expect(calls.map((c) => c.order)).toEqual(["newest", "most_copied"]);
    calls[1]?.resolve({ themes: [card("top", 9)] });
    calls[0]?.resolve({ themes: [card("late")], next: "x" });
    await settle();
    expect(pager.order).toBe("most_copied");
    expect(pager.items.map((t) => t.theme_id)).toEqual(["top"]);
    expect(pager.hasMore).toBe(false);
    // Opening the order shown again does not reload it; force does.
    void pager.open("most_copied");
    expect(calls).toHaveLength(2);
    void pager.open("most_copied", true);
    expect(calls).toHaveLength(3);
  });

  it("does not show a theme twice when counts move it between pages", async () => {
    const { api, calls } = fakeApi();
    const pager = new MarketPager(api, 2);
    void pager.open("most_copied");
    calls[0]?.resolve({ themes: [card("a", 5), card("b", 4)], next: "n" });
    await settle();
    void pager.loadMore();
    calls[1]?.resolve({ themes: [card("b", 6), card("c", 1)] });
    await settle();
    expect(pager.items.map((t) => `${t.theme_id}:${t.copies}`)).toEqual(["a:5", "b:6", "c:1"]);
  });

  it("keeps what it shows when a later page fails, and can try again", async () => {
    const { api, calls } = fakeApi();
    const pager = new MarketPager(api, 1);
    void pager.open("newest");
    calls[0]?.resolve({ themes: [card("a")], next: "n" });
    await settle();
    void pager.loadMore();
    calls[1]?.reject(new Error("offline"));
    await settle();
    expect(pager.status).toBe("ready");
    expect(pager.error).toBeInstanceOf(Error);
    expect(pager.items).toHaveLength(1);
    void pager.loadMore();
    expect(calls[2]?.cursor).toBe("n");
  });

  it("refreshes one card (its copy count) keeping the owner's handle", async () => {
    const { api, calls } = fakeApi();
    const pager = new MarketPager(api);
    void pager.open("newest");
    calls[0]?.resolve({ themes: [card("a")] });
    await settle();
    await pager.refresh("a");
    expect(pager.items[0]).toMatchObject({ theme_id: "a", copies: 1, owner_handle: "ada" });
  });
});
