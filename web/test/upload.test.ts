import { describe, expect, it } from "vitest";
import { ApiError } from "../src/state/api";
import type { PresignedRequest, UploadTicket, UploadView } from "../src/state/types";
import {
  PutError,
  UploadError,
  type UploadProgress,
  type UploadTransport,
  type XhrLike,
  backgroundDimensionsProblem,
  backgroundErrorMessage,
  backgroundFileProblem,
  emojiDimensionsProblem,
  emojiErrorMessage,
  emojiFileProblem,
  sniffImageType,
  uploadFile,
  xhrPut,
} from "../src/state/upload";

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const TICKET: UploadTicket = {
  upload_id: "up-1",
  kind: "emoji",
  upload: {
    method: "PUT",
    url: "http://localhost:3000/blobs/incoming/u/up-1?X-Amz-Signature=abc",
    headers: [
      ["content-type", "image/png"],
      ["if-none-match", "*"],
    ],
    expires_at: "2026-01-01T10:05:00Z",
  },
  finalize_by: "2026-01-01T11:00:00Z",
};

const READY: UploadView = {
  upload_id: "up-1",
  kind: "emoji",
  content_type: "image/png",
  size: 100,
  state: "ready",
  width: 64,
  height: 64,
  created_at: "2026-01-01T10:00:00Z",
  url: "/blobs/media/u/up-1",
  url_expires_at: "2026-01-01T11:00:00Z",
};

function file(size = 100, type = "image/png"): Blob {
  return new Blob([new Uint8Array(size)], { type });
}

/** A transport that records what it was asked and answers as told. */
function fakeTransport(answers: { create?: () => Promise<UploadTicket>; put?: UploadTransport["put"]; finalize?: () => Promise<UploadView> } = {}) {
  const log: string[] = [];
  const transport: UploadTransport = {
    create: (kind, contentType, size) => {
      log.push(`create ${kind} ${contentType} ${size}`);
      return answers.create?.() ?? Promise.resolve(TICKET);
    },
    put: (request, body, onProgress, signal) => {
      log.push(`put ${request.url} ${body.size}`);
      if (answers.put) return answers.put(request, body, onProgress, signal);
      onProgress(40, body.size);
      onProgress(body.size, body.size);
      return Promise.resolve();
    },
    finalize: (id) => {
      log.push(`finalize ${id}`);
      return answers.finalize?.() ?? Promise.resolve(READY);
    },
    discard: (id) => {
      log.push(`discard ${id}`);
      return Promise.resolve();
    },
  };
  return { transport, log };
}

describe("uploadFile", () => {
  it("reserves, sends the bytes to the signed URL, then finalizes, reporting each stage", async () => {
    const { transport, log } = fakeTransport();
    const progress: UploadProgress[] = [];
    const result = await uploadFile(transport, { kind: "emoji", file: file(100), onProgress: (p) => progress.push(p) });
    expect(result).toEqual(READY);
    expect(log).toEqual(["create emoji image/png 100", `put ${TICKET.upload.url} 100`, "finalize up-1"]);
    expect(progress.map((p) => `${p.stage} ${p.loaded}/${p.total}`)).toEqual([
      "create 0/100",
      "put 0/100",
      "put 40/100",
      "put 100/100",
      "put 100/100",
      "finalize 100/100",
    ]);
  });

  it("declares the type it is given, not the file's", async () => {
    const { transport, log } = fakeTransport();
    await uploadFile(transport, { kind: "emoji", file: file(10, "application/octet-stream"), contentType: "image/gif" });
    expect(log[0]).toBe("create emoji image/gif 10");
  });

  it("passes on a refusal at create with its code, and sends nothing", async () => {
    const { transport, log } = fakeTransport({ create: () => Promise.reject(new ApiError("too big", 413, "upload_too_large")) });
    const error = await uploadFile(transport, { kind: "emoji", file: file() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ code: "upload_too_large", stage: "create", status: 413 });
    expect(log).toEqual(["create emoji image/png 100"]);
  });

  it("frees the reservation when the PUT fails", async () => {
    const { transport, log } = fakeTransport({ put: () => Promise.reject(new PutError(403)) });
    const error = await uploadFile(transport, { kind: "emoji", file: file() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "put_failed", stage: "put", status: 403 });
    expect(log).toContain("discard up-1");
    expect(log).not.toContain("finalize up-1");
  });

  it("reports the server's verdict from finalize (it deletes refused bytes itself)", async () => {
    const { transport, log } = fakeTransport({ finalize: () => Promise.reject(new ApiError("too big", 422, "image_too_large")) });
    const error = await uploadFile(transport, { kind: "emoji", file: file() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "image_too_large", stage: "finalize", status: 422 });
    expect(log).not.toContain("discard up-1");
  });

  it("stops and frees the reservation when cancelled mid-PUT", async () => {
    const controller = new AbortController();
    const { transport, log } = fakeTransport({
      put: (_r, _b, _p, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener("abort", () => {
            reject(new PutError(0));
          });
        }),
    });
    const pending = uploadFile(transport, { kind: "emoji", file: file(), signal: controller.signal });
    await Promise.resolve();
    await Promise.resolve();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    expect(log).toContain("discard up-1");
    expect(log).not.toContain("finalize up-1");
  });
});

class FakeXhr implements XhrLike {
  status = 0;
  readonly upload: { onprogress: ((ev: ProgressEvent) => unknown) | null } = { onprogress: null };
  onload: ((ev: ProgressEvent) => unknown) | null = null;
  onerror: ((ev: ProgressEvent) => unknown) | null = null;
  onabort: ((ev: ProgressEvent) => unknown) | null = null;
  ontimeout: ((ev: ProgressEvent) => unknown) | null = null;
  opened: [string, string] | null = null;
  headers: [string, string][] = [];
  body: Blob | null = null;
  aborted = false;
  open(method: string, url: string): void {
    this.opened = [method, url];
  }
  setRequestHeader(name: string, value: string): void {
    this.headers.push([name, value]);
  }
  send(body: Blob): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.({} as ProgressEvent);
  }
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true } as ProgressEvent);
  }
  finish(status: number): void {
    this.status = status;
    this.onload?.({} as ProgressEvent);
  }
}

describe("xhrPut", () => {
  const request: PresignedRequest = {
    ...TICKET.upload,
    headers: [...TICKET.upload.headers, ["content-length", "100"]],
  };

  it("sends exactly the signed headers (the browser sets the length) and reports progress", async () => {
    const xhr = new FakeXhr();
    const seen: number[] = [];
    const body = file(100);
    const done = xhrPut(() => xhr)(request, body, (loaded) => seen.push(loaded));
    expect(xhr.opened).toEqual(["PUT", TICKET.upload.url]);
    expect(xhr.headers).toEqual([
      ["content-type", "image/png"],
      ["if-none-match", "*"],
    ]);
    expect(xhr.body).toBe(body);
    xhr.progress(30, 100);
    xhr.progress(100, 100);
    xhr.finish(200);
    await expect(done).resolves.toBeUndefined();
    expect(seen).toEqual([30, 100]);
  });

  it("rejects with the storage's status", async () => {
    const xhr = new FakeXhr();
    const done = xhrPut(() => xhr)(request, file(), () => undefined);
    xhr.finish(412);
    await expect(done).rejects.toMatchObject({ status: 412 });
  });

  it("aborts the request when the signal fires", async () => {
    const xhr = new FakeXhr();
    const controller = new AbortController();
    const done = xhrPut(() => xhr)(request, file(), () => undefined, controller.signal);
    controller.abort();
    expect(xhr.aborted).toBe(true);
    await expect(done).rejects.toBeInstanceOf(PutError);
  });
});

describe("checks", () => {
  it("tells image types by their first bytes", () => {
    expect(sniffImageType(new Uint8Array([...PNG_HEAD, 0, 0]))).toBe("image/png");
    expect(sniffImageType(new TextEncoder().encode("GIF89a..."))).toBe("image/gif");
    expect(sniffImageType(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "))).toBe("image/webp");
    expect(sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffImageType(new TextEncoder().encode("<svg xmlns="))).toBeNull();
    expect(sniffImageType(new Uint8Array([0x89, 0x50]))).toBeNull();
  });

  it("finds what the server would refuse before sending it", () => {
    expect(emojiFileProblem("image/png", 1000)).toBeNull();
    expect(emojiFileProblem("image/webp", 256 * 1024)).toBeNull();
    expect(emojiFileProblem("image/png", 256 * 1024 + 1)).toBe("upload_too_large");
    expect(emojiFileProblem("image/jpeg", 1000)).toBe("upload_type_not_allowed");
    expect(emojiFileProblem(null, 1000)).toBe("upload_type_not_allowed");
    expect(emojiFileProblem("image/gif", 0)).toBe("empty_file");
    expect(emojiDimensionsProblem(256, 256)).toBeNull();
    expect(emojiDimensionsProblem(257, 10)).toBe("image_too_large");
  });

  it("explains errors in words, telling the two quotas apart", () => {
    expect(emojiErrorMessage(new UploadError("x", "quota_exceeded", "create", 403))).toMatch(/storage/);
    expect(emojiErrorMessage(new ApiError("x", 403, "quota_exceeded"))).toMatch(/100 emoji/);
    expect(emojiErrorMessage(new ApiError("x", 409, "shortcode_taken"))).toMatch(/already have/);
    expect(emojiErrorMessage(new UploadError("x", "image_too_large", "finalize", 422))).toMatch(/256 × 256/);
    expect(emojiErrorMessage(new UploadError("x", "upload_type_not_allowed", "finalize", 415))).toMatch(/PNG, GIF or WebP/);
    expect(emojiErrorMessage(new UploadError("x", "upload_expired", "finalize", 410))).toMatch(/expired/);
    expect(emojiErrorMessage(new UploadError("x", "put_failed", "put", 403))).toMatch(/link expired/);
    expect(emojiErrorMessage("upload_too_large")).toMatch(/256 KB/);
    expect(emojiErrorMessage(new ApiError("Teapot says no", 418, "teapot"))).toBe("Teapot says no");
  });
});

describe("background files", () => {
  it("are PNG, JPEG or WebP up to 5 MB and 4096 px, as the server requires", () => {
    expect(backgroundFileProblem("image/png", 5 * 1024 * 1024)).toBeNull();
    expect(backgroundFileProblem("image/jpeg", 1)).toBeNull();
    expect(backgroundFileProblem("image/gif", 1)).toBe("upload_type_not_allowed");
    expect(backgroundFileProblem("image/webp", 5 * 1024 * 1024 + 1)).toBe("upload_too_large");
    expect(backgroundFileProblem("image/png", 0)).toBe("empty_file");
    expect(backgroundDimensionsProblem(4096, 4096)).toBeNull();
    expect(backgroundDimensionsProblem(400, 4097)).toBe("image_too_large");
    expect(backgroundErrorMessage("upload_too_large")).toMatch(/5 MB/);
    expect(backgroundErrorMessage("image_too_large")).toMatch(/4096/);
  });
});
