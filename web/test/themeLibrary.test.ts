import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/state/api";
import { type ThemeLibraryApi, ThemeLibrary } from "../src/state/themeLibrary";
import { ConversationThemes } from "../src/state/themes";
import type { Theme, ThemeSpec } from "../src/state/types";
import { settle, theme } from "./helpers";

function fakeApi(initial: Theme[]) {
  const calls = { themes: 0 };
  let items = [...initial];
  let chosen: Theme | null = null;
  const api: ThemeLibraryApi = {
    themes: () => {
      calls.themes++;
      return Promise.resolve(items);
    },
    myTheme: vi.fn(() => Promise.resolve(chosen)),
    createTheme: vi.fn((spec: ThemeSpec) => Promise.resolve(theme("new", spec))),
    updateTheme: vi.fn((id: string, spec: ThemeSpec) => Promise.resolve(theme(id, spec))),
    deleteTheme: vi.fn((id: string) => {
      const had = items.some((t) => t.theme_id === id);
      items = items.filter((t) => t.theme_id !== id);
      return had ? Promise.resolve() : Promise.reject(new ApiError("no theme", 404, "not_found"));
    }),
    publishTheme: vi.fn((id: string) => Promise.resolve(theme(id, { published_at: "2026-01-01T10:00:00Z" }))),
    unpublishTheme: vi.fn((id: string) => Promise.resolve(theme(id))),
    copyTheme: vi.fn((id: string) => Promise.resolve(theme(`copy-of-${id}`, { copied_from: id }))),
    setMyTheme: vi.fn((id: string | null) => {
      chosen = id ? theme(id) : null;
      return Promise.resolve(chosen);
    }),
    setConversationTheme: vi.fn((_c: string, id: string | null) => Promise.resolve(id ? theme(id) : null)),
    setMyConversationTheme: vi.fn((_c: string, id: string | null) => Promise.resolve(id ? theme(id) : null)),
  };
  return { api, calls };
}

async function setup(initial: Theme[] = [theme("a"), theme("b")]) {
  const looks = new ConversationThemes({ load: () => Promise.resolve({ shown: "builtin" }) });
  looks.lookup("k");
  await settle();
  const { api, calls } = fakeApi(initial);
  const library = new ThemeLibrary(api, looks, "u-me");
  await library.load();
  return { calls, looks, library };
}

describe("theme library", () => {
  it("loads my themes and my default once", async () => {
    const { calls, library } = await setup();
    await library.load();
    expect(calls.themes).toBe(1);
    expect(library.items.map((t) => t.theme_id)).toEqual(["a", "b"]);
    expect(library.defaultTheme).toBeNull();
    await library.load(true);
    expect(calls.themes).toBe(2);
  });

  it("choosing where a theme applies changes what the conversation shows at once", async () => {
    const { looks, library } = await setup();
    await library.setDefault("a");
    expect(library.defaultTheme?.theme_id).toBe("a");
    expect(looks.effective("k")).toMatchObject({ source: "default", theme: { theme_id: "a" } });
    await library.setForConversation("k", "b");
    expect(looks.peek("k")).toMatchObject({ shown: "conversation", conversation_set_by: "u-me" });
    await library.setOverride("k", "a");
    expect(looks.effective("k").source).toBe("override");
    await library.setOverride("k", null);
    await library.setForConversation("k", null);
    expect(looks.effective("k").source).toBe("default");
    await library.setDefault(null);
    expect(looks.effective("k").source).toBe("builtin");
  });

  it("saving, publishing, copying and deleting keep the list right", async () => {
    const { looks, library } = await setup();
    await library.setDefault("a");
    const made = await library.create({ name: "New", colors: theme("x").colors, background: { kind: "color", color: "#000000" } });
    expect(library.get(made.theme_id)?.name).toBe("New");
    await library.update("a", { ...theme("a"), name: "Edited" });
    expect(library.get("a")?.name).toBe("Edited");
    expect(library.defaultTheme?.name).toBe("Edited");
    expect(looks.effective("k").theme?.name).toBe("Edited");
    expect((await library.setPublished("b", true)).published_at).toBeDefined();
    expect(library.get("b")?.published_at).toBeDefined();
    await library.setPublished("b", false);
    expect(library.get("b")?.published_at).toBeUndefined();
    await library.copy("m1");
    expect(library.copyOf("m1")?.theme_id).toBe("copy-of-m1");
    await library.remove("a");
    expect(library.get("a")).toBeUndefined();
    expect(library.defaultTheme).toBeNull();
    expect(looks.effective("k").source).toBe("builtin");
    // Deleting one already gone is fine.
    await library.remove("a");
  });
});
