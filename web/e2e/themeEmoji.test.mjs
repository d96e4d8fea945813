// A theme's emoji set end to end: Ada adds her own emoji to a theme in the
// editor by keyboard, saves it (the API lists them, in order) and sets it
// for her chat with Bob; her picker offers them "From this theme" and one
// sends as an image; Bob's picker shows them but will not insert them (he
// does not own them, so they would go out as text); an emoji deleted behind
// the editor's back is refused by the server, shown as deleted and removed.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, DESKTOP, Harness, PHONE, png } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/** A round face of one colour on transparent, as an RGBA PNG. */
function facePng(size, [r, g, b]) {
  const c = (size - 1) / 2;
  return png(size, size, (x, y) => {
    const d = Math.hypot(x - c, y - c) / c;
    const eye = Math.abs(y - c * 0.75) < size / 10 && Math.abs(Math.abs(x - c) - size / 5) < size / 14;
    const smile = Math.abs(Math.hypot(x - c, y - c * 0.9) - size / 4) < size / 24 && y > c * 1.05;
    const dark = eye || smile;
    return [dark ? 40 : r, dark ? 30 : g, dark ? 50 : b, d <= 1 ? 255 : 0];
  });
}

/** The HTTP API as the page's signed-in user. */
async function api(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const token = JSON.parse(localStorage.getItem("chitter.session")).access_token;
      const res = await fetch(path, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) };
    },
    [method, path, body],
  );
}

async function addEmoji(page, name, colour) {
  await page.setInputFiles("#emoji-file", { name: `${name}.png`, mimeType: "image/png", buffer: facePng(48, colour) });
  await page.waitForFunction(() => document.querySelector("#emoji-preview")?.naturalWidth === 48);
  assert.equal(await page.inputValue("#emoji-shortcode"), name);
  await page.click("#emoji-add");
  await page.waitForSelector(`#emoji-library .emoji-row[data-shortcode='${name}']`);
}

const imagesLoaded = (page, root) =>
  page.waitForFunction((r) => {
    const imgs = [...document.querySelectorAll(`${r} img`)];
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  }, root);

/** Both sizes, with `selector` scrolled into view in each. */
async function shotAt(page, name, selector) {
  const size = page.viewportSize();
  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["375", PHONE],
  ]) {
    await page.setViewportSize(viewport);
    await page.$eval(selector, (el) => el.scrollIntoView({ block: "center" }));
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), animations: "disabled" });
  }
  await page.setViewportSize(size);
}

const NOT_MINE = "Only your own emoji show as images: add it in the emoji manager";

test("a theme's emoji set: edited by keyboard, saved, offered in the picker, honest about whose", async () => {
  const ada = await h.signUp("ada");
  const bob = await h.signUp("bob");

  // Ada's emoji.
  await ada.click("#open-emoji-manager");
  await ada.waitForSelector("#emoji-manager[open]");
  await addEmoji(ada, "party", [255, 197, 49]);
  await addEmoji(ada, "bye", [96, 165, 250]);
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#emoji-manager", { state: "detached" });
  const mine = (await api(ada, "GET", "/api/emoji")).body.emoji;
  const id = Object.fromEntries(mine.map((e) => [e.shortcode, e.emoji_id]));

  await ada.fill("#new-direct input[name=handle]", "bob");
  await ada.click("#new-direct button");
  await ada.waitForSelector("#composer:not([hidden])");
  await ada.fill("#composer textarea", "Party tonight?");
  await ada.press("#composer textarea", "Enter");
  await ada.waitForSelector("#messages li.mine[data-seq='1']");

  // ------------------------------------------------------------ the editor
  await ada.click("#chat-theme-button");
  await ada.waitForSelector("#themes-dialog[open]");
  await ada.click("#new-theme");
  await ada.waitForSelector("#theme-form");
  await ada.fill("#theme-name", "Party Time");
  assert.equal((await ada.textContent("#emoji-set-count")).trim(), "0/50");
  await ada.click("#theme-emoji-add");
  await ada.waitForSelector("#emoji-set-options .emoji-option[data-shortcode='party']");
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "emoji-set-search");
  // Search, then Enter adds (and does not submit the form).
  await ada.keyboard.type("par");
  await ada.waitForFunction(() => document.querySelectorAll("#emoji-set-options .emoji-option").length === 1);
  await ada.keyboard.press("Enter");
  await ada.waitForSelector("#theme-emoji-list .emoji-set-item[data-state=ready]");
  assert.equal(await ada.getAttribute("#emoji-set-options .emoji-option[data-shortcode='party']", "aria-selected"), "true");
  assert.equal((await ada.textContent("#emoji-set-count")).trim(), "1/50");
  assert.equal(await ada.isVisible("#theme-form"), true, "still editing");
  // All of them again: bye, party by name. Enter toggles bye in, out, and in again at the end.
  await ada.fill("#emoji-set-search", "");
  await ada.waitForFunction(() => document.querySelectorAll("#emoji-set-options .emoji-option").length === 2);
  const active = () => ada.getAttribute("#emoji-set-options .emoji-option.active", "data-shortcode");
  assert.equal(await active(), "bye");
  for (let i = 0; i < 3; i++) await ada.keyboard.press("Enter");
  const listed = () => ada.$$eval("#theme-emoji-list .emoji-set-item", (items) => items.map((li) => li.dataset.emojiId));
  assert.deepEqual(await listed(), [id.party, id.bye], "in the order added");
  await ada.keyboard.press("ArrowRight");
  assert.equal(await active(), "party");
  assert.equal((await ada.textContent("#emoji-set-count")).trim(), "2/50");
  await imagesLoaded(ada, "#emoji-set");
  assert.deepEqual(await ada.$$eval("#theme-emoji-list .emoji-set-name", (els) => els.map((e) => e.textContent)), [":party:", ":bye:"]);
  await shotAt(ada, "32-theme-emoji-set", "#emoji-set");
  // Escape closes the grid, not the themes screen.
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#emoji-set-picker", { state: "detached" });
  assert.equal(await ada.isVisible("#themes-dialog[open]"), true);
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "theme-emoji-add");

  await ada.click("#theme-save");
  const card = ada.locator('#theme-library .theme-card[data-name="Party Time"]');
  await card.waitFor();
  const themeId = await card.getAttribute("data-theme-id");
  const saved = await api(ada, "GET", `/api/themes/${themeId}`);
  assert.equal(saved.status, 200);
  assert.deepEqual(saved.body.emoji, [id.party, id.bye]);
  await card.locator("[data-apply=conversation]").click();
  await ada.waitForSelector("#themes-shown[data-shown=conversation]");
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#themes-dialog", { state: "hidden" });

  // ------------------------------------------- Ada's picker: hers insert
  await ada.click(".emoji-button");
  await ada.waitForSelector("#theme-emoji .emoji-option[data-shortcode='party'][data-kind=mine]");
  assert.equal(await ada.textContent("#theme-emoji .emoji-section-title"), "From this theme");
  assert.deepEqual(
    await ada.$$eval("#theme-emoji .emoji-option", (els) => els.map((el) => `${el.dataset.shortcode}:${el.getAttribute("aria-disabled") ?? "enabled"}`)),
    ["party:enabled", "bye:enabled"],
    "the theme's order, both hers",
  );
  assert.equal(await ada.locator("#theme-emoji .emoji-section-note").count(), 0);
  await imagesLoaded(ada, "#emoji-picker");
  await h.shot(ada, "33-theme-emoji-picker");
  await ada.click("#theme-emoji .emoji-option[data-shortcode='party']");
  await ada.waitForSelector("#emoji-picker", { state: "detached" });
  assert.equal(await ada.inputValue("#composer textarea"), ":party: ");
  await ada.press("#composer textarea", "Enter");
  await ada.waitForSelector("#messages li.mine[data-seq='2'] .text img.emoji[alt=':party:']");

  // ------------------------------- Bob's picker: shown, not inserted
  await bob.click("#conversations li");
  await bob.waitForSelector(`.chat[data-theme=conversation][data-theme-id="${themeId}"]`);
  await bob.waitForSelector("#messages li[data-seq='2'] .text img.emoji[alt=':party:']");
  await bob.click(".emoji-button");
  const theirs = "#theme-emoji .emoji-option[data-shortcode='party']";
  await bob.waitForSelector(`${theirs}[data-kind=theirs][aria-disabled=true]`);
  assert.equal(await bob.getAttribute(theirs, "title"), NOT_MINE);
  const noteId = await bob.getAttribute(theirs, "aria-describedby");
  assert.equal(await bob.textContent(`#${noteId}`), `${NOT_MINE}.`);
  assert.match(await bob.textContent("#emoji-picker"), /You have no emoji yet/);
  await imagesLoaded(bob, "#theme-emoji");
  await h.shot(bob, "34-theme-emoji-picker-not-mine");
  // Neither a click nor Enter puts in a name that would stay text.
  await bob.click(theirs, { force: true });
  await bob.keyboard.press("Enter");
  assert.equal(await bob.isVisible("#emoji-picker"), true);
  assert.equal(await bob.inputValue("#composer textarea"), "");
  assert.match(await bob.textContent(".emoji-picker-current"), /:party: · not yours/);
  await bob.keyboard.press("Escape");
  await bob.waitForSelector("#emoji-picker", { state: "detached" });

  // ---------------- deleted behind the editor's back: the server says which
  await ada.click("#chat-theme-button");
  await card.locator("[data-action=edit]").click();
  await ada.waitForSelector("#theme-form");
  await ada.waitForSelector(`#theme-emoji-list .emoji-set-item[data-emoji-id="${id.bye}"][data-state=ready]`);
  // Once its image has loaded, so this page cannot find out by itself.
  await imagesLoaded(ada, "#emoji-set");
  assert.equal((await api(ada, "DELETE", `/api/emoji/${id.bye}`)).status, 204);
  await ada.fill("#theme-name", "Party Time!");
  await ada.click("#theme-save");
  await ada.waitForSelector(`#theme-emoji-list .emoji-set-item[data-emoji-id="${id.bye}"][data-state=gone]`);
  assert.match(await ada.textContent("#emoji-set-msg"), /Emoji 2 of the set no longer exists/);
  assert.match(await ada.textContent("#theme-problems"), /Emoji set/);
  assert.equal(await ada.isDisabled("#theme-save"), true);
  assert.equal(await ada.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Remove deleted emoji 2 from the set");
  assert.equal(await ada.textContent(`#theme-emoji-list .emoji-set-item[data-emoji-id="${id.bye}"] .emoji-set-name`), "Deleted emoji");
  await shotAt(ada, "35-theme-emoji-set-deleted", "#emoji-set");
  await ada.focus("#theme-emoji-1-remove");
  await ada.keyboard.press("Enter");
  await ada.waitForSelector(`#theme-emoji-list .emoji-set-item[data-emoji-id="${id.bye}"]`, { state: "detached" });
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "theme-emoji-0-remove");
  assert.equal((await ada.textContent("#emoji-set-count")).trim(), "1/50");
  await ada.click("#theme-save");
  await ada.waitForSelector("#theme-library");
  assert.deepEqual((await api(ada, "GET", `/api/themes/${themeId}`)).body.emoji, [id.party]);

  assert.deepEqual(h.problems, []);
  await ada.context().close();
  await bob.context().close();
});
