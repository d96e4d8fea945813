import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/state/api";
import { AttachmentLinks } from "../src/state/attachmentLinks";
import type { AttachmentLink } from "../src/state/types";
import { settle } from "./helpers";

const AT = { conversation_id: "c1", seq: 4, upload_id: "up-1" };
const T0 = Date.parse("2026-01-01T10:00:00Z");

function link(n: number, expires = "2026-01-01T11:00:00Z"): AttachmentLink {
  return { upload_id: "up-1", name: "photo.png", content_type: "image/png", size: 10, width: 64, height: 32, url: `https://storage.test/up-1?sig=${String(n)}`, expires_at: expires };
}

function setup(answers: (() => Promise<AttachmentLink>)[]) {
  let now = T0;
  const load = vi.fn<(conversationId: string, seq: number, uploadId: string) => Promise<AttachmentLink>>(() => {
    const next = answers.shift();
    return next ? next() : Promise.reject(new Error("no more answers"));
  });
  const heard = vi.fn();
  const links = new AttachmentLinks({ load, now: () => now, refreshMarginMs: 60_000, retryAfterMs: 15_000 });
  links.subscribe(heard);
  return {
    links,
    load,
    heard,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("download links of files", () => {
  it("asks once per file, through the message that carries it, however often it is looked up", async () => {
    const { links, load, heard } = setup([() => Promise.resolve(link(1))]);
    expect(links.lookup(AT)).toEqual({ status: "loading" });
    expect(links.lookup(AT)).toEqual({ status: "loading" });
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith("c1", 4, "up-1");
    await settle();
    expect(heard).toHaveBeenCalled();
    expect(links.lookup(AT)).toEqual({ status: "ready", url: link(1).url, local: false });
    // A download reuses it while it is good.
    expect(await links.link(AT)).toEqual(link(1));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("asks again shortly before the URL expires, showing the old one meanwhile", async () => {
    const { links, load, advance } = setup([() => Promise.resolve(link(1)), () => Promise.resolve(link(2, "2026-01-01T12:00:00Z"))]);
    links.lookup(AT);
    await settle();
    advance(58 * 60_000);
    expect(links.lookup(AT)).toEqual({ status: "ready", url: link(1).url, local: false });
    expect(load).toHaveBeenCalledTimes(1);
    advance(60_000);
    // Within a minute of expiring: the old one still shows while a new one is asked for.
    expect(links.lookup(AT)).toEqual({ status: "ready", url: link(1).url, local: false });
    expect(load).toHaveBeenCalledTimes(2);
    await settle();
    expect(links.lookup(AT)).toMatchObject({ url: link(2).url });
  });

  it("a download never gets a link about to expire", async () => {
    const { links, load, advance } = setup([() => Promise.resolve(link(1)), () => Promise.resolve(link(2, "2026-01-01T12:00:00Z"))]);
    expect(await links.link(AT)).toEqual(link(1));
    advance(59 * 60_000 + 1);
    expect((await links.link(AT))?.url).toBe(link(2).url);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("knows a 404 as gone (a deleted message or file) and stops asking", async () => {
    const { links, load } = setup([() => Promise.reject(new ApiError("gone", 404, "not_found"))]);
    links.lookup(AT);
    await settle();
    expect(links.lookup(AT)).toEqual({ status: "gone" });
    expect(await links.link(AT)).toBeNull();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("after another failure, tries again only once a while has passed", async () => {
    const { links, load, advance } = setup([() => Promise.reject(new ApiError("down", 503, "unavailable")), () => Promise.resolve(link(2))]);
    links.lookup(AT);
    await settle();
    expect(links.lookup(AT)).toEqual({ status: "failed" });
    expect(load).toHaveBeenCalledTimes(1);
    advance(15_000);
    links.lookup(AT);
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
    expect(links.lookup(AT)).toMatchObject({ status: "ready", url: link(2).url });
  });

  it("asks again when an image will not load from its URL, at most once a while", async () => {
    const { links, load, advance } = setup([() => Promise.resolve(link(1)), () => Promise.resolve(link(2))]);
    links.lookup(AT);
    await settle();
    advance(20_000);
    links.imageFailed(AT, link(1).url);
    links.imageFailed(AT, link(1).url);
    await settle();
    expect(load).toHaveBeenCalledTimes(2);
    links.imageFailed(AT, link(2).url);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("shows my own picked bytes for an image I sent, without asking", () => {
    const { links, load } = setup([]);
    links.putLocal("up-1", "blob:local/1");
    expect(links.lookup(AT)).toEqual({ status: "ready", url: "blob:local/1", local: true });
    expect(links.peek("up-1")).toEqual({ status: "ready", url: "blob:local/1", local: true });
    expect(load).not.toHaveBeenCalled();
  });
});
