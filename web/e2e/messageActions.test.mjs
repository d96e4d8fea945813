// Editing, deleting and voting on messages, end to end: in a group Alice
// created (so she is its admin), she edits her message from its actions
// menu and Bob (on a phone) sees the new text live with the "edited" mark;
// Bob upvotes it and Alice sees the count move; Alice removes Bob's message
// by keyboard alone and both see "Removed by an admin"; Bob deletes his own
// message and Alice sees "Message deleted". The up arrow in an empty
// composer edits one's last message, and Escape cancels.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, PHONE } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/** The stored message (bubble) whose text includes `text`. */
const bubble = (text) => `#messages li[data-seq]:has-text(${JSON.stringify(text)})`;

/** The seq of the stored message whose text includes `text`. */
async function seqOf(page, text) {
  await page.waitForSelector(bubble(text));
  return Number(await page.getAttribute(bubble(text), "data-seq"));
}

async function send(page, text) {
  await page.fill("#composer textarea", text);
  await page.press("#composer textarea", "Enter");
  await page.waitForSelector(`#messages li.mine[data-seq]:has-text(${JSON.stringify(text)})`);
}

/** The element focus is on, as a short description. */
const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    const li = el?.closest("li[data-seq]");
    return {
      seq: li ? Number(li.getAttribute("data-seq")) : null,
      cls: el?.getAttribute("class") ?? "",
      action: el?.getAttribute("data-action") ?? "",
    };
  });

test("edit, delete and vote on messages, live for everyone, by pointer, touch-size screens and keyboard", async () => {
  const alice = await h.signUp("alice");
  const bob = await h.signUp("bob", { viewport: PHONE });

  // Alice's group: she made it, so she is its admin.
  await alice.click("summary:has-text('New group')");
  await alice.fill("#new-group input[name=title]", "Book club");
  await alice.fill("#new-group input[name=members]", "bob");
  await alice.click("#new-group button[type=submit]");
  await alice.waitForSelector("#chat-header:has-text('Book club')");
  await send(alice, "Meet at 7");
  const meet = await seqOf(alice, "Meet at 7");

  await bob.click("#conversations li:has-text('Book club')");
  await bob.waitForSelector(bubble("Meet at 7"));
  // Someone else's message in a group where Bob is no admin: no actions, only votes.
  assert.equal(await bob.locator(`${bubble("Meet at 7")} .message-actions-toggle`).count(), 0);
  assert.equal(await bob.locator(`${bubble("Meet at 7")} .votes button`).count(), 2);

  // ---- Alice edits from the message's actions (pointer).
  const mine = alice.locator(`#messages li[data-seq='${meet}']`);
  await mine.hover();
  await mine.locator(".message-actions-toggle").click();
  assert.equal(await mine.locator(".message-actions-toggle").getAttribute("aria-expanded"), "true");
  assert.deepEqual(await mine.locator(".message-menu button").allTextContents(), ["Edit", "Delete"]);
  await mine.locator(".message-menu [data-action=edit]").click();
  await alice.waitForSelector("#composer-edit-bar:has-text('Editing message')");
  assert.match(await alice.textContent("#composer-edit-bar"), /Esc to cancel/);
  assert.equal(await alice.inputValue("#composer textarea"), "Meet at 7");
  assert.equal(await mine.evaluate((li) => li.classList.contains("is-editing")), true);
  // Markup in text stays text, for everyone.
  const edited = "Meet at 8 <b>sharp</b>";
  await alice.fill("#composer textarea", edited);
  await alice.press("#composer textarea", "Enter");
  await alice.waitForFunction(
    ([seq, text]) => {
      const li = document.querySelector(`#messages li[data-seq='${seq}']`);
      return li && !li.classList.contains("changing") && li.querySelector(".text")?.textContent === text && li.querySelector(".edited");
    },
    [meet, edited],
  );
  assert.equal(await alice.locator("#composer-edit-bar").count(), 0, "the edit bar goes once saved");
  assert.equal(await alice.inputValue("#composer textarea"), "", "the composer is empty again");
  await h.shot(alice, "36-message-edited");

  // Bob sees the new text live, marked as edited, with no bubble for the edit itself.
  await bob.waitForFunction(
    ([seq, text]) => {
      const li = document.querySelector(`#messages li[data-seq='${seq}']`);
      return li?.querySelector(".text")?.textContent === text && li.querySelector(".edited");
    },
    [meet, edited],
  );
  assert.equal(await bob.locator(`#messages li[data-seq='${meet}'] .text b`).count(), 0);
  assert.match(await bob.getAttribute(`#messages li[data-seq='${meet}'] .edited`, "title"), /^Edited /);
  assert.equal(await bob.locator("#messages li[data-seq]").count(), 1);

  // ---- Bob upvotes it; Alice sees the count live.
  const bobsVote = bob.locator(`#messages li[data-seq='${meet}'] .vote-up`);
  assert.equal(await bobsVote.getAttribute("aria-pressed"), "false");
  await bobsVote.click();
  await bob.waitForSelector(`#messages li[data-seq='${meet}'] .vote-up[aria-pressed='true'][aria-label='Upvote, 1 vote']`);
  await alice.waitForSelector(`#messages li[data-seq='${meet}'] .vote-up[aria-label='Upvote, 1 vote']`);
  assert.equal(await alice.getAttribute(`#messages li[data-seq='${meet}'] .vote-up`, "aria-pressed"), "false");
  assert.equal(await alice.textContent(`#messages li[data-seq='${meet}'] .vote-up .vote-count`), "1");
  await h.shot(bob, "37-message-voted");

  // ---- Bob writes; Alice (admin) removes it by keyboard only.
  await send(bob, "Spoiler: the butler did it");
  const spoiler = await seqOf(alice, "Spoiler");
  // Alice's own message ends with its votes; the next stop is the actions of Bob's.
  await alice.focus(`#messages li[data-seq='${meet}'] .vote-down`);
  await alice.keyboard.press("Tab");
  assert.deepEqual(await focused(alice), { seq: spoiler, cls: "message-actions-toggle", action: "" });
  await alice.keyboard.press("Enter");
  await alice.waitForSelector(`#messages li[data-seq='${spoiler}'] .message-menu`);
  // Not hers: she may remove it (an admin), not edit it.
  assert.deepEqual(await alice.locator(`#messages li[data-seq='${spoiler}'] .message-menu button`).allTextContents(), ["Remove"]);
  await alice.keyboard.press("Tab");
  assert.deepEqual(await focused(alice), { seq: spoiler, cls: "message-menu-item danger", action: "delete" });
  await alice.keyboard.press("Enter");
  // An inline question, with focus on its answer.
  await alice.waitForSelector(`#messages li[data-seq='${spoiler}'] .message-confirm:has-text('for everyone')`);
  assert.deepEqual(await focused(alice), { seq: spoiler, cls: "button danger small", action: "confirm-delete" });
  await h.shot(alice, "38-remove-confirm");
  // Escape backs out, to the actions button; a second try goes through.
  await alice.keyboard.press("Escape");
  await alice.waitForSelector(`#messages li[data-seq='${spoiler}'] .message-confirm`, { state: "detached" });
  assert.deepEqual(await focused(alice), { seq: spoiler, cls: "message-actions-toggle", action: "" });
  await alice.keyboard.press("Space");
  await alice.keyboard.press("Tab");
  await alice.keyboard.press("Enter");
  await alice.waitForSelector(`#messages li[data-seq='${spoiler}'] [data-action=confirm-delete]`);
  await alice.keyboard.press("Enter");

  for (const page of [alice, bob]) {
    await page.waitForSelector(`#messages li[data-seq='${spoiler}'].deleted .tombstone:has-text('Removed by an admin')`);
    assert.equal(await page.locator(`#messages li[data-seq='${spoiler}'] .votes`).count(), 0, "a tombstone has no votes");
    assert.equal(await page.locator(`#messages li[data-seq='${spoiler}'] .message-actions-toggle`).count(), 0, "nor actions");
    assert.equal((await page.textContent(`#messages li[data-seq='${spoiler}']`)).includes("butler"), false);
  }
  await h.shot(bob, "39-removed-by-admin");

  // ---- Bob deletes his own message (pointer, on a phone: the actions button is always there).
  await send(bob, "Wrong chat, sorry");
  const wrong = await seqOf(bob, "Wrong chat");
  const own = bob.locator(`#messages li[data-seq='${wrong}']`);
  assert.equal(await own.locator(".message-actions-toggle").isVisible(), true);
  await own.locator(".message-actions-toggle").click();
  assert.deepEqual(await own.locator(".message-menu button").allTextContents(), ["Edit", "Delete"]);
  await h.shot(bob, "40-message-actions-phone");
  await own.locator(".message-menu [data-action=delete]").click();
  await own.locator("[data-action=confirm-delete]").click();
  await bob.waitForSelector(`#messages li[data-seq='${wrong}'] .tombstone:has-text('Message deleted')`);
  await alice.waitForSelector(`#messages li[data-seq='${wrong}'] .tombstone:has-text('Message deleted')`);
  // The tombstones keep their places, between the messages around them.
  const order = await alice.$$eval("#messages li[data-seq]", (lis) => lis.map((li) => Number(li.getAttribute("data-seq"))));
  assert.deepEqual(order, [meet, spoiler, wrong]);

  // ---- Bob takes his vote back (pressing it again); Alice sees it go.
  await bobsVote.click();
  await alice.waitForSelector(`#messages li[data-seq='${meet}'] .vote-up[aria-label='Upvote, 0 votes']`);
  assert.equal(await bobsVote.getAttribute("aria-pressed"), "false");

  // ---- The up arrow in an empty composer edits Alice's last message; Escape cancels.
  await alice.focus("#composer textarea");
  await alice.keyboard.press("ArrowUp");
  await alice.waitForSelector("#composer-edit-bar");
  assert.equal(await alice.inputValue("#composer textarea"), edited);
  await alice.keyboard.press("Escape");
  await alice.waitForSelector("#composer-edit-bar", { state: "detached" });
  assert.equal(await alice.inputValue("#composer textarea"), "");
  assert.equal(await alice.textContent(`#messages li[data-seq='${meet}'] .text`), edited, "cancelling changes nothing");
  await h.shot(alice, "41-deleted-and-edited");

  // After a reload, history shows the same: the edit, the tombstones, the votes.
  await bob.reload();
  await bob.click("#conversations li:has-text('Book club')");
  await bob.waitForSelector(`#messages li[data-seq='${wrong}'] .tombstone:has-text('Message deleted')`);
  assert.equal(await bob.textContent(`#messages li[data-seq='${meet}'] .text`), edited);
  assert.equal(await bob.locator(`#messages li[data-seq='${meet}'] .edited`).count(), 1);
  assert.match(await bob.textContent(`#messages li[data-seq='${spoiler}'] .tombstone`), /Removed by an admin/);
  assert.equal(await bob.locator("#messages li[data-seq]").count(), 3);

  assert.deepEqual(h.problems, []);
  await alice.context().close();
  await bob.context().close();
});
