// Shared setup for the end-to-end tests: chitter-local on a free port with a
// temporary data dir, one Chromium, pages that record CSP violations and
// uncaught errors, and screenshots at desktop size and 375 px wide.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { deflateSync, crc32 } from "node:zlib";
import { chromium } from "playwright-core";

export const BINARY = process.env.CHITTER_LOCAL_BIN ?? new URL("../../target/debug/chitter-local", import.meta.url).pathname;
export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
export const WAIT = 15_000;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };
export const PASSWORD = "correct horse battery";

export class Harness {
  /** Problems any page reported: CSP violations, uncaught errors, dialogs. */
  problems = [];
  base = "";
  server = null;
  browser = null;
  dataDir = "";

  /** `args`: more flags for chitter-local (e.g. `--oidc-issuer`); `env`: more environment for it. */
  constructor({ args = [], env = {} } = {}) {
    this.args = args;
    this.env = env;
  }

  async start() {
    mkdirSync(ARTIFACTS, { recursive: true });
    this.dataDir = mkdtempSync(join(tmpdir(), "chitter-web-"));
    this.server = spawn(BINARY, ["--port", "0", "--data-dir", this.dataDir, ...this.args], {
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, ...this.env },
    });
    const listening = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("chitter-local did not start")), WAIT);
      createInterface({ input: this.server.stdout }).on("line", (line) => {
        const m = line.match(/listening on (http:\/\/\S+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      this.server.on("exit", (code) => reject(new Error(`chitter-local exited with ${code}`)));
    });
    // Presigned links name localhost (chitter-local's default public URL),
    // so the page is opened there for them to be same-origin.
    const url = new URL(listening);
    url.hostname = "localhost";
    this.base = url.origin;
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  }

  async stop() {
    await this.browser?.close();
    this.server?.kill("SIGTERM");
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async newPage(options = {}) {
    const context = await this.browser.newContext({ viewport: DESKTOP, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on("console", (msg) => {
      if (msg.type() === "error" && /Content.Security.Policy|Refused to/i.test(msg.text())) this.problems.push(msg.text());
    });
    page.on("pageerror", (err) => this.problems.push(`page error: ${err.message}`));
    // Nothing the app does opens a dialog; one means script ran that should not have.
    page.on("dialog", (dialog) => {
      this.problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
      void dialog.dismiss();
    });
    return page;
  }

  /** Saves the screen as it is now, at desktop size and at 375 px, then restores the size. */
  async shot(page, name) {
    const size = page.viewportSize();
    const sizes = size.width === PHONE.width ? [["375", PHONE]] : [["desktop", DESKTOP], ["375", PHONE]];
    for (const [label, viewport] of sizes) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), animations: "disabled" });
    }
    await page.setViewportSize(size);
  }

  async openApp(page) {
    const response = await page.goto(this.base);
    // The client must work under the server's policy, so check it is on.
    assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self'/);
    await page.waitForSelector("#auth-form");
  }

  async signUp(handle, options, prepare) {
    return this.enter("signup", handle, options, prepare);
  }

  async signIn(handle, options) {
    return this.enter("signin", handle, options);
  }

  async enter(mode, handle, options, prepare) {
    const page = await this.newPage(options);
    await prepare?.(page);
    await this.openApp(page);
    await page.fill("input[name=handle]", handle);
    await page.fill("input[name=password]", PASSWORD);
    await page.click(`button[value=${mode}]`);
    await page.waitForSelector(`#me:has-text("@${handle}")`);
    await page.waitForSelector("#status.online");
    return page;
  }
}

/** An RGBA PNG whose pixels `paint(x, y)` gives as [r, g, b, a]. */
export function png(width, height, paint) {
  const row = width * 4 + 1;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = paint(x, y);
      const i = y * row + 1 + x * 4;
      raw[i] = r;
      raw[i + 1] = g;
      raw[i + 2] = b;
      raw[i + 3] = a;
    }
  }
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
