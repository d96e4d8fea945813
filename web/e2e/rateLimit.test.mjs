// The server's per-user send limit, seen from the web client: a message sent
// while the budget is spent waits (saying so quietly by the composer), then
// goes again by itself with its id and is stored once.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/** The window the server's send limit counts in, and a margin for the retry itself. */
const SEND_WINDOW_MS = 10_000;
const SETTLED_MS = SEND_WINDOW_MS + 15_000;

async function signUpQuietly(handle) {
  const res = await fetch(`${h.base}/api/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ handle, password: PASSWORD }),
  });
  assert.equal(res.status, 201, `signup ${handle}`);
  return res.json();
}

function call(token, method, path, body) {
  return fetch(`${h.base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

test("a message sent over the send limit waits, says so, and is stored once after the wait", async () => {
  await signUpQuietly("sam");
  const rita = await h.signUp("rita");
  const token = await rita.evaluate(() => JSON.parse(localStorage.getItem("chitter.session")).access_token);

  await rita.fill("#new-direct input[name=handle]", "sam");
  await rita.click("#new-direct button");
  await rita.waitForSelector("#composer:not([hidden])");
  await rita.fill("#composer textarea", "Warming up");
  await rita.press("#composer textarea", "Enter");
  await rita.waitForSelector("#messages li.mine[data-seq] .text:has-text('Warming up')");
  assert.equal(await rita.locator("#send-wait").getAttribute("role"), "status");
  assert.equal(await rita.textContent("#send-wait"), "", "no notice while nothing waits");

  // The same person spends the whole send budget over HTTP, in a room of their own,
  // until the server refuses (one budget for every connection and the HTTP path).
  const room = await (await call(token, "POST", "/api/rooms", { title: "Busy room" })).json();
  let refused = null;
  for (let i = 0; i < 100 && !refused; i++) {
    const res = await call(token, "POST", `/api/conversations/${room.conversation_id}/messages`, { id: `burn-${i}`, text: `burn ${i}` });
    if (res.status === 429) refused = { header: res.headers.get("retry-after"), body: await res.json() };
    else assert.equal(res.status, 202, `burn ${i}`);
  }
  assert.ok(refused, "the server refuses once the budget is spent");
  assert.equal(refused.body.code, "rate_limited");
  assert.ok(refused.body.retry_after >= 1 && refused.body.retry_after <= 10, `retry_after ${refused.body.retry_after}`);
  assert.equal(refused.header, String(refused.body.retry_after));

  // The page sends now: it waits, pending, with the notice by the composer.
  await rita.waitForSelector("#chat-header:has-text('sam')");
  await rita.fill("#composer textarea", "Made it through");
  await rita.press("#composer textarea", "Enter");
  await rita.waitForSelector("#send-wait.is-active");
  assert.match(await rita.textContent("#send-wait"), /^Sending too fast — trying again in \d+ s$/);
  await rita.waitForSelector("#messages li.pending:has-text('Made it through')");
  assert.equal(await rita.locator("#messages .failed-note").count(), 0, "waiting is not failing");
  assert.equal(await rita.inputValue("#composer textarea"), "", "the composer clears as for any send");
  await h.shot(rita, "rate-limit-01-waiting");

  // Once the window has passed it goes again by itself and is stored.
  await rita.waitForSelector("#messages li.mine[data-seq] .text:has-text('Made it through')", { timeout: SETTLED_MS });
  await rita.waitForSelector("#send-wait:not(.is-active)", { state: "attached", timeout: SETTLED_MS });
  assert.equal(await rita.textContent("#send-wait"), "");
  assert.equal(await rita.locator("#messages li.pending").count(), 0);
  assert.equal(await rita.locator("#messages .failed-note").count(), 0);
  await h.shot(rita, "rate-limit-02-sent");

  // Stored once, however often it went.
  const conversations = (await (await call(token, "GET", "/api/conversations")).json()).conversations;
  const chat = conversations.find((c) => c.kind === "direct") ?? assert.fail("no direct chat");
  const history = await (await call(token, "GET", `/api/conversations/${chat.conversation_id}/messages?limit=50`)).json();
  assert.equal(history.messages.filter((m) => m.text === "Made it through").length, 1, "stored once");

  assert.deepEqual(h.problems, []);
});
