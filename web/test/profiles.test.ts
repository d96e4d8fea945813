import { describe, expect, it, vi } from "vitest";
import { memberName, memberHandle } from "../src/state/format";
import { PROFILES_PER_REQUEST, ProfileCache } from "../src/state/profiles";
import type { Profile } from "../src/state/types";
import { ME, conversation, settle } from "./helpers";

const person = (id: string): Profile => ({ user_id: id, handle: `h_${id}`, display_name: `Name ${id}` });

/** A cache whose lookups run when the test says (`flush`), answering from `directory`. */
function setup(directory: Record<string, Profile> = {}) {
  const requests: string[][] = [];
  let fail = false;
  const runs: (() => void)[] = [];
  const load = vi.fn((ids: string[]) => {
    requests.push(ids);
    if (fail) return Promise.reject(new Error("offline"));
    return Promise.resolve(ids.flatMap((id) => (directory[id] ? [directory[id]] : [])));
  });
  const cache = new ProfileCache({
    load,
    schedule: (run) => {
      runs.push(run);
    },
  });
  return {
    cache,
    requests,
    setFail: (value: boolean) => {
      fail = value;
    },
    /** Ends the turn: the scheduled lookups go, and their answers come back. */
    turn: async () => {
      for (const run of runs.splice(0)) run();
      await settle();
    },
  };
}

describe("profile cache", () => {
  it("asks for the ids wanted in one turn in one request", async () => {
    const { cache, requests, turn } = setup({ a: person("a"), b: person("b"), c: person("c") });
    cache.want(["a", "b"]);
    cache.want(["b", "c"]);
    cache.want(["a"]);
    expect(requests).toEqual([]);
    await turn();
    expect(requests).toEqual([["a", "b", "c"]]);
    expect(cache.get("b")?.display_name).toBe("Name b");
  });

  it("never asks twice for an id known, on its way, or known not to exist", async () => {
    const { cache, requests, turn } = setup({ a: person("a") });
    cache.put([person("seeded")]);
    cache.want(["a", "ghost", "seeded"]);
    await turn();
    expect(requests).toEqual([["a", "ghost"]]);
    cache.want(["a", "ghost", "seeded"]);
    await turn();
    expect(requests).toHaveLength(1);
    expect(cache.isUnknown("ghost")).toBe(true);
  });

  it("does not ask again for an id whose request is still on its way", async () => {
    let answer: (users: Profile[]) => void = () => undefined;
    const requests: string[][] = [];
    const runs: (() => void)[] = [];
    const cache = new ProfileCache({
      load: (ids) => {
        requests.push(ids);
        return new Promise<Profile[]>((resolve) => {
          answer = resolve;
        });
      },
      schedule: (run) => runs.push(run),
    });
    cache.want(["a"]);
    for (const run of runs.splice(0)) run();
    cache.want(["a", "b"]);
    for (const run of runs.splice(0)) run();
    expect(requests).toEqual([["a"], ["b"]]);
    answer([person("b")]);
    await settle();
    expect(cache.get("b")).toBeDefined();
  });

  it("tolerates ids the server does not know: they stay nameless and are not asked for again", async () => {
    const { cache, requests, turn } = setup({ a: person("a") });
    const listener = vi.fn();
    cache.subscribe(listener);
    cache.want(["a", "gone"]);
    await turn();
    expect(listener).toHaveBeenCalledTimes(1);
    const room = conversation("r1", { kind: "room", title: "Lobby", members: [ME] });
    expect(memberName(room, "a", cache)).toBe("Name a");
    expect(memberHandle(room, "a", cache)).toBe("@h_a");
    expect(memberName(room, "gone", cache)).toBe("Someone");
    expect(memberHandle(room, "gone", cache)).toBe("Someone");
    cache.want(["gone"]);
    await turn();
    expect(requests).toHaveLength(1);
  });

  it("asks again after a failed request, when the ids are next wanted", async () => {
    const { cache, requests, turn, setFail } = setup({ a: person("a") });
    setFail(true);
    cache.want(["a"]);
    await turn();
    expect(cache.get("a")).toBeUndefined();
    expect(cache.isUnknown("a")).toBe(false);
    setFail(false);
    cache.want(["a"]);
    await turn();
    expect(requests).toEqual([["a"], ["a"]]);
    expect(cache.get("a")?.handle).toBe("h_a");
  });

  it("splits more than 100 ids into requests of at most 100", async () => {
    const ids = Array.from({ length: 230 }, (_, i) => `u${String(i)}`);
    const { cache, requests, turn } = setup(Object.fromEntries(ids.map((id) => [id, person(id)])));
    cache.want(ids);
    await turn();
    expect(requests.map((r) => r.length)).toEqual([PROFILES_PER_REQUEST, PROFILES_PER_REQUEST, 30]);
    expect(new Set(requests.flat()).size).toBe(230);
    expect(cache.get("u229")).toBeDefined();
  });

  it("prefers the conversation's own members to the cache", () => {
    const { cache } = setup();
    cache.put([{ ...ME, display_name: "Old name" }]);
    const group = conversation("g1", { kind: "group", title: "G" });
    expect(memberName(group, ME.user_id, cache)).toBe(ME.display_name);
  });

  it("falls back to the handle when a profile has no display name", async () => {
    const { cache, turn } = setup({ a: { user_id: "a", handle: "plainhandle", display_name: "" } });
    cache.want(["a"]);
    await turn();
    expect(memberName(conversation("r", { kind: "room", members: [ME] }), "a", cache)).toBe("plainhandle");
  });
});
