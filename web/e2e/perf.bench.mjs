// The web client's figures for `make bench` (not a test: it asserts only
// that each step happened, and prints one JSON object on stdout):
//
// - a cold load (new context, empty cache) to the sign-in form: navigation
//   timings, first contentful paint and bytes transferred;
// - Bob signing in to a direct chat of 200 messages, all new to him: from
//   pressing "Sign in" to his conversation list, and from opening the chat
//   to its first message on screen, then to all 200 there (it opens at the
//   "New messages" line, so its older pages load one after another), with
//   the time between animation frames meanwhile;
// - once the chat has settled, scrolling it, its theme's four parallax
//   layers moving, one step per frame for three seconds: the time between
//   animation frames.
//
//   CHITTER_LOCAL_BIN=target/speed/chitter-local node e2e/perf.bench.mjs

import { Harness, PASSWORD, png } from "./harness.mjs";

const MESSAGES = 200;
// Rate limits off: the setup sends 200 messages as fast as it can.
const h = new Harness({ args: ["--rate-limits", "false"] });

/** A call to the API from a signed-in page, as the client makes them. */
function api(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const token = JSON.parse(localStorage.getItem("chitter.session")).access_token;
      const res = await fetch(path, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    [method, path, body],
  );
}

/** A background image: soft stripes of one hue, different per layer. */
function layerPng(i) {
  const hue = [[40, 60, 140], [90, 40, 150], [20, 120, 160], [160, 60, 120]][i];
  return png(800, 600, (x, y) => {
    const band = Math.floor((y + x / 3 + i * 37) / 40) % 2;
    return [hue[0] + band * 40, hue[1] + band * 40, hue[2] + band * 40, band ? 200 : 90];
  });
}

async function upload(page, bytes) {
  const ticket = await api(page, "POST", "/api/uploads", { kind: "background", content_type: "image/png", size: bytes.length });
  const res = await fetch(ticket.upload.url, { method: "PUT", headers: Object.fromEntries(ticket.upload.headers), body: bytes });
  if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
  await api(page, "POST", `/api/uploads/${ticket.upload_id}/finalize`, {});
  return ticket.upload_id;
}

/** Sends `n` messages over the page's own WebSocket, waiting for each to be stored. */
function sendMany(page, conversationId, n) {
  return page.evaluate(
    async ([conversationId, n]) => {
      const token = JSON.parse(localStorage.getItem("chitter.session")).access_token;
      const t = await fetch("/api/auth/ticket", { method: "POST", headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
      const ws = new WebSocket(`${location.origin.replace("http", "ws")}/ws?ticket=${t.ticket}`);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      let stored = 0;
      const done = new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error(`${stored} of ${n} messages stored in 30 s`)), 30_000);
        ws.onmessage = (e) => {
          const f = JSON.parse(e.data);
          if (f.type === "error") reject(new Error(`refused: ${e.data}`));
          if (f.type === "ack" && f.status === "persisted" && ++stored === n) resolve();
        };
      });
      for (let i = 1; i <= n; i++) {
        const text = `Message ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(1 + (i % 3))}`;
        ws.send(JSON.stringify({ action: "send", id: `perf-${i}`, conversation_id: conversationId, text }));
      }
      await done;
      ws.close();
    },
    [conversationId, n],
  );
}

async function main() {
  await h.start();
  const out = {};

  // 1. Cold load.
  const cold = await h.newPage();
  await h.openApp(cold);
  out.load = await cold.evaluate(async () => {
    const nav = performance.getEntriesByType("navigation")[0];
    // Paint entries arrive a frame late: observe them, buffered.
    const fcp = await new Promise((resolve) => {
      setTimeout(() => resolve(null), 2000);
      new PerformanceObserver((list) => {
        const entry = list.getEntries().find((e) => e.name === "first-contentful-paint");
        if (entry) resolve(entry.startTime);
      }).observe({ type: "paint", buffered: true });
    });
    const resources = performance.getEntriesByType("resource");
    return {
      dom_content_loaded_ms: nav.domContentLoadedEventEnd,
      load_ms: nav.loadEventEnd,
      first_contentful_paint_ms: fcp,
      transferred_bytes: resources.reduce((n, r) => n + r.transferSize, nav.transferSize),
    };
  });
  await cold.context().close();

  // 2. Ada sets up a chat with Bob: a four-layer parallax theme, 200 messages.
  const ada = await h.signUp("ada");
  await ada.evaluate(
    async ([password]) => {
      const res = await fetch("/api/auth/signup", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ handle: "bob", password }),
      });
      if (!res.ok) throw new Error(`bob: ${res.status}`);
    },
    [PASSWORD],
  );
  const chat = await api(ada, "POST", "/api/conversations", { kind: "direct", handle: "bob" });
  const layers = [];
  for (let i = 0; i < 4; i++) {
    layers.push({ upload_id: await upload(ada, layerPng(i)), speed: [0.1, 0.3, 0.6, 0.9][i], offset_y: 0, opacity: 1, blur: 0 });
  }
  const theme = await api(ada, "POST", "/api/themes", {
    name: "Four layers",
    colors: { accent: "#c084fc", own_bubble: "#7c3aed", own_text: "#ffffff", other_bubble: "#f5f3ff", other_text: "#1e1b4b" },
    background: { kind: "parallax", color: "#0b1026", layers },
  });
  await api(ada, "PUT", `/api/conversations/${chat.conversation_id}/theme`, { theme_id: theme.theme_id });
  await sendMany(ada, chat.conversation_id, MESSAGES);
  await ada.context().close();

  // 3. Bob signs in and opens the chat: both steps timed in the page.
  const bob = await h.newPage();
  await h.openApp(bob);
  await bob.fill("input[name=handle]", "bob");
  await bob.fill("input[name=password]", PASSWORD);
  out.first_message = await bob.evaluate(async (n) => {
    const until = (test) =>
      new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error(`not seen in 15 s: ${test}`)), 15_000);
        if (test()) return resolve(performance.now());
        const seen = new MutationObserver(() => {
          if (test()) {
            seen.disconnect();
            resolve(performance.now());
          }
        });
        seen.observe(document.body, { childList: true, subtree: true, attributes: true });
      });
    const t0 = performance.now();
    document.querySelector("button[value=signin]").click();
    const listed = await until(() => document.querySelector("#conversations li"));
    // Frames from the click on: the opening's pages render between them.
    const deltas = [];
    let frames = true;
    let last = performance.now();
    const frame = (now) => {
      deltas.push(now - last);
      last = now;
      if (frames) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const t1 = performance.now();
    document.querySelector("#conversations li button").click();
    const shown = await until(() => document.querySelector("#messages li[data-seq]"));
    const all = await until(() => document.querySelectorAll("#messages li[data-seq]").length >= n);
    // The frames that lay out and paint the last page count too: a frame's
    // layout and paint come after its animation-frame callbacks, so its time
    // shows in the next one's delta. Stop two frames on.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    frames = false;
    return {
      sign_in_to_list_ms: listed - t0,
      open_to_first_message_ms: shown - t1,
      open_to_all_messages_ms: all - t1,
      opening_frames: deltas.length,
      opening_max_frame_ms: Math.max(...deltas),
      opening_long_frames: deltas.filter((d) => d > 50).length,
    };
  }, MESSAGES);
  await bob.waitForFunction(() => document.querySelectorAll(".chat .chat-bg .parallax-layer[data-state=loaded]").length === 4);
  // Settled: a second of frames with nothing left to load or draw.
  await bob.evaluate(
    () =>
      new Promise((resolve) => {
        let n = 0;
        const frame = () => (++n < 60 ? requestAnimationFrame(frame) : resolve());
        requestAnimationFrame(frame);
      }),
  );

  // 4. Scroll the settled chat one step a frame for three seconds; time the frames.
  out.scroll = await bob.evaluate(async () => {
    const el = document.querySelector(".chat .messages-scroller");
    const range = el.scrollHeight - el.clientHeight;
    const deltas = [];
    let last = performance.now();
    const start = last;
    let direction = -1;
    await new Promise((resolve) => {
      const frame = (now) => {
        deltas.push(now - last);
        last = now;
        // The list is bottom-anchored: scrollTop runs from 0 up to -range.
        let next = el.scrollTop + direction * 24;
        if (next <= -range || next >= 0) {
          direction = -direction;
          next = Math.max(-range, Math.min(0, next));
        }
        el.scrollTop = next;
        if (now - start < 3000) requestAnimationFrame(frame);
        else resolve();
      };
      requestAnimationFrame(frame);
    });
    deltas.shift();
    const sorted = [...deltas].sort((a, b) => a - b);
    const q = (p) => sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
    return {
      frames: deltas.length,
      scroll_range_px: range,
      layers: document.querySelectorAll(".chat .chat-bg .parallax-layer").length,
      p50_ms: q(0.5),
      p99_ms: q(0.99),
      max_ms: sorted[sorted.length - 1],
      long_frames: deltas.filter((d) => d > 50).length,
    };
  });
  if (out.scroll.scroll_range_px < 500) throw new Error(`the chat hardly scrolls (${out.scroll.scroll_range_px} px)`);
  await bob.context().close();
  if (h.problems.length) throw new Error(`the pages reported problems: ${h.problems.join("; ")}`);
  console.log(JSON.stringify(out));
}

try {
  await main();
} finally {
  await h.stop();
}
