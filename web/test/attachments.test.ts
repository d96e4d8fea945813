import { describe, expect, it, vi } from "vitest";
import { AttachmentDraft, type PreviewUrls } from "../src/state/attachmentDraft";
import {
  ATTACHMENT_MAX_BYTES,
  attachmentErrorMessage,
  attachmentFileProblem,
  attachmentName,
  attachmentType,
  attachmentsSummary,
  humanSize,
  isPreviewable,
  previewSize,
} from "../src/state/attachments";
import { ApiError } from "../src/state/api";
import { PNG_BYTES, fakeUploads, pngFile, textFile } from "./helpers";

describe("which files may go", () => {
  it("tells an image's type from its bytes, whatever the name or the browser say", () => {
    expect(attachmentType("photo.txt", "text/plain", PNG_BYTES)).toBe("image/png");
    expect(attachmentType("clip.mp4", "video/mp4", new Uint8Array(16))).toBe("video/mp4");
  });

  it("takes the browser's other names for allowed types, and the extension when it says nothing", () => {
    expect(attachmentType("a.zip", "application/x-zip-compressed", new Uint8Array(4))).toBe("application/zip");
    expect(attachmentType("song.mp3", "audio/mp3", new Uint8Array(4))).toBe("audio/mpeg");
    expect(attachmentType("README.TXT", "", new Uint8Array(4))).toBe("text/plain");
    expect(attachmentType("mystery", "", new Uint8Array(4))).toBeNull();
  });

  it("refuses, before sending anything, types the server does not keep, files over 10 MB and empty ones", () => {
    expect(attachmentFileProblem("application/x-msdownload", 10)).toBe("upload_type_not_allowed");
    expect(attachmentFileProblem(null, 10)).toBe("upload_type_not_allowed");
    expect(attachmentFileProblem("text/markdown", 10)).toBe("upload_type_not_allowed");
    expect(attachmentFileProblem("application/pdf", ATTACHMENT_MAX_BYTES + 1)).toBe("upload_too_large");
    expect(attachmentFileProblem("application/pdf", ATTACHMENT_MAX_BYTES)).toBeNull();
    expect(attachmentFileProblem("text/plain", 0)).toBe("empty_file");
  });

  it("says why in words, for its own checks and the server's codes", () => {
    expect(attachmentErrorMessage("upload_type_not_allowed")).toMatch(/^Only images \(PNG, JPEG, GIF, WebP\), PDF, ZIP/);
    expect(attachmentErrorMessage("upload_too_large")).toMatch(/10 MB/);
    expect(attachmentErrorMessage(new ApiError("full", 403, "quota_exceeded"))).toMatch(/storage is full/);
    // A 429 already says when to try again: its words are shown as they are.
    expect(attachmentErrorMessage(new ApiError("too many uploads; try again in 7 s", 429, "rate_limited", 7))).toBe(
      "too many uploads; try again in 7 s",
    );
  });

  it("names a file as the server allows: no control characters or slashes, at most 200 characters, the extension kept", () => {
    expect(attachmentName("  plan (v2).pdf ")).toBe("plan (v2).pdf");
    expect(attachmentName("a/b\\c\u0007.txt")).toBe("a_b_c.txt");
    expect(attachmentName("")).toBe("file");
    expect(attachmentName("..")).toBe("file");
    const long = attachmentName(`${"é".repeat(300)}.pdf`);
    expect(Array.from(long)).toHaveLength(200);
    expect(long.endsWith("é.pdf")).toBe(true);
  });
});

describe("showing files", () => {
  it("fits a preview in 280 × 320, keeping its shape, never enlarging it", () => {
    expect(previewSize({ width: 1600, height: 900 })).toEqual({ width: 280, height: 158 });
    expect(previewSize({ width: 600, height: 1200 })).toEqual({ width: 160, height: 320 });
    expect(previewSize({ width: 40, height: 20 })).toEqual({ width: 40, height: 20 });
    expect(previewSize({})).toEqual({ width: 200, height: 200 });
  });

  it("shows sizes as people read them", () => {
    expect(humanSize(1)).toBe("1 byte");
    expect(humanSize(812)).toBe("812 bytes");
    expect(humanSize(1536)).toBe("1.5 KB");
    expect(humanSize(12 * 1024)).toBe("12 KB");
    expect(humanSize(3.44 * 1024 * 1024)).toBe("3.4 MB");
  });

  it("previews only images, and sums up a message of files for the list", () => {
    expect(isPreviewable({ content_type: "image/webp" })).toBe(true);
    expect(isPreviewable({ content_type: "application/pdf" })).toBe(false);
    const file = (name: string, content_type: string) => ({ upload_id: name, name, content_type, size: 1 });
    expect(attachmentsSummary([file("plan.pdf", "application/pdf")])).toBe("plan.pdf");
    expect(attachmentsSummary([file("a.png", "image/png"), file("b.png", "image/png")])).toBe("2 photos");
    expect(attachmentsSummary([file("a.png", "image/png"), file("b.zip", "application/zip")])).toBe("2 files");
    expect(attachmentsSummary(undefined)).toBe("");
  });
});

function previews() {
  const made: string[] = [];
  const revoked: string[] = [];
  const urls: PreviewUrls = {
    create: () => {
      const url = `blob:test/${String(made.length + 1)}`;
      made.push(url);
      return url;
    },
    revoke: (url) => {
      revoked.push(url);
    },
  };
  return { urls, made, revoked };
}

describe("the files picked for a message", () => {
  it("uploads each file as an attachment at once, with progress, and is ready once all are finished", async () => {
    const fake = fakeUploads();
    const local = previews();
    const draft = new AttachmentDraft({ transport: fake.transport, previews: local.urls });
    const adding = draft.add([pngFile("photo.png"), textFile("notes.txt", "hello\n")]);
    await vi.waitFor(() => {
      expect(fake.puts.size).toBe(2);
    });
    expect(fake.log.filter((l) => l.startsWith("create"))).toEqual(["create attachment image/png 16", "create attachment text/plain 6"]);
    expect(draft.files.map((f) => [f.name, f.status, f.previewUrl])).toEqual([
      ["photo.png", "uploading", "blob:test/1"],
      ["notes.txt", "uploading", null],
    ]);
    expect(draft.uploading).toBe(true);
    expect(draft.settled).toBe(false);
    expect(draft.attachments()).toBeNull();

    fake.puts.get("up-1")?.progress(8, 16);
    expect(draft.files[0]?.progress).toEqual({ stage: "put", loaded: 8, total: 16 });

    await fake.finish("up-1");
    expect(draft.files[0]?.status).toBe("ready");
    expect(draft.settled).toBe(false);
    await fake.finish("up-2");
    await adding;
    expect(draft.settled).toBe(true);
    // What the message will carry: the server's verdict on each, under the picked name.
    expect(draft.attachments()).toEqual([
      { upload_id: "up-1", name: "photo.png", content_type: "image/png", size: 16, width: 64, height: 32 },
      { upload_id: "up-2", name: "notes.txt", content_type: "text/plain", size: 6 },
    ]);
  });

  it("refuses what the server would, and more than 10, saying why, without uploading them", async () => {
    const fake = fakeUploads();
    const draft = new AttachmentDraft({ transport: fake.transport, max: 2 });
    void draft.add([new File(["MZ"], "setup.exe", { type: "application/x-msdownload" }), textFile("a.txt"), textFile("b.txt"), textFile("c.txt")]);
    await vi.waitFor(() => {
      expect(draft.files).toHaveLength(2);
    });
    expect(draft.refusals).toEqual([
      { name: "setup.exe", reason: expect.stringMatching(/^Only images/) as string },
      { name: "c.txt", reason: "A message carries at most 2 files." },
    ]);
    expect(fake.log.filter((l) => l.startsWith("create"))).toHaveLength(2);
    draft.dismissRefusals();
    expect(draft.refusals).toEqual([]);
  });

  it("cancels a file removed while uploading, and deletes one removed once finished", async () => {
    const fake = fakeUploads();
    const local = previews();
    const draft = new AttachmentDraft({ transport: fake.transport, previews: local.urls });
    void draft.add([pngFile("a.png"), textFile("b.txt")]);
    await vi.waitFor(() => {
      expect(fake.puts.size).toBe(2);
    });
    const [a, b] = draft.files;
    draft.remove(a?.key ?? "");
    await vi.waitFor(() => {
      expect(fake.log).toContain("discard up-1");
    });
    expect(fake.log).toContain("abort up-1");
    expect(local.revoked).toEqual(["blob:test/1"]);

    await fake.finish("up-2");
    expect(draft.settled).toBe(true);
    draft.remove(b?.key ?? "");
    expect(fake.log).toContain("discard up-2");
    expect(draft.isEmpty).toBe(true);
  });

  it("holds the message back while a file failed, until it is retried or removed", async () => {
    const fake = fakeUploads();
    const draft = new AttachmentDraft({ transport: fake.transport });
    void draft.add([textFile("a.txt")]);
    await vi.waitFor(() => {
      expect(fake.puts.size).toBe(1);
    });
    await fake.fail("up-1");
    await vi.waitFor(() => {
      expect(draft.failed).toBe(true);
    });
    expect(draft.files[0]?.error).toMatch(/could not be sent/);
    expect(draft.settled).toBe(false);

    const retried = draft.retry(draft.files[0]?.key ?? "");
    await vi.waitFor(() => {
      expect(fake.puts.has("up-2")).toBe(true);
    });
    expect(draft.files[0]?.status).toBe("uploading");
    await fake.finish("up-2");
    await retried;
    expect(draft.attachments()?.map((x) => x.upload_id)).toEqual(["up-2"]);
  });

  it("hands its files to the message sent, previews and all, and starts empty without deleting them", async () => {
    const fake = fakeUploads();
    const local = previews();
    const draft = new AttachmentDraft({ transport: fake.transport, previews: local.urls });
    const adding = draft.add([pngFile("a.png")]);
    await vi.waitFor(() => {
      expect(fake.puts.size).toBe(1);
    });
    expect(draft.handOff()).toBeNull();
    await fake.finish("up-1");
    await adding;
    const handed = draft.handOff();
    expect(handed?.attachments.map((a) => a.upload_id)).toEqual(["up-1"]);
    expect([...(handed?.previews ?? [])]).toEqual([["up-1", "blob:test/1"]]);
    expect(draft.isEmpty).toBe(true);
    expect(fake.log).not.toContain("discard up-1");
    expect(local.revoked).toEqual([]);
  });
});
