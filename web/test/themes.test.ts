import { describe, expect, it, vi } from "vitest";
import { ConversationThemes, applyThemeFrame, linksExpireAt, patchLooks, resolveShown, shownTheme } from "../src/state/themes";
import type { ConversationLooks } from "../src/state/types";
import { settle, theme } from "./helpers";

const T0 = Date.parse("2026-01-01T10:00:00Z");

function controlled() {
  const calls: { id: string; resolve: (v: ConversationLooks) => void; reject: (e: unknown) => void }[] = [];
  const load = vi.fn(
    (id: string) =>
      new Promise<ConversationLooks>((resolve, reject) => {
        calls.push({ id, resolve, reject });
      }),
  );
  return { load, calls };
}

describe("which theme shows", () => {
  const o = theme("o");
  const c = theme("c");
  const d = theme("d");

  it("follows the precedence: override, conversation, default, built-in", () => {
    expect(resolveShown({ override: o, conversation: c, default: d })).toBe("override");
    expect(resolveShown({ conversation: c, default: d })).toBe("conversation");
    expect(resolveShown({ default: d })).toBe("default");
    expect(resolveShown({})).toBe("builtin");
    expect(shownTheme({ shown: "conversation", conversation: c, default: d })).toBe(c);
    expect(shownTheme({ shown: "builtin" })).toBeNull();
  });

  it("updates on a theme frame, and falls back when the conversation's theme is cleared", () => {
    let looks: ConversationLooks = { shown: "default", default: d };
    looks = applyThemeFrame(looks, { type: "theme", conversation_id: "k", set_by: "u-bob", theme: c });
    expect(looks).toMatchObject({ shown: "conversation", conversation: c, conversation_set_by: "u-bob" });
    looks = applyThemeFrame(looks, { type: "theme", conversation_id: "k", set_by: "u-bob" });
    expect(looks.shown).toBe("default");
    expect(looks).not.toHaveProperty("conversation");
    expect(looks).not.toHaveProperty("conversation_set_by");
  });

  it("an override hides the conversation's theme until it is cleared", () => {
    let looks: ConversationLooks = { shown: "conversation", conversation: c };
    looks = patchLooks(looks, { override: o });
    expect(shownTheme(looks)).toBe(o);
    looks = applyThemeFrame(looks, { type: "theme", conversation_id: "k", set_by: "u-bob", theme: d });
    expect(shownTheme(looks)).toBe(o);
    looks = patchLooks(looks, { override: null });
    expect(shownTheme(looks)).toBe(d);
  });

  it("knows when the shown theme's image links expire", () => {
    expect(linksExpireAt(null)).toBeNull();
    expect(linksExpireAt(theme("x", { images_expire_at: "2026-01-01T11:00:00Z" }))).toBeNull();
    expect(linksExpireAt(theme("x", { images: { u1: "/blobs/u1" }, images_expire_at: "2026-01-01T11:00:00Z" }))).toBe(T0 + 3600_000);
  });
});

describe("conversation themes cache", () => {
  it("loads a conversation's looks once and shows the built-in look meanwhile", async () => {
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => T0 });
    const heard = vi.fn();
    looks.subscribe(heard);
    expect(looks.effective("k")).toEqual({ theme: null, source: "builtin" });
    looks.lookup("k");
    expect(load).toHaveBeenCalledTimes(1);
    calls[0]?.resolve({ shown: "conversation", conversation: theme("c") });
    await settle();
    expect(heard).toHaveBeenCalled();
    expect(looks.effective("k")).toEqual({ theme: theme("c"), source: "conversation" });
    expect(load).toHaveBeenCalledTimes(1);
    expect(looks.effective(null)).toEqual({ theme: null, source: "builtin" });
  });

  it("keeps a frame that arrives while the load is out (it is newer)", async () => {
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => T0 });
    looks.lookup("k");
    looks.applyFrame({ type: "theme", conversation_id: "k", set_by: "u-bob", theme: theme("new") });
    calls[0]?.resolve({ shown: "conversation", conversation: theme("old"), default: theme("d") });
    await settle();
    expect(looks.peek("k")).toMatchObject({ shown: "conversation", conversation: { theme_id: "new" }, default: { theme_id: "d" } });
  });

  it("sets my default everywhere, my override and the conversation's theme per conversation", async () => {
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => T0 });
    looks.lookup("a");
    looks.lookup("b");
    calls[0]?.resolve({ shown: "builtin" });
    calls[1]?.resolve({ shown: "conversation", conversation: theme("c") });
    await settle();
    looks.setDefault(theme("d"));
    expect(looks.peek("a")?.shown).toBe("default");
    expect(looks.peek("b")?.shown).toBe("conversation");
    looks.setOverride("b", theme("o"));
    expect(shownTheme(looks.peek("b") ?? { shown: "builtin" })?.theme_id).toBe("o");
    looks.setConversation("a", theme("c2"), "u-me");
    expect(looks.peek("a")).toMatchObject({ shown: "conversation", conversation_set_by: "u-me" });
  });

  it("follows edits and deletions of my themes in defaults and overrides, not in conversation copies", async () => {
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => T0 });
    looks.lookup("a");
    calls[0]?.resolve({ shown: "override", override: theme("m"), conversation: theme("m"), default: theme("m") });
    await settle();
    looks.mineChanged("m", theme("m", { name: "Renamed" }));
    expect(looks.peek("a")?.override?.name).toBe("Renamed");
    expect(looks.peek("a")?.default?.name).toBe("Renamed");
    expect(looks.peek("a")?.conversation?.name).toBe("Theme m");
    looks.mineChanged("m", null);
    expect(looks.peek("a")).toMatchObject({ shown: "conversation" });
    expect(looks.peek("a")).not.toHaveProperty("default");
  });

  it("asks again before image links expire, after a reconnect, and after a broken image (not too often)", async () => {
    let now = T0;
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => now, refreshMarginMs: 60_000, retryAfterMs: 10_000 });
    const withImages = theme("p", { images: { u1: "/blobs/u1" }, images_expire_at: new Date(T0 + 3600_000).toISOString() });
    looks.lookup("k");
    calls[0]?.resolve({ shown: "conversation", conversation: withImages });
    await settle();
    now = T0 + 3600_000 - 120_000;
    looks.lookup("k");
    expect(load).toHaveBeenCalledTimes(1);
    now = T0 + 3600_000 - 30_000;
    expect(looks.lookup("k").status).toBe("ready");
    expect(load).toHaveBeenCalledTimes(2);
    calls[1]?.resolve({ shown: "conversation", conversation: { ...withImages, images_expire_at: new Date(now + 3600_000).toISOString() } });
    await settle();

    looks.imageFailed("k");
    looks.lookup("k");
    expect(load).toHaveBeenCalledTimes(2);
    now += 10_000;
    looks.imageFailed("k");
    looks.lookup("k");
    expect(load).toHaveBeenCalledTimes(3);
    calls[2]?.resolve({ shown: "builtin" });
    await settle();

    looks.invalidate();
    looks.lookup("k");
    expect(load).toHaveBeenCalledTimes(4);
  });

  it("shows the built-in look when the load fails, and retries later", async () => {
    let now = T0;
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => now, retryAfterMs: 10_000 });
    looks.lookup("k");
    calls[0]?.reject(new Error("offline"));
    await settle();
    expect(looks.lookup("k").status).toBe("failed");
    expect(looks.effective("k").source).toBe("builtin");
    now += 10_000;
    looks.lookup("k");
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("a preview wins over every conversation until it ends", async () => {
    const { load, calls } = controlled();
    const looks = new ConversationThemes({ load, now: () => T0 });
    looks.lookup("k");
    calls[0]?.resolve({ shown: "conversation", conversation: theme("c") });
    await settle();
    looks.setPreview(theme("market"));
    expect(looks.effective("k")).toEqual({ theme: theme("market"), source: "preview" });
    expect(looks.effective(null).source).toBe("preview");
    looks.setPreview(null);
    expect(looks.effective("k").source).toBe("conversation");
  });
});
