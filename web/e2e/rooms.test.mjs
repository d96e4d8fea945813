// Public rooms, end to end.
//
// Carol (over HTTP alone) has started twenty rooms, one with markup in its
// name. Alice, whose display name is "Alice Archer", opens Rooms by keyboard
// and starts "Night owls": it opens, marked as a room, with 1 member and 1
// online. Bob, on a phone (dark, reduced motion), finds it first in the
// directory with 1 member, loads the older rooms and joins by keyboard;
// Alice sees 2 online (and 2 members), live. Alice writes: Bob sees her
// message under her display name, which his client looked up by id (each id
// once), and her message stops at delivered (rooms have no "seen"). Alice's
// details show counts, not members. Bob leaves from the room's menu: it is
// gone from his list, focus goes to Rooms, and Alice sees 1 online again.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, PASSWORD, PHONE } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/** Signs someone up over HTTP alone; returns their session. */
async function signUpQuietly(handle, displayName) {
  const res = await fetch(`${h.base}/api/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ handle, password: PASSWORD, ...(displayName ? { display_name: displayName } : {}) }),
  });
  assert.equal(res.status, 201, `signup ${handle}`);
  return res.json();
}

async function createRoom(session, title) {
  const res = await fetch(`${h.base}/api/rooms`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session.access_token}` },
    body: JSON.stringify({ title }),
  });
  assert.equal(res.status, 201, `create room ${title}`);
  return res.json();
}

const row = (title) => `#rooms-list > li[data-title=${JSON.stringify(title)}]`;

/** Whether the page scrolls sideways (nothing may at 375 px). */
const overflowsSideways = (page) =>
  page.evaluate(() => [...document.querySelectorAll("#rooms, #rooms .details-body, .sidebar, .chat")].some((el) => el.scrollWidth > el.clientWidth + 1));

test("public rooms: start one, find it, join it, talk with names looked up, see who is online, leave", async () => {
  await signUpQuietly("alice", "Alice Archer");
  const carol = await signUpQuietly("carol");
  // Twenty older rooms, so the directory has a second page.
  for (let i = 1; i <= 20; i++) {
    const title = i === 7 ? "Carol’s <b>bold</b> room" : `Carol’s room ${String(i).padStart(2, "0")}`;
    const view = await createRoom(carol, title);
    assert.equal(view.kind, "room");
    assert.equal(view.role, "admin");
    assert.equal(view.member_count, 1);
  }

  // ---- Alice opens Rooms by keyboard and starts one.
  const alice = await h.signIn("alice");
  await alice.focus("#open-rooms");
  await alice.keyboard.press("Enter");
  await alice.waitForSelector("#rooms[open] #rooms-list > li");
  await alice.waitForFunction(() => document.querySelectorAll("#rooms-list > li").length === 20);
  assert.ok(await alice.evaluate(() => document.querySelector("#rooms").contains(document.activeElement)), "focus is in the dialog");
  // Titles are text: the markup shows as typed.
  assert.equal(await alice.locator("#rooms-list b").count(), 0);
  assert.equal(await alice.textContent(`${row("Carol’s <b>bold</b> room")} .room-title`), "Carol’s <b>bold</b> room");
  assert.equal(await alice.textContent(`${row("Carol’s room 20")} .room-members`), "1 member");
  await h.shot(alice, "60-rooms-directory");

  await alice.focus("#new-room-title");
  await alice.keyboard.type("Night owls");
  await alice.keyboard.press("Enter");
  await alice.waitForSelector("#rooms", { state: "detached" });
  await alice.waitForSelector("#chat-header:text-is('Night owls')");
  assert.equal(await alice.textContent(".chat-title-row .room-badge"), "Room");
  assert.equal(await alice.textContent("#chat-members"), "1 member");
  await alice.waitForSelector("#chat-online:text-is('1 online')");
  const roomId = await alice.getAttribute("#conversations li.active", "data-id");
  assert.ok(roomId);
  assert.equal(await alice.textContent(`#conversations li[data-id="${roomId}"] .room-badge`), "Room");
  assert.equal(await alice.textContent(`#conversations li[data-id="${roomId}"] .avatar`), "#");
  assert.equal(await alice.evaluate(() => document.activeElement?.closest("#composer") !== null), true, "the composer has focus");
  await h.shot(alice, "61-room-created");

  // ---- Bob, on a phone, finds it first with one member, loads the rest and joins by keyboard.
  const bob = await h.signUp("bob", { viewport: PHONE, colorScheme: "dark", reducedMotion: "reduce" });
  const profileAsks = [];
  bob.on("request", (req) => {
    const url = new URL(req.url());
    if (url.pathname === "/api/profiles") profileAsks.push(url.searchParams.get("ids").split(","));
  });
  await bob.click("#open-rooms");
  await bob.waitForFunction(() => document.querySelectorAll("#rooms-list > li").length === 20);
  assert.equal(await bob.getAttribute("#rooms-list > li:first-child", "data-title"), "Night owls", "newest first");
  assert.equal(await bob.textContent(`${row("Night owls")} .room-members`), "1 member");
  assert.equal(await bob.textContent(`${row("Night owls")} .room-online`), "1 online");
  assert.equal(await bob.textContent(`${row("Night owls")} [data-action=join]`), "Join");
  assert.equal(await overflowsSideways(bob), false, "nothing scrolls sideways at 375 px");
  await h.shot(bob, "62-rooms-directory-phone");
  await bob.focus("#rooms-more");
  await bob.keyboard.press("Enter");
  await bob.waitForFunction(() => document.querySelectorAll("#rooms-list > li").length === 21);
  assert.equal(await bob.locator("#rooms-more").count(), 0, "no further page");
  // Focus goes to the first room the last page brought.
  assert.equal(await bob.evaluate(() => document.activeElement?.closest("li")?.dataset.title), "Carol’s room 01");
  await bob.focus(`${row("Night owls")} [data-action=join]`);
  await bob.keyboard.press("Enter");
  await bob.waitForSelector("#rooms", { state: "detached" });
  await bob.waitForSelector("#chat-header:text-is('Night owls')");
  assert.equal(await bob.getAttribute("#app", "data-view"), "chat");
  assert.equal(await bob.textContent("#chat-members"), "2 members");
  assert.equal(await bob.evaluate(() => document.activeElement?.classList.contains("messages-scroller")), true, "the room has focus");

  // ---- Alice sees him come online there, live.
  await alice.waitForSelector("#chat-online:text-is('2 online')");
  assert.equal(await alice.locator(".chat-subtitle .online-dot.on").count(), 1);
  // Everyone online there is a member, so her count of members follows.
  assert.equal(await alice.textContent("#chat-members"), "2 members");

  // ---- Alice writes; Bob sees it under her display name, looked up by id.
  await alice.fill("#composer textarea", "Who else is up?");
  await alice.press("#composer textarea", "Enter");
  const fromAlice = bob.locator("#messages li.theirs:has-text('Who else is up?')");
  await fromAlice.locator(".who:text-is('Alice Archer')").waitFor();
  await h.shot(bob, "63-room-message-phone");
  assert.ok(profileAsks.length >= 1, "names are looked up");
  const asked = profileAsks.flat();
  assert.equal(new Set(asked).size, asked.length, `no id is asked for twice: ${JSON.stringify(profileAsks)}`);
  // Bob has read it; in a room that is never shown as seen.
  await alice.waitForSelector("#messages li.mine[data-seq]:has-text('Who else is up?') .state[data-receipt=delivered]");

  // Bob answers; Alice sees his name too (her client looks him up).
  await bob.fill("#composer textarea", "Me! Hi Alice");
  await bob.press("#composer textarea", "Enter");
  await alice.waitForSelector("#messages li.theirs:has-text('Me! Hi Alice') .who:text-is('bob')");
  assert.equal(
    await alice.getAttribute("#messages li.mine[data-seq]:has-text('Who else is up?') .state", "data-receipt"),
    "delivered",
    "no seen ticks in rooms",
  );
  await h.shot(alice, "64-room-online");

  // ---- Alice's details: counts, not a member list.
  await alice.click("#conversation-menu-button");
  assert.equal(await alice.textContent("#conversation-menu [data-action=details]"), "Room details and settings");
  await alice.click("#conversation-menu [data-action=details]");
  await alice.waitForSelector("#conversation-details[open] #room-people");
  await alice.waitForSelector("#details-member-count:text-is('2')");
  assert.equal(await alice.textContent("#details-online"), "2");
  assert.equal(await alice.locator("#details-members").count(), 0);
  assert.equal(await alice.isEnabled("#retention-choices [data-days='7']"), true, "its admin may set retention");
  await h.shot(alice, "65-room-details");
  await alice.keyboard.press("Escape");
  await alice.waitForSelector("#conversation-details", { state: "detached" });

  // ---- Bob leaves by keyboard from the room's menu.
  await bob.focus("#conversation-menu-button");
  await bob.keyboard.press("Enter");
  await bob.waitForSelector("#conversation-menu [data-action=leave]");
  await bob.keyboard.press("Tab");
  assert.equal(await bob.evaluate(() => document.activeElement?.dataset.action), "leave");
  await bob.keyboard.press("Enter");
  await bob.waitForSelector("#conversation-menu:has-text('Leave Night owls?')");
  assert.equal(await bob.evaluate(() => document.activeElement?.dataset.action), "confirm-leave");
  await h.shot(bob, "66-room-leave-confirm-phone");
  await bob.keyboard.press("Enter");
  await bob.waitForSelector(`#conversations li[data-id="${roomId}"]`, { state: "detached" });
  assert.equal(await bob.getAttribute("#app", "data-view"), "list", "back to the list");
  await bob.waitForFunction(() => document.activeElement?.id === "open-rooms");

  // ---- Alice sees him go.
  await alice.waitForSelector("#chat-online:text-is('1 online')");
  await h.shot(alice, "67-room-after-leave");

  // Bob's directory offers to join it again, with one member.
  await bob.keyboard.press("Enter");
  await bob.waitForSelector(`#rooms[open] ${row("Night owls")} [data-action=join]`);
  await bob.waitForSelector(`${row("Night owls")} .room-members:text-is('1 member')`);
  await bob.keyboard.press("Escape");
  await bob.waitForSelector("#rooms", { state: "detached" });
  assert.equal(await bob.evaluate(() => document.activeElement?.id), "open-rooms", "focus goes back to Rooms");

  assert.deepEqual(h.problems, []);
  await alice.context().close();
  await bob.context().close();
});
