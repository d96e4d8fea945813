import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/state/api";
import { PeopleSearch, SEARCH_DEBOUNCE_MS, checkPrefix } from "../src/state/people";
import type { Profile, UserPage } from "../src/state/types";
import { settle } from "./helpers";

const person = (handle: string): Profile => ({ user_id: `u-${handle}`, handle, display_name: handle });

interface Call {
  prefix: string;
  cursor: string | undefined;
  limit: number;
  resolve: (page: UserPage) => void;
  reject: (e: unknown) => void;
}

/** A search whose answers the test gives, in any order. */
function searching(pageSize = 2) {
  const calls: Call[] = [];
  const search = new PeopleSearch({
    pageSize,
    load: (prefix, cursor, limit) =>
      new Promise<UserPage>((resolve, reject) => {
        calls.push({ prefix, cursor, limit, resolve, reject });
      }),
  });
  let changes = 0;
  search.subscribe(() => {
    changes += 1;
  });
  return { search, calls, changes: () => changes };
}

describe("handle prefixes", () => {
  it("takes 1-32 letters, digits and _, with a leading @ and spaces, in lower case", () => {
    expect(checkPrefix("")).toEqual({ kind: "empty" });
    expect(checkPrefix("  @ ")).toEqual({ kind: "empty" });
    expect(checkPrefix(" @Bo_b9 ")).toEqual({ kind: "ok", prefix: "bo_b9" });
    expect(checkPrefix("bo-b")).toMatchObject({ kind: "invalid", message: "Handles have only letters, digits and _." });
    expect(checkPrefix("b".repeat(33))).toMatchObject({ kind: "invalid" });
  });
});

describe("finding people", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("searches once typing pauses, with only the last prefix typed", async () => {
    const { search, calls } = searching();
    search.setQuery("b");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 50);
    search.setQuery("bo");
    expect(search.status).toBe("waiting");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 50);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls.map((c) => [c.prefix, c.cursor, c.limit])).toEqual([["bo", undefined, 2]]);
    expect(search.status).toBe("loading");
    calls[0]?.resolve({ users: [person("bob"), person("bobby")], next_cursor: "bobby" });
    await settle();
    expect(search.status).toBe("done");
    expect(search.results.map((p) => p.handle)).toEqual(["bob", "bobby"]);
    expect(search.nextCursor).toBe("bobby");
  });

  it("searches at once when asked (Enter), and not again for the same prefix written differently", async () => {
    const { search, calls } = searching();
    search.setQuery("Bo", true);
    expect(calls).toHaveLength(1);
    search.setQuery("@bo ");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS * 2);
    expect(calls).toHaveLength(1);
  });

  it("drops an answer for a prefix no longer typed", async () => {
    const { search, calls } = searching();
    search.setQuery("al", true);
    search.setQuery("bo", true);
    calls[1]?.resolve({ users: [person("bob")] });
    await settle();
    calls[0]?.resolve({ users: [person("alice")] });
    await settle();
    expect(search.prefix).toBe("bo");
    expect(search.results.map((p) => p.handle)).toEqual(["bob"]);
  });

  it("adds further pages from the cursor, once each, until there are none", async () => {
    const { search, calls } = searching();
    search.setQuery("bo", true);
    calls[0]?.resolve({ users: [person("bob"), person("bobby")], next_cursor: "bobby" });
    await settle();
    void search.more();
    void search.more();
    expect(calls.map((c) => c.cursor)).toEqual([undefined, "bobby"]);
    expect(search.loadingMore).toBe(true);
    // A repeat at the page's edge is shown once.
    calls[1]?.resolve({ users: [person("bobby"), person("bonnie")] });
    await settle();
    expect(search.results.map((p) => p.handle)).toEqual(["bob", "bobby", "bonnie"]);
    expect(search.nextCursor).toBeUndefined();
    expect(search.loadingMore).toBe(false);
    await search.more();
    expect(calls).toHaveLength(2);
  });

  it("drops a further page that comes after the prefix changed", async () => {
    const { search, calls } = searching();
    search.setQuery("bo", true);
    calls[0]?.resolve({ users: [person("bob")], next_cursor: "bob" });
    await settle();
    void search.more();
    search.setQuery("al", true);
    calls[1]?.resolve({ users: [person("bobby")] });
    calls[2]?.resolve({ users: [person("alice")] });
    await settle();
    expect(search.results.map((p) => p.handle)).toEqual(["alice"]);
  });

  it("explains what cannot be searched instead of asking, and clears on an empty field", async () => {
    const { search, calls } = searching();
    search.setQuery("bo-");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(calls).toHaveLength(0);
    expect(search.problem).toBe("Handles have only letters, digits and _.");
    expect(search.prefix).toBeNull();
    search.setQuery("");
    expect(search.problem).toBe("");
    expect(search.status).toBe("idle");
  });

  it("says when a search failed, and tries again on the next keystroke", async () => {
    const { search, calls } = searching();
    search.setQuery("bo", true);
    calls[0]?.reject(new TypeError("offline"));
    await settle();
    expect(search.status).toBe("error");
    expect(search.error).toMatch(/didn’t go through/);
    search.setQuery("bo ");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    expect(calls).toHaveLength(2);
  });

  it("names a refused prefix as such", async () => {
    const { search, calls } = searching();
    search.setQuery("bo", true);
    calls[0]?.reject(new ApiError("invalid prefix", 400, "invalid_request"));
    await settle();
    expect(search.error).toBe("Handles have only letters, digits and _.");
  });

  it("stops its timer when disposed", async () => {
    const { search, calls } = searching();
    search.setQuery("bo");
    search.dispose();
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS * 2);
    expect(calls).toHaveLength(0);
  });
});
