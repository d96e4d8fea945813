// Files in messages and random matching, end to end.
//
// Alice attaches a generated PNG and a small text file (by the file picker),
// sees them upload as chips above the composer, has a file of a type Chitter
// does not keep refused with the reason, and sends them with a line of text.
// Her socket swallows that first send, so the message waits in her outbox
// with its files; it survives a reload and goes out again under the same
// client id. Bob sees the image preview load, opens it full size and closes
// it with Escape, and downloads the text file, getting its bytes back.
//
// Matching: Carol asks and waits (the wait survives a reload), Dave asks and
// both land in the same new conversation with the notice; Carol can look for
// someone new; Erin, on a phone, asks and cancels.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { Harness, PHONE, png } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

/** A 320 × 200 evening sky: a gradient with a sun. */
function sunsetPng() {
  return png(320, 200, (x, y) => {
    const t = y / 199;
    const sun = (x - 220) ** 2 + (y - 130) ** 2 < 38 ** 2;
    if (sun) return [255, 214, 102, 255];
    return [Math.round(255 - 120 * t), Math.round(120 + 40 * t), Math.round(90 + 120 * t), 255];
  });
}

const NOTES = Buffer.from("Packing list:\n- sunscreen\n- a good book\n", "utf8");

/** What the server says of my matching, read with the page's own session. */
const matchState = (page) =>
  page.evaluate(async () => {
    const session = JSON.parse(localStorage.getItem("chitter.session"));
    const res = await fetch("/api/match", { headers: { authorization: `Bearer ${session.access_token}` } });
    return (await res.json()).state;
  });

test("files go with a message: picked, uploaded, refused with a reason, kept in the outbox, previewed and downloaded", async () => {
  // Alice's socket goes through a switch: "pass" forwards everything, "swallow"
  // loses her sends on the way, "refuse" drops every new connection at once.
  let mode = "pass";
  const sends = [];
  const open = [];
  const alice = await h.signUp("alice", {}, (page) =>
    page.routeWebSocket(/\/ws/, (ws) => {
      if (mode === "refuse") {
        ws.close({ code: 4000, reason: "test: offline" });
        return;
      }
      const server = ws.connectToServer();
      open.push(ws);
      ws.onMessage((message) => {
        const frame = JSON.parse(message);
        if (frame.action === "send") sends.push(frame);
        if (frame.action === "send" && mode === "swallow") return;
        server.send(message);
      });
    }),
  );
  const bob = await h.signUp("bob");

  await alice.fill("#new-direct input[name=handle]", "bob");
  await alice.click("#new-direct button");
  await alice.waitForSelector("#composer #attach-button");
  assert.equal(await alice.getAttribute("#attach-button", "aria-label"), "Attach files");

  // ---- Two files by the picker: both upload, as chips with their names.
  await alice.setInputFiles("#composer-file-input", [
    { name: "sunset.png", mimeType: "image/png", buffer: sunsetPng() },
    { name: "packing <list>.txt", mimeType: "text/plain", buffer: NOTES },
  ]);
  await alice.waitForFunction(() => document.querySelectorAll("#composer .draft-file.is-ready").length === 2);
  assert.deepEqual(await alice.locator("#composer .draft-name").allTextContents(), ["sunset.png", "packing <list>.txt"]);
  assert.equal(await alice.locator("#composer .draft-name b, #composer .draft-name list").count(), 0, "names are text");
  await alice.waitForFunction(() => document.querySelector("#composer .draft-thumb img")?.naturalWidth === 320);
  assert.match(await alice.textContent("#composer-files-status"), /2 files ready to send/);
  assert.equal(await alice.isEnabled("#composer .send-button"), true, "files alone may be sent");

  // ---- A type Chitter does not keep is refused before anything is sent, with the reason.
  await alice.setInputFiles("#composer-file-input", { name: "setup.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ fake") });
  await alice.waitForSelector("#composer .composer-refusals[role=alert]:has-text('setup.exe')");
  assert.match(await alice.textContent("#composer .composer-refusals"), /can’t be sent\. Only images \(PNG, JPEG, GIF, WebP\), PDF/);
  assert.equal(await alice.locator("#composer .draft-file").count(), 2, "the refused file is not added");
  await alice.fill("#composer textarea", "Holiday plans");
  await h.shot(alice, "42-composer-attachments");
  await alice.click("#composer .composer-refusals-close");
  await alice.waitForSelector("#composer .composer-refusals", { state: "detached" });

  // ---- Sent while the connection swallows it: a pending bubble with its files.
  mode = "swallow";
  await alice.press("#composer textarea", "Enter");
  await alice.waitForSelector("#messages li.pending .attachment-image img");
  assert.equal(await alice.locator("#composer .draft-file").count(), 0, "the composer is empty again");
  assert.equal(await alice.inputValue("#composer textarea"), "");
  const pending = alice.locator("#messages li.pending");
  await alice.waitForFunction(() => document.querySelector("#messages li.pending .attachment-image img")?.naturalWidth === 320);
  assert.equal(await pending.locator(".attachment-image img").getAttribute("alt"), "sunset.png");
  assert.match(await pending.locator(".attachment-file").textContent(), /packing <list>\.txt.*Text file/);
  assert.equal(await pending.locator(".text").textContent(), "Holiday plans");
  const first = sends.at(-1);
  assert.deepEqual(
    first.attachments.map((a) => a.name),
    ["sunset.png", "packing <list>.txt"],
  );
  assert.equal(first.text, "Holiday plans");
  await h.shot(alice, "43-pending-attachments");

  // The outbox keeps it with its files: a reload (offline) still shows them.
  mode = "refuse";
  for (const ws of open.splice(0)) await ws.close({ code: 4001, reason: "test: connection lost" });
  await alice.reload();
  await alice.click("#conversations li");
  await alice.waitForSelector("#messages li.pending .attachment-file:has-text('packing <list>.txt')");
  // The picked bytes are gone with the page: the image keeps its place, named.
  assert.equal(await alice.getAttribute("#messages li.pending .attachment-image", "aria-label"), "sunset.png");
  assert.equal(await alice.locator("#messages li[data-seq]").count(), 0);

  // Back online: it goes again under the same id, with the same files, and is stored once.
  mode = "pass";
  await alice.waitForSelector("#messages li.mine[data-seq] .attachment-file", { timeout: 45_000 });
  assert.equal(await alice.locator("#messages li.pending").count(), 0);
  const again = sends.filter((f) => f.id === first.id);
  assert.ok(again.length >= 2, "resent under its client id");
  assert.deepEqual(again.at(-1).attachments, first.attachments);
  await alice.waitForFunction(() => document.querySelector("#messages li.mine[data-seq] .attachment-image img")?.naturalWidth === 320);

  // ---- Bob sees the preview load, in its reserved shape, and the file chip.
  await bob.click("#conversations li");
  const message = bob.locator("#messages li.theirs[data-seq]").first();
  await message.locator(".attachment-image img").waitFor();
  await bob.waitForFunction(() => {
    const img = document.querySelector("#messages li.theirs[data-seq] .attachment-image img");
    return img?.complete && img.naturalWidth === 320 && img.naturalHeight === 200;
  });
  assert.equal(await message.locator(".attachment-image img").getAttribute("alt"), "sunset.png");
  const box = await message.locator(".attachment-image").boundingBox();
  assert.ok(Math.abs(box.width / box.height - 320 / 200) < 0.02, `keeps its shape: ${box.width}×${box.height}`);
  assert.ok(box.width <= 280.5, "at most 280 px wide");
  const chip = message.locator(".attachment-file");
  assert.equal(await chip.getAttribute("aria-label"), `Download packing <list>.txt, ${NOTES.length} bytes, Text file`);
  assert.equal(await message.locator(".text").textContent(), "Holiday plans");
  assert.equal(await bob.textContent("#conversations li .conversation-preview"), "Holiday plans");

  // ---- Files dropped on the conversation and pasted into the text join the next message too.
  const dropped = await alice.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(["Gate 12\n"], "boarding pass.txt", { type: "text/plain" }));
    return data;
  });
  await alice.dispatchEvent(".chat-content", "dragenter", { dataTransfer: dropped });
  await alice.waitForSelector(".drop-overlay:has-text('Drop files to attach them')");
  await alice.dispatchEvent(".chat-content", "drop", { dataTransfer: dropped });
  await alice.waitForSelector(".drop-overlay", { state: "detached" });
  await alice.waitForSelector("#composer .draft-file.is-ready:has-text('boarding pass.txt')");
  const square = [...png(48, 48, (x, y) => ((x >> 3) + (y >> 3)) % 2 ? [40, 120, 220, 255] : [250, 250, 250, 255])];
  await alice.evaluate((bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], "image.png", { type: "image/png" }));
    const paste = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
    document.querySelector("#composer textarea").dispatchEvent(paste);
  }, square);
  await alice.waitForFunction(() => document.querySelectorAll("#composer .draft-file.is-ready").length === 2);
  assert.equal(await alice.inputValue("#composer textarea"), "", "a pasted file is not text");

  // ---- A message of files alone: no text, the list says what it is.
  await alice.click("#composer .send-button");
  await bob.waitForSelector("#messages li.theirs[data-seq] .attachment-file:has-text('boarding pass.txt')");
  const last = bob.locator("#messages li.theirs[data-seq]").last();
  assert.equal(await last.locator(".text").count(), 0);
  await last.locator(".attachment-image img[alt='image.png']").waitFor();
  await bob.waitForFunction(() => document.querySelector("#conversations li .conversation-preview")?.textContent === "2 files");
  assert.equal(await bob.locator("#conversations li .conversation-preview .preview-icon").count(), 1, "after a paperclip");

  await h.shot(bob, "44-message-attachments");

  // Full size in a dialog; Escape closes it and focus goes back to the preview.
  await message.locator(".attachment-image").click();
  await bob.waitForSelector("#image-viewer[open] img");
  await bob.waitForFunction(() => document.querySelector("#image-viewer img")?.naturalWidth === 320);
  assert.equal(await bob.getAttribute("#image-viewer", "aria-label"), "sunset.png");
  await h.shot(bob, "45-image-viewer");
  await bob.keyboard.press("Escape");
  await bob.waitForSelector("#image-viewer", { state: "detached" });
  assert.equal(await bob.evaluate(() => document.activeElement?.classList.contains("attachment-image")), true);
  // And by keyboard: Enter opens it again.
  await bob.keyboard.press("Enter");
  await bob.waitForSelector("#image-viewer[open]");
  await bob.keyboard.press("Escape");
  await bob.waitForSelector("#image-viewer", { state: "detached" });

  // The text file downloads under its name, with its bytes.
  const [download] = await Promise.all([bob.waitForEvent("download"), chip.click()]);
  // Browsers swap characters some systems forbid in file names (< and >) for safe ones.
  assert.match(download.suggestedFilename(), /^packing .list.\.txt$/);
  assert.deepEqual(await readFile(await download.path()), NOTES);

  // History brings the files back after a reload too.
  await bob.reload();
  await bob.click("#conversations li");
  await bob.waitForFunction(() => document.querySelector("#messages li.theirs[data-seq] .attachment-image img")?.naturalWidth === 320);

  assert.deepEqual(h.problems, []);
  await alice.context().close();
  await bob.context().close();
});

test("random matching: wait (through a reload), be paired into one conversation with a notice, find someone new, cancel", async () => {
  const carol = await h.signUp("carol");
  const dave = await h.signUp("dave");

  // ---- Carol asks; nobody is waiting, so she waits. Focus moves to Cancel.
  await carol.click("#match-start");
  await carol.waitForSelector("#match-waiting:has-text('Looking for someone…')");
  assert.equal(await carol.evaluate(() => document.activeElement?.id), "match-cancel");
  assert.equal(await matchState(carol), "waiting");
  await h.shot(carol, "46-match-waiting");

  // A reload asks the server again: still waiting.
  await carol.reload();
  await carol.waitForSelector("#match-waiting");

  // ---- Dave asks: paired with Carol at once. Both land in the same new conversation.
  await dave.click("#match-start");
  for (const [page, other] of [
    [dave, "carol"],
    [carol, "dave"],
  ]) {
    await page.waitForSelector(`#match-notice:has-text("You’re chatting with @${other} (random match)")`);
    await page.waitForSelector(`#chat-header:has-text("${other}")`);
    await page.waitForSelector(`#match-matched:has-text("@${other}") #match-next:has-text('Find someone new')`);
  }
  const activeId = (page) => page.getAttribute("#conversations li.active", "data-id");
  assert.equal(await activeId(carol), await activeId(dave));
  assert.equal(await carol.locator("#conversations li").count(), 1);
  assert.equal(await matchState(dave), "matched");
  await h.shot(carol, "47-matched");

  // They can talk there.
  await carol.fill("#composer textarea", "Hi, stranger!");
  await carol.press("#composer textarea", "Enter");
  await dave.waitForSelector("#messages li.theirs:has-text('Hi, stranger!')");

  // The notice goes when dismissed.
  await carol.click("#match-notice .match-notice-close");
  await carol.waitForSelector("#match-notice", { state: "detached" });

  // ---- Carol looks for someone new: she leaves the match and waits again; then stops.
  await carol.click("#match-next");
  await carol.waitForSelector("#match-waiting");
  assert.equal(await matchState(carol), "waiting");
  await carol.click("#match-cancel");
  await carol.waitForSelector("#match-start");
  assert.equal(await matchState(carol), "idle");
  assert.equal(await carol.locator("#conversations li").count(), 1, "the conversation stays");

  // ---- Erin, on a phone, asks and cancels by keyboard.
  const erin = await h.signUp("erin", { viewport: PHONE });
  await erin.focus("#match-start");
  await erin.keyboard.press("Enter");
  await erin.waitForSelector("#match-waiting");
  // The signal swells slowly, and stands still for those who asked for less motion.
  assert.notEqual(await erin.$eval(".match-signal-ring", (el) => getComputedStyle(el).animationName), "none");
  await erin.emulateMedia({ reducedMotion: "reduce" });
  assert.equal(await erin.$eval(".match-signal-ring", (el) => getComputedStyle(el).animationName), "none");
  await h.shot(erin, "48-match-waiting-phone");
  assert.equal(await erin.evaluate(() => document.activeElement?.id), "match-cancel");
  await erin.keyboard.press("Enter");
  await erin.waitForSelector("#match-start");
  assert.equal(await erin.evaluate(() => document.activeElement?.id), "match-start");
  assert.equal(await matchState(erin), "idle");
  assert.equal(await erin.locator("#conversations li").count(), 0);

  assert.deepEqual(h.problems, []);
  await carol.context().close();
  await dave.context().close();
  await erin.context().close();
});
