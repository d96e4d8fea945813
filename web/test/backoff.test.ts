import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Backoff, backoffDelay } from "../src/state/backoff";
import { PING_EVERY_MS, SocketClient } from "../src/state/socket";
import { FakeSocket, settle } from "./helpers";

describe("reconnect backoff", () => {
  it("doubles from 1 s up to a 30 s ceiling", () => {
    const backoff = new Backoff(() => 0.5);
    const schedule = Array.from({ length: 8 }, () => backoff.next());
    expect(schedule).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("spreads each delay between half and one and a half times its step", () => {
    expect(backoffDelay(0, 0)).toBe(500);
    expect(backoffDelay(0, 0.999)).toBeCloseTo(1499, 0);
    expect(backoffDelay(3, 0)).toBe(4000);
    expect(backoffDelay(10, 0.999)).toBeCloseTo(44970, 0);
  });

  it("starts again from the bottom after a reset", () => {
    const backoff = new Backoff(() => 0.5);
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });
});

describe("socket client", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function client(connectUrl: () => Promise<string>) {
    const sockets: FakeSocket[] = [];
    const statuses: string[] = [];
    const onOpen = vi.fn();
    const c = new SocketClient({
      connectUrl,
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      onOpen,
      onFrame: () => undefined,
      onStatus: (s) => statuses.push(s),
      random: () => 0.5,
    });
    return { c, sockets, statuses, onOpen };
  }

  it("retries a failed connect on the backoff schedule, and resets once open", async () => {
    let failures = 3;
    const connectUrl = vi.fn(() => (failures-- > 0 ? Promise.reject(new Error("no ticket")) : Promise.resolve("ws://x/ws?ticket=t")));
    const { c, sockets, onOpen } = client(connectUrl);
    c.start();
    await settle();
    expect(connectUrl).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(999);
    expect(connectUrl).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(connectUrl).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(connectUrl).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(3999);
    expect(connectUrl).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(connectUrl).toHaveBeenCalledTimes(4);
    expect(sockets).toHaveLength(1);

    sockets[0]?.open();
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(c.status).toBe("online");

    // A drop after a good connection waits 1 s again, not 8 s.
    sockets[0]?.drop();
    expect(c.status).toBe("offline");
    await vi.advanceTimersByTimeAsync(1000);
    expect(connectUrl).toHaveBeenCalledTimes(5);
    expect(sockets).toHaveLength(2);
    c.stop();
  });

  it("pings every four minutes while open", async () => {
    const { c, sockets } = client(() => Promise.resolve("ws://x/ws?ticket=t"));
    c.start();
    await settle();
    sockets[0]?.open();
    await vi.advanceTimersByTimeAsync(PING_EVERY_MS - 1);
    expect(sockets[0]?.frames("ping")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets[0]?.frames("ping")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(PING_EVERY_MS);
    expect(sockets[0]?.frames("ping")).toHaveLength(2);
    c.stop();
  });

  it("does not reconnect after stop", async () => {
    const connectUrl = vi.fn(() => Promise.resolve("ws://x/ws?ticket=t"));
    const { c, sockets } = client(connectUrl);
    c.start();
    await settle();
    sockets[0]?.open();
    c.stop();
    sockets[0]?.drop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connectUrl).toHaveBeenCalledTimes(1);
    expect(c.send({ action: "ping" })).toBe(false);
  });
});
