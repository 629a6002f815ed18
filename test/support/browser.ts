import { env } from "cloudflare:test";
import { type bind, type Cf, nextIp, ORIGIN, type Overrides, seenRequests, storageKey } from "./helpers";

/** One HTTP answer as a test reads it. */
export interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

export interface PostOptions {
  /** The Origin header; null sends none. Default: the Worker's own origin, as a browser would. */
  origin?: string | null;
  /** The form's CSRF token; null leaves it out. Default: the one from the last page seen. */
  csrf?: string | null;
  headers?: Record<string, string>;
}

export { nextIp } from "./helpers";

/**
 * A minimal browser over the Worker under test: a cookie jar, the CSRF token of the last
 * page, a fixed CF-Connecting-IP, and redirects followed only when a test asks.
 */

export function browser(w: ReturnType<typeof bind>, options: { ip?: string; headers?: Record<string, string>; env?: Overrides; cf?: Cf } = {}) {
  const jar = new Map<string, string>();
  let csrf = "";
  // Each browser its own address unless a test says otherwise, so failure budgets never leak between tests.
  const ip = options.ip ?? nextIp();

  async function request(path: string, init: RequestInit, headers: Record<string, string>): Promise<Page> {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await w.worker(
      path,
      {
        ...init,
        headers: { "CF-Connecting-IP": ip, ...options.headers, ...headers, ...(cookie ? { Cookie: cookie } : {}) },
        ...(options.cf ? { cf: options.cf } : {}),
      } as RequestInit,
      options.env,
    );
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
    return { status: res.status, headers: res.headers, html, location: res.headers.get("Location") };
  }

  const get = (path: string, headers: Record<string, string> = {}) => request(path, { method: "GET" }, headers);

  function post(path: string, form: Record<string, string>, o: PostOptions = {}) {
    const token = o.csrf === undefined ? csrf : o.csrf;
    const body = new URLSearchParams({ ...(token === null ? {} : { csrf: token }), ...form }).toString();
    const origin = o.origin === undefined ? ORIGIN : o.origin;
    return request(
      path,
      { method: "POST", body },
      { "Content-Type": "application/x-www-form-urlencoded", ...(origin ? { Origin: origin } : {}), ...o.headers },
    );
  }

  /** POST, then follow a 303 as a browser does. */
  async function submit(path: string, form: Record<string, string>, o: PostOptions = {}): Promise<Page> {
    const res = await post(path, form, o);
    return res.status === 303 && res.location ? get(res.location, o.headers) : res;
  }

  return {
    ip,
    get,
    post,
    submit,
    jar,
    get csrf() {
      return csrf;
    },
  };
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** The visible text of a page, as a reader sees it: tags dropped, the escaping entities decoded. */
export function text(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!)
    .replace(/\s+/g, " ")
    .trim();
}

export const DEMO = { username: "demo", password: "demo" };

type Worker = ReturnType<typeof bind>;
type Browser = ReturnType<typeof browser>;

/** A device asks for codes (RFC 8628 §3.1), from its own address unless `at` says otherwise, placed by the edge at `at.cf`. */
export function startDevice(w: Worker, form?: Record<string, string>, at: { ip?: string; cf?: Cf; userAgent?: string } = {}) {
  return w.startFlow(form, { "CF-Connecting-IP": at.ip ?? nextIp(), ...(at.userAgent ? { "User-Agent": at.userAgent } : {}) }, at.cf);
}

/** The device starts a flow; the browser types its code. Ends on the confirm page. */
export async function atConfirm(w: Worker, b: Browser, form?: Record<string, string>, at?: Parameters<typeof startDevice>[2]) {
  const flow = await startDevice(w, form, at);
  await b.get("/device");
  const page = await b.submit("/device", { user_code: flow.user_code });
  if (!page.html.includes('action="/device/confirm"')) throw new Error(`not on the confirm page: ${page.status} ${text(page.html)}`);
  return { flow, page };
}

/** …then Continue and sign in as demo. Ends on the consent page. */
export async function atConsent(w: Worker, b: Browser, form?: Record<string, string>, at?: Parameters<typeof startDevice>[2]) {
  const { flow } = await atConfirm(w, b, form, at);
  let page = await b.submit("/device/confirm", {});
  if (page.html.includes('action="/device/sign-in"')) page = await b.submit("/device/sign-in", DEMO);
  if (!page.html.includes('action="/device/consent"')) throw new Error(`not on the consent page: ${page.status} ${text(page.html)}`);
  return { flow, page };
}

/** This browser's verification state in KV, or null. */
export async function flowRecord(b: Browser): Promise<string | null> {
  const id = b.jar.get("__Host-device-flow");
  return id ? env.KV.get(await storageKey("flow", id)) : null;
}

/** Calls the Worker made to one Authlete API (`device/complete`, `client/authorization/delete/1001`, …), from the emulator's request log. */
export async function calls(api: string) {
  return (await seenRequests()).filter((r) => r.path.endsWith(`/${api}`));
}

/** How many polls reached Authlete's /auth/token (the rest were answered at the edge). */
export const tokenCalls = async () => (await calls("auth/token")).length;
