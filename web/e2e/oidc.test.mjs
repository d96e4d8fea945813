// Signing in with an OpenID provider, end to end.
//
// The test runs its own provider on 127.0.0.1 (a discovery document, an
// ES256 key set, and an /authorize that approves at once, answering with an
// ID token in the fragment), and chitter-local trusts it as "Test ID". A
// server without a provider shows no button; while the provider cannot be
// reached a quiet note stands in for it. Grace signs in by keyboard: the
// first time makes her account (@grace_h, "Grace Hopper"), signing out and in
// again finds it. A refusal at the provider, an answer whose state was not
// made in this tab, and a token the server refuses each leave her on the
// sign-in screen with a message; only the last sends its token.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import { Harness, PHONE } from "./harness.mjs";

const CLIENT_ID = "chitter-e2e";

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/**
 * A small OpenID provider. `discoveryDown` makes its discovery document
 * fail; `deny` makes /authorize answer `access_denied`. Every authorization
 * request's parameters are kept in `authorizations`.
 */
async function startProvider() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "e2e-key-1";
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
  const p = { issuer: "", discoveryDown: false, deny: false, authorizations: [], server: null };

  /** A signed ID token for Grace with these claims on top. */
  p.idToken = (claims) => {
    const now = Math.floor(Date.now() / 1000);
    const body = {
      iss: p.issuer,
      aud: CLIENT_ID,
      sub: "idp-user-1",
      iat: now,
      exp: now + 300,
      preferred_username: "Grace.H",
      name: "Grace Hopper",
      email: "grace@example.com",
      ...claims,
    };
    const data = `${b64url({ alg: "ES256", typ: "JWT", kid })}.${b64url(body)}`;
    const signature = sign("sha256", Buffer.from(data), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return `${data}.${signature.toString("base64url")}`;
  };

  p.server = createServer((req, res) => {
    const url = new URL(req.url, p.issuer);
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      if (p.discoveryDown) return send(503, { error: "temporarily_unavailable" });
      return send(200, {
        issuer: p.issuer,
        authorization_endpoint: `${p.issuer}/authorize`,
        jwks_uri: `${p.issuer}/jwks`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["ES256"],
      });
    }
    if (req.method === "GET" && url.pathname === "/jwks") return send(200, { keys: [jwk] });
    if (req.method === "GET" && url.pathname === "/authorize") {
      const q = url.searchParams;
      p.authorizations.push(Object.fromEntries(q));
      const redirect = q.get("redirect_uri");
      if (q.get("client_id") !== CLIENT_ID || !redirect) return send(400, { error: "invalid_request" });
      const answer = new URLSearchParams();
      if (p.deny || q.get("login_hint") === "deny") answer.set("error", "access_denied");
      else answer.set("id_token", p.idToken({ nonce: q.get("nonce") }));
      answer.set("state", q.get("state") ?? "");
      res.writeHead(302, { location: `${redirect}#${answer}` });
      return res.end();
    }
    return send(404, { error: "not_found" });
  });
  await new Promise((resolve) => p.server.listen(0, "127.0.0.1", resolve));
  p.issuer = `http://127.0.0.1:${p.server.address().port}`;
  return p;
}

let provider;
let h;
before(async () => {
  provider = await startProvider();
  h = new Harness({ args: ["--oidc-issuer", provider.issuer, "--oidc-client-id", CLIENT_ID, "--oidc-name", "Test ID"] });
  await h.start();
});
after(async () => {
  await h?.stop();
  if (provider) {
    provider.server.closeAllConnections();
    await new Promise((resolve) => provider.server.close(resolve));
  }
});

/** The bodies of every `POST /api/auth/oidc` the page sends (not `/start`). */
function watchSignIns(page) {
  const posts = [];
  page.on("request", (req) => {
    if (isSignIn(req)) posts.push(req.postDataJSON());
  });
  return posts;
}

const isSignIn = (req) => req.method() === "POST" && new URL(req.url()).pathname === "/api/auth/oidc";

/** The answer to the next `POST /api/auth/oidc`. */
const nextSignIn = (page) => page.waitForResponse((res) => isSignIn(res.request()));

const session = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("chitter.session")));
const pending = (page) => page.evaluate(() => sessionStorage.getItem("chitter.oidc"));

/** `GET /api/me` with the session the page stored. */
const me = (page) =>
  page.evaluate(async () => {
    const token = JSON.parse(localStorage.getItem("chitter.session")).access_token;
    const res = await fetch("/api/me", { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  });

/** Tabs from "Create account" to the provider's button and presses Enter. */
async function pressProviderButton(page) {
  await page.waitForSelector("#auth[data-oidc=ready] #oidc-signin:not([disabled])");
  await page.focus("#auth-form button[value=signup]");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "oidc-signin", "the button comes next in tab order");
  await page.keyboard.press("Enter");
}

test("a server without a provider shows no provider button", async () => {
  const plain = new Harness();
  await plain.start();
  try {
    const res = await fetch(`${plain.base}/api/auth/oidc`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { code: "not_found", message: "OpenID sign-in not found" });
    const page = await plain.newPage();
    await plain.openApp(page);
    await page.waitForSelector("#auth[data-oidc=none]");
    assert.equal(await page.locator("#oidc-signin, #oidc-unavailable, .auth-or").count(), 0);
    assert.deepEqual(plain.problems, []);
  } finally {
    await plain.stop();
  }
});

test("while the provider cannot be reached a quiet note stands in for the button", async () => {
  provider.discoveryDown = true;
  const res = await fetch(`${h.base}/api/auth/oidc`);
  assert.equal(res.status, 503);
  assert.equal((await res.json()).code, "unavailable");

  const page = await h.newPage();
  await h.openApp(page);
  await page.waitForSelector("#auth[data-oidc=unavailable]");
  assert.equal(await page.locator("#oidc-signin").count(), 0);
  assert.match(await page.textContent("#oidc-unavailable"), /Single sign-on is unavailable right now/);
  assert.equal(await page.textContent("#auth-error"), "", "not an error: the password form still works");
  await h.shot(page, "oidc-01-provider-unavailable");

  // Once the provider answers, a reload shows the button.
  provider.discoveryDown = false;
  await page.reload();
  await page.waitForSelector("#auth[data-oidc=ready]");
  assert.equal(await page.textContent("#oidc-signin"), "Sign in with Test ID");
  assert.equal(await page.locator("#oidc-unavailable").count(), 0);
  assert.deepEqual(h.problems, []);
  await page.context().close();
});

test("signing in with the provider makes the account, and finds it again next time", async () => {
  const page = await h.newPage();
  const posts = watchSignIns(page);
  await h.openApp(page);
  await page.waitForSelector("#auth[data-oidc=ready]");
  assert.equal(await page.textContent("#oidc-signin"), "Sign in with Test ID");
  assert.equal(await page.getAttribute("#oidc-signin", "type"), "button");
  await h.shot(page, "oidc-02-sign-in");

  const made = nextSignIn(page);
  await pressProviderButton(page);
  assert.equal((await made).status(), 201, "this sign-in made the account");
  await page.waitForSelector('#me:has-text("@grace_h")');
  await page.waitForSelector("#status.online");
  assert.equal(await page.textContent(".me-name"), "Grace Hopper");

  // The provider was asked for an ID token by the implicit flow, to come back here.
  assert.equal(provider.authorizations.length, 1);
  const asked = provider.authorizations[0];
  assert.deepEqual(
    { ...asked, state: typeof asked.state, nonce: typeof asked.nonce },
    {
      client_id: CLIENT_ID,
      response_type: "id_token",
      scope: "openid email profile",
      redirect_uri: `${h.base}/`,
      state: "string",
      nonce: "string",
      response_mode: "fragment",
    },
  );
  assert.ok(asked.state.length >= 40 && asked.nonce.length > 0);

  // The token left the address bar, and the stored state went with it.
  assert.equal(page.url(), `${h.base}/`);
  assert.doesNotMatch(page.url(), /id_token|state=/);
  assert.equal(await pending(page), null);

  // One sign-in sent; it made the account.
  assert.equal(posts.length, 1);
  assert.deepEqual(Object.keys(posts[0]), ["id_token"]);
  const first = await session(page);
  const mine = await me(page);
  assert.equal(mine.status, 200);
  assert.deepEqual(
    { handle: mine.body.handle, display_name: mine.body.display_name, user_id: mine.body.user_id },
    { handle: "grace_h", display_name: "Grace Hopper", user_id: first.user.user_id },
  );
  await h.shot(page, "oidc-03-signed-in");

  // Out, and in again with the button: the same account.
  await page.click("#signout");
  await page.waitForSelector("#auth-form");
  assert.equal(await session(page), null);
  const found = nextSignIn(page);
  await pressProviderButton(page);
  assert.equal((await found).status(), 200, "found, not made");
  await page.waitForSelector('#me:has-text("@grace_h")');
  await page.waitForSelector("#status.online");
  assert.equal(provider.authorizations.length, 2);
  assert.notEqual(provider.authorizations[1].state, asked.state, "a new state for each sign-in");
  assert.notEqual(provider.authorizations[1].nonce, asked.nonce, "a new nonce for each sign-in");
  assert.equal(posts.length, 2);
  const second = await session(page);
  assert.equal(second.user.user_id, first.user.user_id);
  assert.equal((await me(page)).body.handle, "grace_h");
  assert.doesNotMatch(page.url(), /id_token/);

  assert.deepEqual(h.problems, []);
  await page.context().close();
});

/** What on the sign-in screen is wider than its box (the page scrolls sideways, or the card or button is cut). */
const overflowsSideways = (page) =>
  page.evaluate(() =>
    [document.documentElement, ...document.querySelectorAll(".auth-card, #oidc-signin, .auth-oidc-label")]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.id || el.className || el.tagName),
  );

test("on a phone: a refusal at the provider is said in words, and nothing is sent", async () => {
  const page = await h.newPage({ viewport: PHONE, colorScheme: "dark", reducedMotion: "reduce" });
  const posts = watchSignIns(page);
  await h.openApp(page);
  await page.waitForSelector("#auth[data-oidc=ready]");
  assert.equal(await page.isVisible("#oidc-signin"), true);
  assert.deepEqual(await overflowsSideways(page), [], "nothing scrolls sideways at 375 px");
  const box = await page.locator("#oidc-signin").boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, "the button fits the screen");
  await h.shot(page, "oidc-04-sign-in-phone-dark");

  provider.deny = true;
  try {
    await pressProviderButton(page);
    await page.waitForSelector("#auth-error:has-text('Sign-in with Test ID was cancelled or not allowed.')");
  } finally {
    provider.deny = false;
  }
  await page.waitForSelector("#auth[data-oidc=ready] #oidc-signin:not([disabled])");
  assert.equal(await page.isVisible("#auth-form"), true);
  assert.equal(await page.locator("#app").count(), 0);
  assert.doesNotMatch(page.url(), /error|state=/);
  assert.equal(await pending(page), null);
  assert.equal(posts.length, 0);
  assert.deepEqual(await overflowsSideways(page), []);
  await h.shot(page, "oidc-05-refused-phone-dark");

  assert.deepEqual(h.problems, []);
  await page.context().close();
});

test("an answer whose state was not made in this tab is not used", async () => {
  const page = await h.newPage();
  const posts = watchSignIns(page);

  // No sign-in started here at all.
  await page.goto(`${h.base}/#id_token=x&state=wrong`);
  await page.waitForSelector("#auth[data-oidc=ready]");
  await page.waitForSelector("#auth-error:has-text('doesn’t match a sign-in started in this tab')");
  assert.equal(page.url(), `${h.base}/`);

  // A sign-in started here, and a genuine token for it, but under another state.
  const started = await (await fetch(`${h.base}/api/auth/oidc/start`, { method: "POST" })).json();
  await page.evaluate((nonce) => sessionStorage.setItem("chitter.oidc", JSON.stringify({ state: "the-right-one", nonce, name: "Test ID" })), started.nonce);
  const token = provider.idToken({ nonce: started.nonce });
  await page.goto("about:blank");
  await page.goto(`${h.base}/#id_token=${token}&state=the-wrong-one`);
  await page.waitForSelector("#auth[data-oidc=ready]");
  await page.waitForSelector("#auth-error:has-text('doesn’t match a sign-in started in this tab')");
  assert.equal(page.url(), `${h.base}/`);
  assert.equal(await pending(page), null, "one answer spends the sign-in");
  assert.equal(await page.locator("#app").count(), 0);
  await h.shot(page, "oidc-06-state-mismatch");

  assert.equal(posts.length, 0, "no token was sent");
  assert.deepEqual(h.problems, []);
  await page.context().close();
});

test("a token the server refuses leaves the server's reason on the sign-in screen", async () => {
  const page = await h.newPage();
  const posts = watchSignIns(page);
  await h.openApp(page);
  // State and nonce agree, but the server never issued this nonce.
  await page.evaluate(() => sessionStorage.setItem("chitter.oidc", JSON.stringify({ state: "s-1", nonce: "made-up", name: "Test ID" })));
  await page.goto("about:blank");
  const token = provider.idToken({ nonce: "made-up" });
  const refused = nextSignIn(page);
  await page.goto(`${h.base}/#id_token=${token}&state=s-1`);
  const answer = await refused;
  assert.equal(answer.status(), 401);
  const reason = await answer.json();
  assert.equal(reason.code, "unauthorized");
  await page.waitForSelector(`#auth-error:has-text(${JSON.stringify(`Couldn’t sign in with Test ID: ${reason.message}`)})`);
  assert.equal(reason.message, "the nonce is unknown, expired or used");
  assert.deepEqual(posts, [{ id_token: token }]);
  assert.equal(await page.locator("#app").count(), 0);
  assert.equal(await session(page), null);
  assert.equal(page.url(), `${h.base}/`);
  // The screen is usable again.
  await page.waitForSelector("#auth[data-oidc=ready] #oidc-signin:not([disabled])");
  assert.equal(await page.isEnabled("#auth-form button[value=signin]"), true);

  assert.deepEqual(h.problems, []);
  await page.context().close();
});
