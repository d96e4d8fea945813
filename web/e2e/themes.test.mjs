// Themes end to end: Ada builds a parallax theme from two PNGs in the
// editor and sets it for her chat with Bob, who sees it live; the layers
// move at their speeds as Bob scrolls (and stay put with reduced motion);
// low contrast cannot be saved; Ada publishes, Bob previews and copies it
// from the market; a hostile name stays text. Screens go to e2e/artifacts/.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACTS, DESKTOP, Harness, PHONE, png } from "./harness.mjs";

const h = new Harness();
before(() => h.start());
after(() => h.stop());

// ------------------------------------------------------------------ images


/** Far away: stars and faint horizontal stripes on transparent, 400×1600. */
function starsPng() {
  const W = 400;
  const H = 1600;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const stars = Array.from({ length: 260 }, () => ({ x: rand() * W, y: rand() * H, r: 0.8 + rand() * 2.2, b: 0.5 + rand() * 0.5 }));
  const grid = new Map();
  for (const s of stars) {
    const key = `${Math.floor(s.x / 20)},${Math.floor(s.y / 20)}`;
    grid.set(key, [...(grid.get(key) ?? []), s]);
  }
  return png(W, H, (x, y) => {
    let light = 0;
    for (let gx = -1; gx <= 1; gx++) {
      for (let gy = -1; gy <= 1; gy++) {
        for (const s of grid.get(`${Math.floor(x / 20) + gx},${Math.floor(y / 20) + gy}`) ?? []) {
          const d = Math.hypot(x - s.x, y - s.y);
          if (d < s.r * 2.5) light = Math.max(light, s.b * Math.max(0, 1 - d / (s.r * 2.5)) ** 1.5);
        }
      }
    }
    const stripe = y % 100 < 3 ? 0.1 : 0;
    const a = Math.min(1, light + stripe);
    return [200 + 55 * light, 225 + 30 * light, 255, Math.round(a * 255)];
  });
}

/** Near: soft diagonal pink-to-violet ribbons on transparent, 400×1600. */
function ribbonsPng() {
  const W = 400;
  const H = 1600;
  return png(W, H, (x, y) => {
    const t = (((y + x * 0.6) % 400) + 400) % 400;
    const band = t < 110 ? Math.sin((t / 110) * Math.PI) : 0;
    // Seamless where the tile repeats.
    const mix = (1 - Math.cos((2 * Math.PI * y) / H)) / 2;
    const r = Math.round(244 - 90 * mix);
    const g = Math.round(114 - 40 * mix);
    const b = Math.round(182 + 60 * mix);
    return [r, g, b, Math.round(band ** 1.4 * 0.55 * 255)];
  });
}

// ----------------------------------------------------------------- helpers

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

const nextFrames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** Each layer's translateY in the chat panel, from its computed transform. */
function layerTys(page, root = ".chat") {
  return page.$$eval(`${root} .chat-bg .parallax-layer`, (els) => els.map((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).m42));
}

async function scrollMessages(page, top, root = ".chat .messages-scroller") {
  const at = await page.$eval(
    root,
    (el, t) => {
      el.scrollTop = t;
      return el.scrollTop;
    },
    top,
  );
  await nextFrames(page);
  return at;
}

async function snap(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: "disabled" });
}

async function sendMessages(page, texts) {
  for (const text of texts) {
    await page.fill("#composer textarea", text);
    await page.press("#composer textarea", "Enter");
  }
}

const THEME = {
  name: "Aurora Drift",
  accent: "#c084fc",
  own_bubble: "#7c3aed",
  own_text: "#ffffff",
  other_bubble: "#f5f3ff",
  other_text: "#1e1b4b",
  base: "#0b1026",
};

const CHATTER = [
  "Did you see the sky last night?",
  "The aurora was unreal",
  "Green first, then pink ribbons everywhere",
  "I tried to photograph it",
  "Phone cameras never get it right",
  "Long exposure helps a bit",
  "We should drive north next time",
  "Away from the city lights",
  "Bring the thermos this time ☕",
  "And the good blanket",
];

test("themes: a parallax theme built, applied live, scrolled, published, previewed and copied", async () => {
  const ada = await h.signUp("ada");
  const bob = await h.signUp("bob");

  // A conversation long enough to scroll.
  await ada.fill("#new-direct input[name=handle]", "bob");
  await ada.click("#new-direct button");
  await ada.waitForSelector("#composer:not([hidden])");
  await sendMessages(ada, CHATTER.slice(0, 5));
  await bob.waitForSelector("#conversations li");
  await bob.click("#conversations li");
  await bob.waitForSelector("#messages li[data-seq='5']");
  await sendMessages(bob, CHATTER.slice(5));
  await ada.waitForSelector("#messages li[data-seq='10']");
  await sendMessages(ada, CHATTER.map((t, i) => `${t} (${i + 1})`));
  await bob.waitForSelector("#messages li[data-seq='20']");
  await sendMessages(bob, CHATTER.slice().reverse());
  await ada.waitForSelector("#messages li[data-seq='30']");
  await bob.waitForSelector("#messages li.mine[data-seq='30']");
  assert.equal(await bob.getAttribute(".chat", "data-theme"), "builtin");

  // ----------------------------------------------------------- the editor
  await ada.click("#chat-theme-button");
  await ada.waitForSelector("#themes-dialog[open]");
  await ada.waitForSelector(".themes-empty:has-text('No themes yet')");
  await ada.click("#new-theme");
  await ada.waitForSelector("#theme-form");
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "theme-name", "the name field takes focus");
  await ada.fill("#theme-name", THEME.name);
  for (const key of ["accent", "own_bubble", "other_bubble", "other_text"]) await ada.fill(`#color-${key}-text`, THEME[key]);

  // Low contrast: the readout fails, the field says why, and it cannot be saved.
  await ada.fill("#color-own_text-text", "#c4b5fd");
  await ada.waitForSelector("#contrast-own.fail");
  const faint = await ada.textContent("#contrast-own .contrast-ratio");
  assert.match(faint, /^\d\.\d\d:1$/);
  assert.ok(parseFloat(faint) < 4.5, faint);
  assert.match(await ada.textContent("#color-own_text-msg"), /Contrast \d\.\d\d:1 .* 4\.5:1/);
  assert.equal(await ada.isDisabled("#theme-save"), true);
  assert.match(await ada.textContent("#theme-problems"), /Your text/);
  // The server agrees, naming the same field.
  const refused = await api(ada, "POST", "/api/themes", {
    name: "Faint",
    colors: { accent: THEME.accent, own_bubble: THEME.own_bubble, own_text: "#c4b5fd", other_bubble: THEME.other_bubble, other_text: THEME.other_text },
    background: { kind: "color", color: THEME.base },
  });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, "low_contrast");
  assert.match(refused.body.message, /^colors\.own_text contrasts \d\.\d\d:1/);
  // The same ratio (the client cuts to hundredths where the server rounds).
  const theirs = parseFloat(/contrasts ([\d.]+):1/.exec(refused.body.message)[1]);
  assert.ok(Math.abs(theirs - parseFloat(faint)) <= 0.01, `client ${faint}, server ${theirs}`);
  await h.shot(ada, "22-theme-editor-low-contrast");
  // The colour picker sets the same field.
  await ada.$eval("#color-own_text-swatch", (el) => {
    el.value = "#ffffff";
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
  assert.equal(await ada.inputValue("#color-own_text-text"), "#ffffff");
  await ada.waitForSelector("#contrast-own.pass");
  await ada.waitForSelector("#contrast-other.pass");
  assert.equal(await ada.isDisabled("#theme-save"), false);
  // The live preview follows the colours.
  assert.equal(await ada.$eval("#theme-preview .mine .bubble", (el) => getComputedStyle(el).backgroundColor), "rgb(124, 58, 237)");
  await h.shot(ada, "23-theme-editor-colours");

  // Parallax, from two new uploads.
  await ada.click(".kind-option:has(input[value=parallax])");
  assert.equal(await ada.isChecked("input[name=background-kind][value=parallax]"), true);
  await ada.fill("#bg-color-text", THEME.base);
  assert.match(await ada.textContent("#theme-problems"), /Layers/, "a parallax theme needs a layer");
  await ada.setInputFiles("#bg-upload", { name: "stars.png", mimeType: "image/png", buffer: starsPng() });
  await ada.waitForSelector(".layer-row[data-index='0']");
  await ada.setInputFiles("#bg-upload", { name: "ribbons.png", mimeType: "image/png", buffer: ribbonsPng() });
  await ada.waitForSelector(".layer-row[data-index='1']");
  assert.equal(await ada.locator(".bg-choice").count(), 2, "both uploads are offered again");
  // Speeds by keyboard: 0.15 → 0.20 and 0.45 → 0.80.
  await ada.focus("#layer-0-speed");
  await ada.keyboard.press("ArrowRight");
  await ada.focus("#layer-1-speed");
  for (let i = 0; i < 7; i++) await ada.keyboard.press("ArrowRight");
  assert.equal(await ada.textContent("#layer-0-speed-out"), "0.20×");
  assert.equal(await ada.textContent("#layer-1-speed-out"), "0.80×");
  // Reordering by keyboard, and back; focus follows the layer.
  const srcs = () => ada.$$eval(".layer-row", (rows) => rows.map((r) => `${r.dataset.index}:${r.querySelector(".slider-value")?.textContent}`));
  assert.deepEqual(await srcs(), ["1:0.80×", "0:0.20×"], "listed front first");
  await ada.focus("#layer-1-down");
  await ada.keyboard.press("Enter");
  assert.deepEqual(await srcs(), ["1:0.20×", "0:0.80×"]);
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "layer-0-up");
  await ada.keyboard.press("Enter");
  assert.deepEqual(await srcs(), ["1:0.80×", "0:0.20×"]);
  // Both layers drawn in the preview, and they move at their speeds when it scrolls.
  await ada.waitForFunction(() => document.querySelectorAll("#theme-preview .parallax-layer[data-state=loaded]").length === 2);
  const previewBefore = await layerTys(ada, "#theme-preview");
  const moved = await scrollMessages(ada, -150, "#theme-preview .preview-scroller");
  const previewAfter = await layerTys(ada, "#theme-preview");
  assert.ok(moved < -100, `the preview scrolls (${moved})`);
  assert.ok(Math.abs(previewAfter[0] - previewBefore[0] - -moved * 0.2) < 1.5, `${previewBefore} → ${previewAfter}`);
  assert.ok(Math.abs(previewAfter[1] - previewBefore[1] - -moved * 0.8) < 1.5, `${previewBefore} → ${previewAfter}`);
  await scrollMessages(ada, 0, "#theme-preview .preview-scroller");
  await ada.$eval(".parallax-fields", (el) => el.scrollIntoView({ block: "start" }));
  await h.shot(ada, "24-parallax-editor");

  await ada.click("#theme-save");
  await ada.waitForSelector(`#theme-library .theme-card[data-name="${THEME.name}"]`);
  assert.match(await ada.textContent("#themes-status"), /Saved Aurora Drift/);
  const card = ada.locator(`#theme-library .theme-card[data-name="${THEME.name}"]`);
  const themeId = await card.getAttribute("data-theme-id");

  // ----------------------------------------------- set for the conversation
  await card.locator("[data-apply=conversation]").click();
  await ada.waitForSelector(`#theme-library .theme-card[data-name="${THEME.name}"] [data-apply=conversation][aria-pressed=true]`);
  await ada.waitForSelector("#themes-shown[data-shown=conversation]");
  assert.match(await ada.textContent("#applied-conversation"), /Aurora Drift · set by you/);
  await ada.waitForFunction(() => document.querySelectorAll("#theme-library .theme-thumb .parallax-layer[data-state=loaded]").length === 2);
  await h.shot(ada, "25-themes-library");
  await ada.keyboard.press("Escape");
  await ada.waitForSelector("#themes-dialog", { state: "hidden" });
  assert.equal(await ada.evaluate(() => document.activeElement?.id), "chat-theme-button", "focus returns to the button");
  assert.equal(await ada.getAttribute(".chat", "data-theme"), "conversation");

  // Bob sees it live: the panel's colours and two loaded layers.
  await bob.waitForSelector(`.chat[data-theme=conversation][data-theme-id="${themeId}"]`);
  const bobLook = await bob.$eval(".chat", (el) => ({
    accent: getComputedStyle(el).getPropertyValue("--accent").trim(),
    bubble: getComputedStyle(el.querySelector(".mine .bubble")).backgroundColor,
    theirs: getComputedStyle(el.querySelector(".theirs .bubble")).color,
  }));
  assert.deepEqual(bobLook, { accent: THEME.accent, bubble: "rgb(124, 58, 237)", theirs: "rgb(30, 27, 75)" });
  await bob.waitForFunction(() => document.querySelectorAll(".chat .chat-bg .parallax-layer[data-state=loaded]").length === 2);
  const bobLayers = await bob.$$eval(".chat .chat-bg .parallax-layer", (els) =>
    els.map((el) => ({ speed: el.dataset.speed, image: getComputedStyle(el).backgroundImage, willChange: getComputedStyle(el).willChange })),
  );
  assert.deepEqual(
    bobLayers.map((l) => [l.speed, l.willChange]),
    [
      ["0.2", "transform"],
      ["0.8", "transform"],
    ],
  );
  assert.ok(bobLayers.every((l) => /^url\("http:\/\/localhost:\d+\//.test(l.image)), "images from storage");
  assert.notEqual(bobLayers[0].image, bobLayers[1].image);

  // Scrolling moves the layers by the scroll times their speeds.
  await scrollMessages(bob, 0);
  await snap(bob, "26-chat-parallax-desktop");
  const before = await layerTys(bob);
  const scrolled = await scrollMessages(bob, -360);
  const after = await layerTys(bob);
  assert.ok(scrolled < -300, `the list scrolls (${scrolled})`);
  const d0 = after[0] - before[0];
  const d1 = after[1] - before[1];
  assert.ok(Math.abs(d0 - -scrolled * 0.2) < 1, `far layer moved ${d0} for ${scrolled}`);
  assert.ok(Math.abs(d1 - -scrolled * 0.8) < 1, `near layer moved ${d1} for ${scrolled}`);
  assert.ok(Math.abs(d1 / d0 - 4) < 0.05, `speeds 0.8 and 0.2 move 4:1, got ${d1 / d0}`);
  // The layers still cover the panel after moving.
  const cover = await bob.$eval(".chat", (chat) => {
    const box = chat.getBoundingClientRect();
    return [...chat.querySelectorAll(".parallax-layer")].map((el) => {
      const r = el.getBoundingClientRect();
      return r.top <= box.top + 0.5 && r.bottom >= box.bottom - 0.5;
    });
  });
  assert.deepEqual(cover, [true, true]);
  await snap(bob, "27-chat-parallax-scrolled-desktop");
  await bob.setViewportSize(PHONE);
  await scrollMessages(bob, 0);
  await nextFrames(bob);
  await snap(bob, "26-chat-parallax-375");
  const phoneBefore = await layerTys(bob);
  const phoneScrolled = await scrollMessages(bob, -420);
  const phoneAfter = await layerTys(bob);
  assert.ok(Math.abs(phoneAfter[1] - phoneBefore[1] - -phoneScrolled * 0.8) < 1);
  await snap(bob, "27-chat-parallax-scrolled-375");
  await bob.setViewportSize(DESKTOP);
  await scrollMessages(bob, 0);

  // Reduced motion: the layers stay at their offsets.
  const still = await h.signIn("bob", { reducedMotion: "reduce" });
  await still.click("#conversations li");
  await still.waitForSelector("#messages li[data-seq='30']");
  await still.waitForFunction(() => document.querySelectorAll(".chat .chat-bg .parallax-layer[data-state=loaded]").length === 2);
  const stillBefore = await layerTys(still);
  const stillScrolled = await scrollMessages(still, -360);
  assert.ok(stillScrolled < -300);
  assert.deepEqual(await layerTys(still), stillBefore);
  assert.deepEqual(stillBefore, [0, 0]);
  await still.context().close();

  // ------------------------------------------------------ publish, market
  await ada.click("#chat-theme-button");
  await ada.waitForSelector(`#theme-library .theme-card[data-name="${THEME.name}"]`);
  await card.locator("[data-action=publish]").click();
  await ada.waitForSelector(`#theme-library .theme-card[data-name="${THEME.name}"] .pill.published`);

  // A hostile name is text, everywhere it shows.
  const hostile = "<img src=x onerror=alert(1)>";
  await ada.click("#new-theme");
  await ada.waitForSelector("#theme-form");
  await ada.fill("#theme-name", hostile);
  // An image background, from an earlier upload, blurred by keyboard.
  await ada.click(".kind-option:has(input[value=image])");
  assert.match(await ada.textContent("#theme-problems"), /Image/);
  await ada.click(".bg-choice >> nth=0");
  await ada.waitForSelector(".bg-choice[aria-pressed=true]");
  await ada.focus("#bg-image-blur");
  for (let i = 0; i < 8; i++) await ada.keyboard.press("ArrowRight");
  assert.equal(await ada.textContent("#bg-image-blur-out"), "4 px");
  await ada.waitForSelector("#theme-preview .chat-bg-image[data-state=loaded]");
  assert.equal(await ada.$eval("#theme-preview .chat-bg-image", (el) => getComputedStyle(el).filter), "blur(4px)");
  await ada.click("#theme-save");
  const hostileCard = ada.locator("#theme-library .theme-card", { hasText: hostile });
  await hostileCard.waitFor();
  assert.equal(await hostileCard.locator(".theme-card-name").textContent(), hostile);
  await hostileCard.locator(".chat-bg-image[data-state=loaded]").waitFor();
  await hostileCard.locator("[data-action=publish]").click();
  await ada.waitForSelector("#theme-library .theme-card .pill.published >> nth=1");
  assert.equal(await ada.locator("img[src='x']").count(), 0);
  await ada.keyboard.press("Escape");

  // Enough published themes for a second page.
  for (let i = 1; i <= 12; i++) {
    const made = await api(ada, "POST", "/api/themes", {
      name: `Swatch ${i}`,
      colors: { accent: "#0ea5e9", own_bubble: "#0369a1", own_text: "#ffffff", other_bubble: "#ffffff", other_text: "#0f172a" },
      background: { kind: "gradient", angle: i * 30, stops: ["#0c4a6e", `#${(0x22d3ee + i * 0x0a0000).toString(16).slice(-6)}`] },
    });
    assert.equal(made.status, 201);
    assert.equal((await api(ada, "PUT", `/api/themes/${made.body.theme_id}/published`)).status, 200);
  }

  // Bob browses: newest first, a page at a time.
  await bob.click("#open-themes");
  await bob.waitForSelector("#themes-dialog[open]");
  await bob.click("#themes-tab-market");
  await bob.waitForSelector("#market-grid .market-card");
  assert.equal(await bob.locator("#market-grid .market-card").count(), 12);
  assert.equal(await bob.getAttribute("#market-grid .market-card >> nth=0", "data-name"), "Swatch 12");
  await bob.click("#market-more");
  await bob.waitForFunction(() => document.querySelectorAll("#market-grid .market-card").length === 14);
  assert.equal(await bob.locator("#market-more").count(), 0, "no more pages");
  const auroraCard = bob.locator(`#market-grid .market-card[data-name="${THEME.name}"]`);
  assert.match(await auroraCard.textContent(), /by @ada/);
  assert.equal(await auroraCard.locator(".market-copies").getAttribute("data-copies"), "0");
  const hostileMarket = bob.locator("#market-grid .market-card", { hasText: hostile });
  assert.equal(await hostileMarket.locator(".theme-card-name").textContent(), hostile);
  assert.equal(await bob.locator("img[src='x']").count(), 0);
  // Most copied, by keyboard.
  await bob.focus("#market-order-newest");
  await bob.keyboard.press("ArrowRight");
  await bob.waitForSelector("#market-order-most_copied[aria-selected=true]");
  await bob.waitForSelector("#market-grid .market-card");
  await bob.focus("#market-order-most_copied");
  await bob.keyboard.press("ArrowLeft");
  await bob.waitForSelector("#market-order-newest[aria-selected=true]");
  await bob.click("#market-more");
  await auroraCard.waitFor();
  await bob.waitForFunction(
    (name) => [...document.querySelectorAll(`#market-grid .market-card[data-name="${name}"] .parallax-layer`)].every((l) => l.dataset.state === "loaded"),
    THEME.name,
  );
  await auroraCard.scrollIntoViewIfNeeded();
  await h.shot(bob, "28-market");

  // Preview in the chat, then copy from there.
  await auroraCard.locator("[data-action=preview]").click();
  await bob.waitForSelector("#themes-dialog", { state: "hidden" });
  await bob.waitForSelector(".chat[data-theme=preview]");
  assert.match(await bob.textContent("#theme-preview-bar"), /Previewing Aurora Drift by @ada/);
  await bob.waitForFunction(() => document.querySelectorAll(".chat .chat-bg .parallax-layer[data-state=loaded]").length === 2);
  await h.shot(bob, "29-market-preview");
  await bob.click("#preview-copy");
  await bob.waitForSelector("#preview-copy:has-text('In your themes')");
  await bob.click("#preview-end");
  await bob.waitForSelector(".chat[data-theme=conversation]");

  // The market counts the copy; Bob's library has it.
  await bob.click("#open-themes");
  await bob.click("#themes-tab-market");
  await bob.waitForSelector("#market-grid .market-card");
  await bob.click("#market-more");
  await bob.waitForSelector(`#market-grid .market-card[data-name="${THEME.name}"] .market-copies[data-copies="1"]`);
  assert.match(await auroraCard.locator(".market-copies").textContent(), /^1 copy$/);
  assert.equal(await auroraCard.locator("[data-action=copy]").isDisabled(), true);
  await bob.click("#themes-tab-library");
  const copyCard = bob.locator(`#theme-library .theme-card[data-name="${THEME.name}"]`);
  await copyCard.waitFor();
  assert.match(await copyCard.textContent(), /From the market/);
  assert.notEqual(await copyCard.getAttribute("data-theme-id"), themeId, "an independent copy");
  await bob.waitForFunction(() => document.querySelectorAll("#theme-library .parallax-layer[data-state=loaded]").length === 2);
  // Bob's own choice for the chat wins over the conversation's theme, and clears back.
  await copyCard.locator("[data-apply=override]").click();
  await bob.waitForSelector("#themes-shown[data-shown=override]");
  await h.shot(bob, "30-themes-library-bob");
  await bob.click("#applied-override button");
  await bob.waitForSelector("#themes-shown[data-shown=conversation]");
  await bob.keyboard.press("Escape");

  // In a group only admins set the theme everyone sees: Bob's choice is disabled and says why.
  const bobId = (await api(ada, "GET", "/api/users/bob")).body.user_id;
  const group = await api(ada, "POST", "/api/conversations", { kind: "group", title: "Stargazers", member_ids: [bobId] });
  assert.equal(group.status, 201);
  const forbidden = await api(bob, "PUT", `/api/conversations/${group.body.conversation_id}/theme`, { theme_id: await copyCard.getAttribute("data-theme-id") });
  assert.equal(forbidden.status, 403);
  await bob.reload();
  await bob.click("#conversations li:has-text('Stargazers')");
  await bob.waitForSelector(".chat-title:has-text('Stargazers')");
  await bob.click("#chat-theme-button");
  await bob.waitForSelector(`#theme-library .theme-card[data-name="${THEME.name}"]`);
  const groupToggle = bob.locator(`#theme-library .theme-card[data-name="${THEME.name}"] [data-apply=conversation]`);
  assert.equal(await groupToggle.isDisabled(), true);
  assert.equal(await groupToggle.getAttribute("aria-describedby"), "group-admin-note");
  assert.match(await bob.textContent("#group-admin-note"), /Only admins of Stargazers/);
  assert.equal(await bob.locator(`#theme-library .theme-card[data-name="${THEME.name}"] [data-apply=override]`).isDisabled(), false);
  await h.shot(bob, "31-themes-group-member");
  await bob.keyboard.press("Escape");

  assert.deepEqual(h.problems, []);
  await ada.context().close();
  await bob.context().close();
});
