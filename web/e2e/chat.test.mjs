// Two people chat through the web client in Chromium, against the
// chitter-local binary on a free port with a temporary data dir.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const BINARY = process.env.CHITTER_LOCAL_BIN ?? new URL("../../target/debug/chitter-local", import.meta.url).pathname;
const WAIT = 15_000;

let server, base, browser, dataDir;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "chitter-web-"));
  server = spawn(BINARY, ["--port", "0", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "ignore"] });
  base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("chitter-local did not start")), WAIT);
    createInterface({ input: server.stdout }).on("line", (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on("exit", (code) => reject(new Error(`chitter-local exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signUp(handle) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(base);
  await page.fill("input[name=handle]", handle);
  await page.fill("input[name=password]", "correct horse battery");
  await page.click("button[value=signup]");
  await page.waitForSelector(`#me:has-text("@${handle}")`);
  await page.waitForSelector("#status.online");
  return page;
}

test("two people chat in the browser, in order, with acks", async () => {
  const ada = await signUp("ada");
  const bob = await signUp("bob");

  // Ada opens a direct chat with Bob and sends two messages.
  await ada.fill("#new-direct input[name=handle]", "bob");
  await ada.click("#new-direct button");
  await ada.waitForSelector("#composer:not([hidden])");
  for (const text of ["Hi Bob!", "Are you there?"]) {
    await ada.fill("#composer textarea", text);
    await ada.press("#composer textarea", "Enter");
  }
  // Both persisted (✓✓ marks a stored message with its sequence number).
  await ada.waitForFunction(() => document.querySelectorAll("#messages li.mine[data-seq]").length === 2);

  // Bob sees the new conversation appear, opens it, and reads both, in order.
  await bob.waitForSelector("#conversations li");
  await bob.click("#conversations li");
  await bob.waitForFunction(() => document.querySelectorAll("#messages li[data-seq]").length === 2);
  const texts = await bob.$$eval("#messages li[data-seq]", (lis) => lis.map((li) => li.lastChild.textContent));
  assert.deepEqual(texts, ["Hi Bob!", "Are you there?"]);

  // Bob replies; Ada sees it live, as the third message.
  await bob.fill("#composer textarea", "Here!");
  await bob.press("#composer textarea", "Enter");
  await ada.waitForFunction(() => {
    const last = document.querySelector("#messages li[data-seq='3']");
    return last && last.textContent.includes("Here!") && !last.classList.contains("mine");
  });

  // Online counts reached both lists.
  assert.match(await ada.textContent("#conversations li .meta"), /2 online/);
});

test("a bad sign-in shows the server's error and stays on the form", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  await page.goto(base);
  await page.fill("input[name=handle]", "nobody");
  await page.fill("input[name=password]", "wrong password");
  await page.click("button[value=signin]");
  await page.waitForSelector("#auth-error:has-text('wrong handle or password')");
  assert.equal(await page.isVisible("#app"), false);
});
