// Custom emoji end to end: Ada makes one from a PNG drawn in the page (with
// a progress bar), uses it in a message to Bob, and both see the image;
// markup in a message stays text; renaming keeps old messages' images and
// deleting turns them back into text. Screens go to e2e/artifacts/.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, PHONE, png } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/** A PNG of one colour with a lighter square in the middle. */
function squarePng(width, height, [r, g, b]) {
  return png(width, height, (x, y) => {
    const inner = x > width / 4 && x < (3 * width) / 4 && y > height / 4 && y < (3 * height) / 4;
    return inner ? [255, 255, 255, 255] : [r, g, b, 255];
  });
}

/** Draws a 64×64 party face on a canvas and drops it as "party.png" on the manager's drop zone. */
async function dropCanvasPng(page) {
  await page.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 64;
    const g = canvas.getContext("2d");
    g.fillStyle = "#ffc531";
    g.beginPath();
    g.arc(32, 36, 26, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#e8386d";
    g.beginPath();
    g.moveTo(20, 16);
    g.lineTo(32, 0);
    g.lineTo(44, 16);
    g.fill();
    g.fillStyle = "#2b2d42";
    g.fillRect(22, 30, 6, 8);
    g.fillRect(36, 30, 6, 8);
    g.lineWidth = 4;
    g.strokeStyle = "#2b2d42";
    g.beginPath();
    g.arc(32, 40, 12, 0.15 * Math.PI, 0.85 * Math.PI);
    g.stroke();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const file = new File([blob], "party.png", { type: "image/png" });
    const data = new DataTransfer();
    data.items.add(file);
    const zone = document.querySelector(".dropzone");
    for (const type of ["dragenter", "dragover", "drop"]) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }
  });
}

/** Waits until the message with this seq shows a loaded emoji image; returns the images' alts. */
async function emojiLoaded(page, seq) {
  await page.waitForFunction((s) => {
    const text = document.querySelector(`#messages li[data-seq='${s}'] .text`);
    const imgs = [...(text?.querySelectorAll("img") ?? [])];
    const loading = text?.querySelector(".emoji-slot");
    return !loading && imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  }, seq);
  return page.$$eval(`#messages li[data-seq='${seq}'] .text img`, (imgs) => imgs.map((img) => img.alt));
}

async function messageText(page, seq) {
  return page.textContent(`#messages li[data-seq='${seq}'] .text`);
}

async function sendMessage(page, text, seq) {
  await page.fill("#composer textarea", text);
  await page.press("#composer textarea", "Enter");
  await page.waitForSelector(`#messages li.mine[data-seq='${seq}']`);
}

test("custom emoji: made, sent, seen by both, safe, renamed and deleted", async () => {
  const ada = await h.signUp("ada");
  const bob = await h.signUp("bob", { viewport: PHONE, reducedMotion: "reduce" });

  // The manager opens from the sidebar, by keyboard.
  await ada.focus("#open-emoji-manager");
  await ada.keyboard.press("Enter");
  await ada.waitForSelector("#emoji-manager[open]");
  await ada.waitForSelector(".emoji-library-empty:has-text('No emoji yet')");
  assert.equal((await ada.textContent("#emoji-count")).trim(), "0/100");

  // An image that is too large is refused before anything is sent.
  await ada.setInputFiles("#emoji-file", { name: "big square.png", mimeType: "image/png", buffer: squarePng(300, 300, [40, 120, 220]) });
  await ada.waitForSelector("#emoji-error:has-text('256 × 256')");
  assert.equal(await ada.inputValue("#emoji-shortcode"), "big_square", "the name comes from the file name");
  assert.equal(await ada.isDisabled("#emoji-add"), true);

  // A drawn PNG dropped on the zone: preview, a name from the file, then the upload with progress.
  await dropCanvasPng(ada);
  await ada.waitForFunction(() => document.querySelector("#emoji-preview")?.naturalWidth === 64);
  assert.equal(await ada.inputValue("#emoji-shortcode"), "party");
  assert.equal(await ada.textContent("#emoji-error"), "");
  // Live validation of the name.
  await ada.fill("#emoji-shortcode", "no-dash");
  await ada.waitForSelector("#emoji-shortcode-hint.field-error:has-text('letters')");
  assert.equal(await ada.isDisabled("#emoji-add"), true);
  await ada.fill("#emoji-shortcode", ":party:");
  await ada.waitForSelector("#emoji-shortcode-hint.field-hint");
  assert.equal(await ada.inputValue("#emoji-shortcode"), "party", "the field shows the colons itself");

  // Finalize is held back a moment so the finished progress bar can be seen.
  let releaseFinalize;
  const finalizeHeld = new Promise((resolve) => (releaseFinalize = resolve));
  await ada.route("**/api/uploads/*/finalize", async (route) => {
    await finalizeHeld;
    await route.continue();
  });
  await ada.click("#emoji-add");
  await ada.waitForSelector("#emoji-progress-text:has-text('Checking the image')");
  assert.equal(await ada.getAttribute("#emoji-progress", "value"), "100", "the bytes were all sent");
  await h.shot(ada, "13-emoji-uploading");
  releaseFinalize();
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='party']");
  await ada.unroute("**/api/uploads/*/finalize");
  await ada.waitForFunction(() => {
    const img = document.querySelector("#emoji-library .emoji-row[data-shortcode='party'] img");
    return img?.complete && img.naturalWidth > 0;
  });
  assert.equal((await ada.textContent("#emoji-library .emoji-row[data-shortcode='party'] .emoji-name")).trim(), ":party:");
  assert.equal((await ada.textContent("#emoji-count")).trim(), "1/100");
  await ada.waitForSelector("#emoji-storage:has-text('storage used')");
  assert.doesNotMatch(await ada.textContent("#emoji-storage"), /^0 B/, "the image counts against storage");
  assert.equal(await ada.inputValue("#emoji-shortcode"), "", "the form is ready for the next one");

  // A second one, from a file chosen the ordinary way.
  await ada.setInputFiles("#emoji-file", { name: "wave.png", mimeType: "image/png", buffer: squarePng(32, 32, [30, 170, 110]) });
  await ada.waitForFunction(() => document.querySelector("#emoji-preview")?.naturalWidth === 32);
  await ada.click("#emoji-add");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='wave']");
  assert.equal((await ada.textContent("#emoji-count")).trim(), "2/100");
  await h.shot(ada, "14-emoji-manager");

  // Escape closes the manager and focus returns to where it was.
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#emoji-manager", { state: "detached" });
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "open-emoji-manager");

  // Ada writes to Bob: the composer sends the text; the server resolves :party:.
  await ada.fill("#new-direct input[name=handle]", "bob");
  await ada.click("#new-direct button");
  await ada.waitForSelector("#composer:not([hidden])");
  await sendMessage(ada, "hi :party:", 1);
  assert.deepEqual(await emojiLoaded(ada, 1), [":party:"]);
  assert.equal(await messageText(ada, 1), "hi ");

  await bob.click("#conversations li");
  await bob.waitForSelector("#messages li[data-seq='1']");
  assert.deepEqual(await emojiLoaded(bob, 1), [":party:"]);
  const bobImg = await bob.$eval("#messages li[data-seq='1'] .text img", (img) => ({ title: img.title, loading: img.loading, width: img.width, height: img.height }));
  assert.deepEqual(bobImg, { title: ":party:", loading: "lazy", width: 22, height: 22 });

  // Markup in a message is text: only the emoji becomes an image.
  const hostile = "<img src=x onerror=alert(1)> :party:";
  await sendMessage(ada, hostile, 2);
  for (const page of [ada, bob]) {
    await page.waitForSelector("#messages li[data-seq='2']");
    assert.deepEqual(await emojiLoaded(page, 2), [":party:"]);
    assert.equal(await messageText(page, 2), "<img src=x onerror=alert(1)> ");
    assert.equal(await page.locator("#messages li[data-seq='2'] img").count(), 1);
    assert.equal(await page.locator("img[src='x']").count(), 0);
  }

  // The picker: opens from the composer, searches, moves by arrow, inserts at the caret.
  await ada.fill("#composer textarea", "look ");
  await ada.click(".emoji-button");
  await ada.waitForSelector("#emoji-picker .emoji-option[data-shortcode='wave']");
  assert.equal(await ada.evaluate(() => document.activeElement?.classList.contains("emoji-search")), true);
  await ada.waitForFunction(() => [...document.querySelectorAll("#emoji-picker img")].every((img) => img.naturalWidth > 0));
  await h.shot(ada, "15-emoji-picker");
  await ada.keyboard.press("ArrowRight");
  assert.equal(await ada.getAttribute("#emoji-picker .emoji-option[aria-selected='true']", "data-shortcode"), "wave");
  await ada.keyboard.press("Enter");
  await ada.waitForSelector("#emoji-picker", { state: "detached" });
  assert.equal(await ada.inputValue("#composer textarea"), "look :wave: ");
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "composer-text");
  // Searching, then Escape closes without inserting.
  await ada.click(".emoji-button");
  await ada.waitForSelector("#emoji-picker");
  // Focus is in the search as soon as the picker shows: keys typed at once go there.
  assert.equal(await ada.evaluate(() => document.activeElement?.classList.contains("emoji-search")), true);
  await ada.keyboard.type("par");
  await ada.waitForFunction(() => document.querySelectorAll("#emoji-picker .emoji-option").length === 1);
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#emoji-picker", { state: "detached" });
  assert.equal(await ada.inputValue("#composer textarea"), "look :wave: ");

  // Autocomplete: ":pa" offers :party:, Enter takes it, the next Enter sends.
  await ada.focus("#composer textarea");
  await ada.keyboard.press("End");
  await ada.keyboard.type("and :pa");
  await ada.waitForSelector("#emoji-suggest .emoji-suggestion:has-text(':party:')");
  assert.equal(await ada.locator("#emoji-suggest .emoji-suggestion").count(), 1);
  await ada.keyboard.press("Enter");
  assert.equal(await ada.inputValue("#composer textarea"), "look :wave: and :party: ");
  await ada.keyboard.press("Enter");
  await ada.waitForSelector("#messages li.mine[data-seq='3']");
  assert.deepEqual(await emojiLoaded(ada, 3), [":wave:", ":party:"]);

  // Only emoji: shown large.
  await sendMessage(ada, ":party: :party:", 4);
  await emojiLoaded(ada, 4);
  assert.equal(await ada.locator("#messages li[data-seq='4'] img.emoji.jumbo").count(), 2);
  await bob.waitForSelector("#messages li[data-seq='4']");
  await emojiLoaded(bob, 4);
  await h.shot(ada, "16-emoji-chat");
  await h.shot(bob, "17-emoji-chat-bob");

  // Renaming keeps old messages' images (they name the emoji by id).
  await ada.click("#open-emoji-manager");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='party']");
  // Escape leaves renaming, not the manager.
  await ada.click("button[aria-label='Rename :party:']");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='party'] input:focus");
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("button[aria-label='Rename :party:']:focus");
  assert.equal(await ada.isVisible("#emoji-manager[open]"), true);
  await ada.click("button[aria-label='Rename :party:']");
  const renameField = ada.locator("#emoji-library .emoji-row[data-shortcode='party'] input");
  await renameField.fill("wave");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='party'] .field-error:has-text('already have')");
  await renameField.fill("parrot");
  await renameField.press("Enter");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='parrot']");
  await ada.click("button[aria-label='Close the emoji manager']");
  await ada.waitForSelector("#emoji-manager", { state: "detached" });
  assert.deepEqual(await emojiLoaded(ada, 1), [":party:"], "the message keeps the name it was sent with");
  await bob.reload();
  await bob.click("#conversations li");
  assert.deepEqual(await emojiLoaded(bob, 1), [":party:"]);
  // The old name now means nothing; the new one works.
  await sendMessage(ada, "now :party: is :parrot:", 5);
  assert.deepEqual(await emojiLoaded(ada, 5), [":parrot:"]);
  assert.equal(await messageText(ada, 5), "now :party: is ");

  // Deleting turns its uses back into text, for Ada at once and for Bob on his next look.
  await ada.click("#open-emoji-manager");
  await ada.click("button[aria-label='Delete :parrot:']");
  await ada.waitForSelector(".emoji-confirm:has-text('Delete :parrot:?')");
  await h.shot(ada, "18-emoji-delete-confirm");
  await ada.click(".emoji-confirm button.danger");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='parrot']", { state: "detached" });
  assert.equal((await ada.textContent("#emoji-count")).trim(), "1/100");
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#emoji-manager", { state: "detached" });
  for (const page of [ada, bob]) {
    if (page === bob) {
      await bob.reload();
      await bob.click("#conversations li");
    }
    await page.waitForFunction(() => document.querySelector("#messages li[data-seq='1'] .text")?.textContent === "hi :party:");
    assert.equal(await page.locator("#messages li[data-seq='1'] .emoji").count(), 0);
    assert.equal(await messageText(page, 2), hostile);
    assert.equal(await page.locator("#messages li[data-seq='2'] img").count(), 0);
    // :wave: still exists.
    assert.deepEqual(await emojiLoaded(page, 3), [":wave:"]);
    assert.equal(await messageText(page, 3), "look  and :party: ");
  }
  await h.shot(bob, "19-emoji-deleted-bob");

  // The same screens in the dark.
  await ada.emulateMedia({ colorScheme: "dark" });
  await ada.click("#open-emoji-manager");
  await ada.waitForSelector("#emoji-library .emoji-row[data-shortcode='wave'] img");
  await ada.setInputFiles("#emoji-file", { name: "Big Smile!.png", mimeType: "image/png", buffer: squarePng(48, 48, [220, 80, 120]) });
  await ada.waitForFunction(() => document.querySelector("#emoji-preview")?.naturalWidth === 48);
  assert.equal(await ada.inputValue("#emoji-shortcode"), "Big_Smile");
  await h.shot(ada, "20-emoji-manager-dark");
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#emoji-manager", { state: "detached" });
  await ada.click(".emoji-button");
  await ada.waitForSelector("#emoji-picker .emoji-option");
  await h.shot(ada, "21-emoji-picker-dark");
  await ada.keyboard.press("Escape");

  assert.deepEqual(h.problems, []);
  await ada.context().close();
  await bob.context().close();
});
