// Two people chat through the web client in Chromium, against the
// chitter-local binary on a free port with a temporary data dir. Each screen
// visited is saved to e2e/artifacts/ at desktop size and at 375 px wide.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, PHONE } from "./harness.mjs";

const h = new Harness();
const problems = h.problems;
const newPage = (options) => h.newPage(options);
const shot = (page, name) => h.shot(page, name);
const openApp = (page) => h.openApp(page);
const signUp = (handle, options, prepare) => h.signUp(handle, options, prepare);
const signIn = (handle) => h.signIn(handle);

before(() => h.start());
after(() => h.stop());

test("two people chat in the browser, in order, with acks", async () => {
  const first = await newPage();
  await openApp(first);
  await shot(first, "01-sign-in");
  await first.context().close();

  const ada = await signUp("ada");
  await shot(ada, "02-ada-no-conversations");
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
  assert.equal(await ada.inputValue("#composer textarea"), "", "the composer clears after sending");
  await shot(ada, "03-ada-sent");

  // Bob sees the new conversation appear, with both messages unread.
  await bob.waitForSelector("#conversations li");
  await bob.waitForSelector("#conversations li .badge:has-text('2')");
  await shot(bob, "04-bob-new-conversation");

  // Bob opens it, and reads both, in order.
  await bob.click("#conversations li");
  await bob.waitForFunction(() => document.querySelectorAll("#messages li[data-seq]").length === 2);
  const texts = await bob.$$eval("#messages li[data-seq]", (lis) => lis.map((li) => li.querySelector(".text").textContent));
  assert.deepEqual(texts, ["Hi Bob!", "Are you there?"]);
  assert.equal(await bob.locator("#messages li.arriving").count(), 0, "what was there when the chat opened does not pop in");
  assert.equal(await bob.locator("#conversations li .badge").count(), 0, "an open conversation has no unread badge");
  // Bob's read position reaches Ada: both her messages show as read.
  await ada.waitForFunction(() => document.querySelectorAll("#messages li.mine[data-seq] .state.seen").length === 2);
  await shot(bob, "05-bob-reading");

  // Bob replies; Ada sees it live, as the third message.
  await bob.fill("#composer textarea", "Here!");
  await bob.press("#composer textarea", "Enter");
  await ada.waitForFunction(() => {
    const last = document.querySelector("#messages li[data-seq='3']");
    return last && last.textContent.includes("Here!") && !last.classList.contains("mine");
  });
  assert.equal(await ada.getAttribute("#messages li[data-seq='3']", "class").then((c) => c.split(" ").includes("arriving")), true, "a reply that comes in pops in");
  // Her own sent messages popped in once, as pending rows, not again when stored.
  assert.equal(await ada.locator("#messages li.mine.arriving").count(), 0);
  await shot(ada, "06-ada-got-reply");

  // Online counts reached both lists.
  assert.match(await ada.textContent("#conversations li .meta"), /2 online/);
  assert.match(await bob.textContent("#conversations li .meta"), /2 online/);

  // After a reload the chat opens from its history page: none of it pops in.
  await bob.reload();
  await bob.click("#conversations li");
  await bob.waitForFunction(() => document.querySelectorAll("#messages li[data-seq]").length === 3);
  assert.equal(await bob.locator("#messages li.arriving").count(), 0, "a chat's history does not pop in as it opens");

  assert.deepEqual(problems, []);
  await ada.context().close();
  await bob.context().close();
});

test("a bad sign-in shows the server's error and stays on the form", async () => {
  const page = await newPage();
  await openApp(page);
  await page.fill("input[name=handle]", "nobody");
  await page.fill("input[name=password]", "wrong password");
  await page.click("button[value=signin]");
  await page.waitForSelector("#auth-error:has-text('wrong handle or password')");
  assert.equal(await page.isVisible("#app"), false);
  await shot(page, "07-sign-in-error");
  assert.deepEqual(problems, []);
  await page.context().close();
});

test("on a phone the list and the chat take turns, by keyboard too, in the dark", async () => {
  const cyd = await signUp("cyd", { viewport: PHONE, colorScheme: "dark", reducedMotion: "reduce" });
  await shot(cyd, "08-phone-dark-list");
  assert.equal(await cyd.isVisible(".sidebar"), true);
  assert.equal(await cyd.isVisible(".chat"), false);

  await cyd.fill("#new-direct input[name=handle]", "ada");
  await cyd.press("#new-direct input[name=handle]", "Enter");
  await cyd.waitForSelector("#composer:not([hidden])");
  // Only the chat shows; the list waits behind the back button.
  assert.equal(await cyd.isVisible(".sidebar"), false);
  assert.equal(await cyd.isVisible("button[aria-label='Back to conversations']"), true);

  // Shift+Enter starts a new line; Enter sends both lines as one message.
  await cyd.focus("#composer textarea");
  await cyd.keyboard.type("line one");
  await cyd.keyboard.press("Shift+Enter");
  await cyd.keyboard.type("line two");
  assert.equal(await cyd.locator("#messages li").filter({ hasText: "line one" }).count(), 0, "Shift+Enter does not send");
  await cyd.keyboard.press("Enter");
  await cyd.waitForFunction(() => document.querySelectorAll("#messages li.mine[data-seq]").length === 1);
  assert.equal(await cyd.textContent("#messages li.mine[data-seq] .text"), "line one\nline two");
  await shot(cyd, "09-phone-dark-chat");

  await cyd.click("button[aria-label='Back to conversations']");
  await cyd.waitForSelector("#conversations li");
  assert.equal(await cyd.isVisible(".chat"), false);
  await shot(cyd, "10-phone-dark-back-to-list");

  assert.deepEqual(problems, []);
  await cyd.context().close();
});

test("a group: created by handles, named senders, live for everyone", async () => {
  const ada = await signIn("ada");
  const bob = await signIn("bob");

  await ada.click("summary:has-text('New group')");
  await ada.fill("#new-group input[name=title]", "Weekend plans");
  await ada.fill("#new-group input[name=members]", "bob, cyd");
  await ada.click("#new-group button[type=submit]");
  await ada.waitForSelector("#chat-header:has-text('Weekend plans')");
  await ada.fill("#composer textarea", "Picnic on Saturday?");
  await ada.press("#composer textarea", "Enter");
  await ada.waitForFunction(() => document.querySelectorAll("#messages li.mine[data-seq]").length === 1);

  await bob.click("#conversations li:has-text('Weekend plans')");
  await bob.waitForSelector("#messages li[data-seq='1']:has-text('Picnic on Saturday?')");
  // In a group, someone else's message says who sent it.
  assert.equal(await bob.textContent("#messages li[data-seq='1'] .who"), "ada");
  await bob.fill("#composer textarea", "Yes! I'll bring lemonade 🍋");
  await bob.press("#composer textarea", "Enter");
  await ada.waitForSelector("#messages li[data-seq='2']:has-text('lemonade')");
  assert.equal(await ada.textContent("#messages li[data-seq='2'] .who"), "bob");
  assert.match(await ada.textContent("#chat-header"), /Weekend plans/);
  await shot(ada, "11-group-chat");

  // Signing out forgets the session on this device and shows the form again.
  await ada.click("#signout");
  await ada.waitForSelector("#auth-form");
  assert.equal(await ada.evaluate(() => localStorage.getItem("chitter.session")), null);
  assert.equal(await ada.isVisible("#app"), false);

  assert.deepEqual(problems, []);
  await ada.context().close();
  await bob.context().close();
});

test("messages typed while the connection is down survive a reload and arrive once, in order", async () => {
  // Ada's socket goes through a switch: "pass" forwards everything,
  // "swallow" loses her sends on the way (as a dying connection would),
  // "refuse" drops every new connection at once.
  let mode = "pass";
  const sentIds = [];
  const open = [];
  const dee = await signUp("dee", {}, (page) =>
    page.routeWebSocket(/\/ws/, (ws) => {
      if (mode === "refuse") {
        ws.close({ code: 4000, reason: "test: offline" });
        return;
      }
      const server = ws.connectToServer();
      open.push(ws);
      ws.onMessage((message) => {
        const frame = JSON.parse(message);
        if (frame.action === "send") sentIds.push(frame.id);
        if (frame.action === "send" && mode === "swallow") return;
        server.send(message);
      });
    }),
  );
  const eve = await signUp("eve");
  await dee.fill("#new-direct input[name=handle]", "eve");
  await dee.click("#new-direct button");
  await dee.waitForSelector("#composer:not([hidden])");

  mode = "swallow";
  await dee.fill("#composer textarea", "Did this arrive?");
  await dee.press("#composer textarea", "Enter");
  await dee.waitForFunction(() => document.querySelectorAll("#messages li.pending").length === 1);
  assert.equal(sentIds.length, 1);

  mode = "refuse";
  for (const ws of open.splice(0)) await ws.close({ code: 4001, reason: "test: connection lost" });
  await dee.fill("#composer textarea", "And this?");
  await dee.press("#composer textarea", "Enter");
  await dee.waitForFunction(() => document.querySelectorAll("#messages li.pending").length === 2);
  await shot(dee, "12-outbox-pending");

  // The outbox is in localStorage: a reload still has both, unsent.
  await dee.reload();
  await dee.click("#conversations li");
  await dee.waitForFunction(() => document.querySelectorAll("#messages li.pending").length === 2);
  assert.equal(await dee.locator("#messages li[data-seq]").count(), 0);

  mode = "pass";
  await dee.waitForFunction(() => document.querySelectorAll("#messages li.mine[data-seq]").length === 2, null, { timeout: 45_000 });
  assert.equal(await dee.locator("#messages li.pending").count(), 0);
  // The first message went out again under its original client id.
  assert.ok(sentIds.filter((id) => id === sentIds[0]).length >= 2, `resent with the same id: ${sentIds.join(", ")}`);

  // Eve has each exactly once, in the order typed.
  await eve.click("#conversations li");
  await eve.waitForFunction(() => document.querySelectorAll("#messages li[data-seq]").length === 2);
  const texts = await eve.$$eval("#messages li[data-seq]", (lis) => lis.map((li) => li.querySelector(".text").textContent));
  assert.deepEqual(texts, ["Did this arrive?", "And this?"]);
  const own = await dee.$$eval("#messages li.mine[data-seq]", (lis) => lis.map((li) => li.querySelector(".text").textContent));
  assert.deepEqual(own, ["Did this arrive?", "And this?"]);

  assert.deepEqual(problems, []);
  await dee.context().close();
  await eve.context().close();
});
