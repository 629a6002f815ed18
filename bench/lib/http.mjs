// The bench's own HTTP calls (Node side, sequential or lightly concurrent): device codes
// minted through the Worker, polls, and the emulator's control and Authlete APIs. The load
// itself comes from wrk (lib/wrk.mjs), never from here.
import { readDevVars } from "../../scripts/dev-vars.mjs";

const devVars = readDevVars();
export const SERVICE_ID = devVars.AUTHLETE_SERVICE_ID ?? "5550001";
export const BEARER = `Bearer ${devVars.AUTHLETE_SERVICE_ACCESS_TOKEN}`;
export const FORM = "application/x-www-form-urlencoded";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** The body of a device's token poll for `code`. @param {string} code */
export const pollForm = (code) => `client_id=demo-device&grant_type=${encodeURIComponent(DEVICE_GRANT)}&device_code=${code}`;

/**
 * The JSON fields the bench reads from any answer (the Worker's, Authlete's, the emulator's).
 * All optional: an answer is checked for the field before it is used.
 * @typedef {{ device_code?: string, user_code?: string, interval?: number, error?: string, issuer?: string,
 *   access_token?: string, action?: string, responseContent?: string }} Json
 */

/**
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string }} [init]
 * @returns {Promise<{ status: number, headers: Headers, text: string, json: Json | null }>}
 */
export async function http(url, { method = "GET", headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  /** @type {Json | null} */
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // HTML or empty
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** @typedef {(method: string, path: string, body?: unknown) => Promise<unknown>} Control resolves to the parsed JSON answer, if any */

/**
 * The emulator's control API (/_emulator/…): reset, service settings, clock, request log.
 * @param {string} base the emulator's origin
 * @returns {Control}
 */
export function emulatorControl(base) {
  return async (method, path, body) => {
    const init = body === undefined ? { method } : { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`emulator control ${method} ${path}: ${res.status} ${text}`);
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  };
}

/**
 * Authlete's API as the Worker calls it (POST /api/{serviceId}/…, Bearer), on the emulator.
 * @param {string} base the emulator's origin
 */
export function authleteApi(base) {
  return (/** @type {string} */ path, /** @type {unknown} */ body) =>
    http(`${base}/api/${SERVICE_ID}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: BEARER },
      body: JSON.stringify(body),
    });
}

/** @typedef {{ deviceCode: string, userCode: string, interval: number }} DeviceCode */

/**
 * Device codes from the Worker's own /device_authorization, so the Worker creates each one's
 * grant (src/grant/), `concurrency` requests at a time.
 * @param {string} origin
 * @param {number} n
 * @returns {Promise<DeviceCode[]>}
 */
export async function createCodes(origin, n, { headers = {}, concurrency = 16 } = {}) {
  /** @type {DeviceCode[]} */
  const codes = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < n && failures < 20) {
      next++;
      const request = () =>
        http(`${origin}/device_authorization`, {
          method: "POST",
          headers: { "Content-Type": FORM, ...headers },
          body: "client_id=demo-device&scope=openid",
        });
      // Each code makes two Durable Objects (its grant and the user code's pointer). Local workerd
      // keeps every object it has started in memory, and with thousands of them now and then resets
      // an isolate, dropping the requests in flight; Cloudflare spreads and evicts objects. Such a
      // dropped request is sent again, a few times at most.
      let r;
      for (let attempt = 1; ; attempt++) {
        try {
          r = await request();
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
      const { device_code, user_code, interval } = r.json ?? {};
      if (r.status === 200 && device_code && user_code && interval !== undefined) codes.push({ deviceCode: device_code, userCode: user_code, interval });
      else if (++failures >= 20) throw new Error(`device authorization failed: ${r.status} ${r.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return codes;
}

/** One token poll for `code`. @param {string} origin @param {string} code @param {Record<string, string>} [headers] */
export const poll = (origin, code, headers = {}) =>
  http(`${origin}/token`, { method: "POST", headers: { "Content-Type": FORM, ...headers }, body: pollForm(code) });

/** The interval cap the Worker runs with (the bench leaves the Worker's default). */
export const maxPollInterval = () => Number(process.env.POLL_MAX_INTERVAL_SECONDS ?? 60);

/**
 * One fresh code polled up to the interval cap, so every later poll is refused with no KV write.
 * @param {string} origin
 * @returns {Promise<DeviceCode>} the code, with the interval it ended at
 */
export async function warmedCode(origin, maxInterval = maxPollInterval()) {
  const [c] = await createCodes(origin, 1, { concurrency: 1 });
  if (!c) throw new Error("no device code to warm up");
  const first = await poll(origin, c.deviceCode);
  if (first.json?.error !== "authorization_pending") throw new Error(`first poll: ${first.text}`);
  let interval = c.interval;
  for (let i = 0; i < 100 && interval < maxInterval; i++) {
    const r = await poll(origin, c.deviceCode);
    if (r.json?.error !== "slow_down" || r.json.interval === undefined) throw new Error(`warm-up poll: ${r.text}`);
    interval = r.json.interval;
  }
  return { ...c, interval };
}
