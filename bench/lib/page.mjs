// A minimal browser over the verification page, on plain HTTP (as test/support/browser.ts is
// inside the tests): a cookie jar, the form token of the last page seen, one CF-Connecting-IP,
// the bench clock (X-Bench-Now) and 303s followed as a browser follows them. Loopback only.

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
/** @param {string} s */
const decodeEntities = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[/** @type {keyof typeof ENTITIES} */ (e)]);

/** @typedef {{ status: number, html: string, location: string | null }} Page */

/**
 * @param {string} origin the Worker's
 * @param {{ ip: string, now?: () => number | null }} options now: the bench clock's epoch ms for each request (null: none)
 */
export function browser(origin, { ip, now = () => null }) {
  if (new URL(origin).hostname !== "127.0.0.1") throw new Error(`refusing ${origin}: loopback only`);
  /** @type {Map<string, string>} */
  const jar = new Map();
  let csrf = "";

  /** @param {string} path @param {RequestInit} init @returns {Promise<Page>} */
  async function request(path, init) {
    const stamp = now();
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    /** @type {Record<string, string>} */
    const headers = {
      "CF-Connecting-IP": ip,
      ...(stamp === null ? {} : { "X-Bench-Now": String(Math.round(stamp)) }),
      ...(cookie ? { Cookie: cookie } : {}),
      .../** @type {Record<string, string>} */ (init.headers ?? {}),
    };
    const res = await fetch(new URL(path, origin), { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    const html = await res.text();
    const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) csrf = token;
    return { status: res.status, html, location: res.headers.get("Location") };
  }

  /** GET, following a 303 as a browser does. @param {string} path */
  async function get(path) {
    const res = await request(path, { method: "GET" });
    return res.status === 303 && res.location ? request(res.location, { method: "GET" }) : res;
  }

  /** POST a form with this page's token, as a browser does from our own origin. @param {string} path @param {Record<string, string>} form */
  const post = (path, form) =>
    request(path, {
      method: "POST",
      body: new URLSearchParams({ csrf, ...form }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
    });

  /** POST, then follow a 303 as a browser does. @param {string} path @param {Record<string, string>} form */
  async function submit(path, form) {
    const res = await post(path, form);
    return res.status === 303 && res.location ? get(res.location) : res;
  }

  /** One GET, its answer as it is (a 303 not followed). @param {string} path */
  const getOnce = (path) => request(path, { method: "GET" });

  return { get, getOnce, post, submit, jar };
}

/** @typedef {ReturnType<typeof browser>} Browser */

/** A page's visible text, for error messages. @param {string} html */
export const text = (html) =>
  decodeEntities(
    html
      .replace(/<style[\s\S]*?<\/style>/g, "")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  ).slice(0, 300);

/** Fails unless the page holds a form posting to `action`. @param {Page} page @param {string} action @param {string} where */
export function expectForm(page, action, where) {
  if (!page.html.includes(`action="${action}"`)) throw new Error(`${where}: expected a form for ${action}, got ${page.status} ${text(page.html)}`);
  return page;
}

/** The code-entry page, the code, Continue: ends on the sign-in page (or consent, if already signed in). @param {Browser} b @param {string} userCode */
export async function enterAndConfirm(b, userCode) {
  expectForm(await b.get("/device"), "/device", "code entry");
  expectForm(await b.submit("/device", { user_code: userCode }), "/device/confirm", "after the code");
  return b.submit("/device/confirm", {});
}

/** Sign in as a built-in user: ends on the consent page. @param {Browser} b */
export async function signInWithPassword(b, username = "demo", password = "demo") {
  return expectForm(await b.submit("/device/sign-in", { username, password }), "/device/consent", "after sign-in");
}

/**
 * "Sign in with …": the hand-off page, the provider (which answers with a redirect back at
 * once), the callback. Ends on the consent page.
 * @param {Browser} b @param {string} provider its id @param {string} issuer the provider's URL, to find the hand-off link
 */
export async function signInWithProvider(b, provider, issuer) {
  const callback = await callbackFor(b, provider, issuer);
  return expectForm(await b.get(callback), "/device/consent", "after the callback");
}

/**
 * Up to the callback: the path (and query) the provider sends the browser back to, not yet opened.
 * @param {Browser} b @param {string} provider @param {string} issuer
 */
export async function callbackFor(b, provider, issuer) {
  const handoff = await b.post("/device/federation", { provider });
  const href = [...handoff.html.matchAll(/href="([^"]+)"/g)].map((m) => decodeEntities(m[1] ?? "")).find((h) => h.startsWith(issuer));
  if (!href) throw new Error(`no hand-off link to ${issuer}: ${handoff.status} ${text(handoff.html)}`);
  const authorize = new URL(href);
  if (authorize.hostname !== "127.0.0.1") throw new Error(`refusing ${authorize.origin}: loopback only`);
  const res = await fetch(authorize, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
  const back = res.headers.get("Location");
  await res.arrayBuffer();
  if (res.status !== 302 || !back) throw new Error(`the provider answered ${res.status}, not a redirect back`);
  const url = new URL(back);
  return `${url.pathname}${url.search}`;
}

/** Approve or deny on the consent page: ends on the done page. @param {Browser} b @param {"approve" | "deny"} action */
export async function decide(b, action) {
  const done = await b.submit("/device/consent", { action });
  if (done.status !== 200) throw new Error(`consent ${action}: ${done.status} ${text(done.html)}`);
  return done;
}
