import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/state/api";
import { EmojiCache, EmojiLibrary, type EmojiLibraryApi, emojiLoader, emojiSize, formatBytes } from "../src/state/emoji";
import type { EmojiView } from "../src/state/types";
import { settle } from "./helpers";

const T0 = Date.parse("2026-01-01T10:00:00Z");

function view(id: string, shortcode: string, patch: Partial<EmojiView> = {}): EmojiView {
  return {
    emoji_id: id,
    shortcode,
    owner: "u-me",
    content_type: "image/png",
    width: 64,
    height: 64,
    created_at: "2026-01-01T09:00:00Z",
    url: `/blobs/media/${id}?sig=1`,
    url_expires_at: new Date(T0 + 3600_000).toISOString(),
    ...patch,
  };
}

/** A loader whose answers the test gives one by one. */
function controlledLoader() {
  const calls: { id: string; resolve: (v: EmojiView | null) => void; reject: (e: unknown) => void }[] = [];
  const load = vi.fn(
    (id: string) =>
      new Promise<EmojiView | null>((resolve, reject) => {
        calls.push({ id, resolve, reject });
      }),
  );
  return { load, calls };
}

describe("emoji cache", () => {
  it("loads each id once, however many messages ask, and tells listeners when it arrives", async () => {
    const { load, calls } = controlledLoader();
    const cache = new EmojiCache({ load, now: () => T0 });
    const heard = vi.fn();
    cache.subscribe(heard);

    expect(cache.lookup("e1")).toEqual({ status: "loading" });
    expect(cache.lookup("e1")).toEqual({ status: "loading" });
    expect(load).toHaveBeenCalledTimes(1);
    expect(heard).not.toHaveBeenCalled();

    calls[0]?.resolve(view("e1", "party"));
    await settle();
    expect(heard).toHaveBeenCalledTimes(1);
    expect(cache.lookup("e1")).toMatchObject({ status: "ready", view: { shortcode: "party" } });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("marks a deleted emoji gone and does not ask again", async () => {
    const { load, calls } = controlledLoader();
    let now = T0;
    const cache = new EmojiCache({ load, now: () => now });
    cache.lookup("e1");
    calls[0]?.resolve(null);
    await settle();
    now += 24 * 3600_000;
    expect(cache.lookup("e1")).toEqual({ status: "gone" });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("refetches before the URL expires, showing the old view meanwhile", async () => {
    const { load, calls } = controlledLoader();
    let now = T0;
    const cache = new EmojiCache({ load, now: () => now, refreshMarginMs: 30_000 });
    cache.lookup("e1");
    calls[0]?.resolve(view("e1", "party"));
    await settle();

    now = T0 + 3600_000 - 60_000;
    cache.lookup("e1");
    expect(load).toHaveBeenCalledTimes(1);

    now = T0 + 3600_000 - 10_000;
    const stale = cache.lookup("e1");
    expect(stale).toMatchObject({ status: "ready", view: { url: "/blobs/media/e1?sig=1" } });
    expect(load).toHaveBeenCalledTimes(2);
    cache.lookup("e1");
    expect(load).toHaveBeenCalledTimes(2);

    calls[1]?.resolve(view("e1", "party", { url: "/blobs/media/e1?sig=2", url_expires_at: new Date(now + 3600_000).toISOString() }));
    await settle();
    expect(cache.lookup("e1")).toMatchObject({ status: "ready", view: { url: "/blobs/media/e1?sig=2" } });
  });

  it("after a failure shows text, and tries again only once the retry period has passed", async () => {
    const { load, calls } = controlledLoader();
    let now = T0;
    const cache = new EmojiCache({ load, now: () => now, retryAfterMs: 15_000 });
    cache.lookup("e1");
    calls[0]?.reject(new Error("offline"));
    await settle();
    expect(cache.lookup("e1")).toEqual({ status: "failed" });
    expect(load).toHaveBeenCalledTimes(1);

    now += 15_000;
    expect(cache.lookup("e1")).toEqual({ status: "failed" });
    expect(load).toHaveBeenCalledTimes(2);
    calls[1]?.resolve(view("e1", "party"));
    await settle();
    expect(cache.lookup("e1").status).toBe("ready");
  });

  it("a deletion here beats a load already on its way", async () => {
    const { load, calls } = controlledLoader();
    const cache = new EmojiCache({ load, now: () => T0 });
    cache.lookup("e1");
    cache.markGone("e1");
    calls[0]?.resolve(view("e1", "party"));
    await settle();
    expect(cache.lookup("e1")).toEqual({ status: "gone" });
  });

  it("takes views from elsewhere without a request", () => {
    const { load } = controlledLoader();
    const cache = new EmojiCache({ load, now: () => T0 });
    cache.put(view("e1", "party"));
    expect(cache.lookup("e1").status).toBe("ready");
    expect(load).not.toHaveBeenCalled();
  });

  it("asks again when an image fails to load, at most once per retry period", async () => {
    const { load, calls } = controlledLoader();
    let now = T0;
    const cache = new EmojiCache({ load, now: () => now, retryAfterMs: 15_000 });
    cache.put(view("e1", "party"));
    cache.imageFailed("e1", "/blobs/media/e1?sig=1");
    expect(load).not.toHaveBeenCalled();

    now += 20_000;
    cache.imageFailed("e1", "/some/other/url");
    expect(load).not.toHaveBeenCalled();
    cache.imageFailed("e1", "/blobs/media/e1?sig=1");
    expect(load).toHaveBeenCalledTimes(1);
    calls[0]?.resolve(null);
    await settle();
    expect(cache.lookup("e1")).toEqual({ status: "gone" });
  });

  it("loads through the API, where a 404 means deleted and anything else is a failure", async () => {
    const load = emojiLoader((id) =>
      id === "e1" ? Promise.resolve(view("e1", "party")) : id === "gone" ? Promise.reject(new ApiError("no", 404, "not_found")) : Promise.reject(new ApiError("down", 503)),
    );
    await expect(load("e1")).resolves.toMatchObject({ shortcode: "party" });
    await expect(load("gone")).resolves.toBeNull();
    await expect(load("other")).rejects.toMatchObject({ status: 503 });
  });
});

function fakeLibraryApi(initial: EmojiView[]) {
  let items = [...initial];
  const api: EmojiLibraryApi & { calls: string[] } = {
    calls: [],
    myEmoji: () => {
      api.calls.push("list");
      return Promise.resolve([...items]);
    },
    createEmoji: (uploadId, shortcode) => {
      api.calls.push(`create ${uploadId} ${shortcode}`);
      if (items.some((e) => e.shortcode === shortcode)) return Promise.reject(new ApiError("taken", 409, "shortcode_taken"));
      const v = view(uploadId, shortcode);
      items.push(v);
      return Promise.resolve(v);
    },
    renameEmoji: (id, shortcode) => {
      api.calls.push(`rename ${id} ${shortcode}`);
      items = items.map((e) => (e.emoji_id === id ? { ...e, shortcode } : e));
      const v = items.find((e) => e.emoji_id === id);
      return v ? Promise.resolve(v) : Promise.reject(new ApiError("no", 404, "not_found"));
    },
    deleteEmoji: (id) => {
      api.calls.push(`delete ${id}`);
      const had = items.some((e) => e.emoji_id === id);
      items = items.filter((e) => e.emoji_id !== id);
      return had ? Promise.resolve() : Promise.reject(new ApiError("no", 404, "not_found"));
    },
    uploads: () => Promise.resolve({ uploads: [], bytes_used: 2048, quota_bytes: 1 << 20 }),
  };
  return api;
}

describe("emoji library", () => {
  it("loads once, sorted, and primes the cache so my own emoji need no request", async () => {
    const api = fakeLibraryApi([view("e2", "wave"), view("e1", "party")]);
    const load = vi.fn(() => Promise.resolve(null));
    const cache = new EmojiCache({ load, now: () => T0 });
    const library = new EmojiLibrary(api, cache);
    await Promise.all([library.load(), library.load()]);
    await library.load();
    expect(api.calls).toEqual(["list"]);
    expect(library.items.map((e) => e.shortcode)).toEqual(["party", "wave"]);
    expect(cache.lookup("e1").status).toBe("ready");
    expect(load).not.toHaveBeenCalled();
  });

  it("lists again when a link in the list is about to expire, not before", async () => {
    const api = fakeLibraryApi([view("e1", "party")]);
    let now = T0;
    const cache = new EmojiCache({ load: () => Promise.resolve(null), now: () => now, refreshMarginMs: 30_000 });
    const library = new EmojiLibrary(api, cache);
    await library.load();
    const expires = Date.parse(view("e1", "party").url_expires_at);
    now = expires - 31_000;
    await library.load();
    expect(api.calls).toEqual(["list"]);
    now = expires - 29_000;
    await library.load();
    expect(api.calls).toEqual(["list", "list"]);
  });

  it("adds, renames and deletes, keeping the list and the cache right", async () => {
    const api = fakeLibraryApi([view("e1", "party")]);
    const cache = new EmojiCache({ load: () => Promise.resolve(null), now: () => T0 });
    const library = new EmojiLibrary(api, cache);
    const heard = vi.fn();
    library.subscribe(heard);
    await library.load();

    await library.create("e3", "cake");
    expect(library.items.map((e) => e.shortcode)).toEqual(["cake", "party"]);
    expect(cache.peek("e3")?.status).toBe("ready");
    await expect(library.create("e4", "cake")).rejects.toMatchObject({ code: "shortcode_taken" });
    expect(library.items).toHaveLength(2);

    await library.rename("e1", "parrot");
    expect(library.items.map((e) => e.shortcode)).toEqual(["cake", "parrot"]);
    expect(cache.peek("e1")).toMatchObject({ view: { shortcode: "parrot" } });
    expect(library.isTaken("parrot")).toBe(true);
    expect(library.isTaken("parrot", "e1")).toBe(false);
    expect(library.isTaken("party")).toBe(false);

    await library.remove("e1");
    expect(library.items.map((e) => e.shortcode)).toEqual(["cake"]);
    expect(cache.peek("e1")).toEqual({ status: "gone" });
    // Deleted already (another tab): still gone here, no error.
    await library.remove("e1");
    expect(heard).toHaveBeenCalled();
  });

  it("suggests a free name when one is taken", async () => {
    const library = new EmojiLibrary(fakeLibraryApi([view("e1", "party"), view("e2", "party_2")]), new EmojiCache({ load: () => Promise.resolve(null) }));
    await library.load();
    expect(library.freeName("cake")).toBe("cake");
    expect(library.freeName("party")).toBe("party_3");
    const long = "x".repeat(32);
    await library.create("e9", long);
    expect(library.freeName(long)).toBe(`${"x".repeat(30)}_2`);
  });

  it("reads storage use", async () => {
    const library = new EmojiLibrary(fakeLibraryApi([]), new EmojiCache({ load: () => Promise.resolve(null) }));
    await library.loadUsage();
    expect(library.usage).toEqual({ bytesUsed: 2048, quotaBytes: 1 << 20 });
  });
});

describe("display", () => {
  it("keeps an emoji's shape at a given height, capping very wide ones", () => {
    expect(emojiSize({ width: 64, height: 64 }, 22)).toEqual({ width: 22, height: 22 });
    expect(emojiSize({ width: 128, height: 64 }, 22)).toEqual({ width: 44, height: 22 });
    expect(emojiSize({ width: 256, height: 16 }, 22)).toEqual({ width: 44, height: 22 });
    expect(emojiSize({ width: 32, height: 64 }, 48)).toEqual({ width: 24, height: 48 });
  });

  it("formats byte counts", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(200 * 1024 * 1024)).toBe("200 MB");
  });
});
