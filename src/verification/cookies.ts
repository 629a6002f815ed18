import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { type KeyedHash, randomToken } from "../crypto";
import { LANG_COOKIE, type Locale } from "./locale";

/** The verification in progress (session cookie; the KV record carries the real expiry). */
const FLOW_COOKIE = "__Host-device-flow";
/** A signed-in browser (SIGN_IN_SESSION_SECONDS). */
const SIGN_IN_COOKIE = "__Host-device-signin";
/** The code of a verification_uri_complete link, carried to the clean /device URL; read once. */
const PREFILL_COOKIE = "__Host-device-prefill";
/**
 * One sign-in at an upstream OpenID provider, sealed (session/login.ts), from the button to the
 * callback. `__Host-` requires Path=/, so it is sent with every request to this host for its ten
 * minutes, not only to /device/callback; it is a few hundred opaque bytes and the callback
 * deletes it. SameSite=Lax, not Strict: the way back from the provider is a cross-site
 * top-level navigation, on which Strict cookies are withheld.
 */
const LOGIN_COOKIE = "__Host-device-login";
/**
 * The flow id of an approval that may still be undone ("That wasn't me", steps/undo.ts): the
 * done page gives the browser a fresh flow id, as after every outcome, and keeps the ended
 * flow's id here, so the undo form reaches its record (and only this browser can post it). It
 * outlives the undo window (an hour), so a late press hears that it is too late rather than
 * "start again".
 */
const UNDO_COOKIE = "__Host-device-undo";
const UNDO_COOKIE_SECONDS = 3600;
/** A one-time message for the next page (after a 303), from a fixed list; never text from a request. */
const NOTICE_COOKIE = "__Host-device-notice";
export const NOTICES = ["login_cancelled", "sign_in_again"] as const;
/**
 * The users this browser has signed in as (verification/device-cookie.ts), so their sign-ins
 * are budgeted per browser. SameSite=Strict: it is only read by the sign-in form's own POST.
 */
const DEVICE_COOKIE = "__Host-device-known";
export type Notice = (typeof NOTICES)[number];

// __Host-: Secure, Path=/ and no Domain, so no sibling subdomain can plant or overwrite it.
const base: CookieOptions = { path: "/", secure: true, httpOnly: true, sameSite: "Lax" };

/**
 * Flow ids are issued by this server only: 256 random bits and their HMAC. A cookie the
 * server did not issue (chosen by a client, planted, or signed under a secret that is neither
 * EDGE_SECRET nor, during a rotation, EDGE_SECRET_PREVIOUS) is treated as no cookie at all, and
 * the browser gets a new flow.
 */
async function issuedFlowId(keyed: KeyedHash, value: string | undefined): Promise<string | undefined> {
  const m = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  return m && (await keyed.verify("flow-id", m[1]!, m[2]!)) ? value : undefined;
}

export function readFlowId(c: Context, keyed: KeyedHash): Promise<string | undefined> {
  return issuedFlowId(keyed, getCookie(c, FLOW_COOKIE));
}

/** A new flow id; nothing is written until a flow starts. */
export async function newFlowId(keyed: KeyedHash): Promise<string> {
  const random = randomToken();
  return `${random}.${await keyed.mac("flow-id", random)}`;
}

export function setFlowCookie(c: Context, flowId: string): void {
  setCookie(c, FLOW_COOKIE, flowId, base);
}

/** The ended flow whose approval may still be undone; a value this server did not issue is no cookie at all. */
export function readUndoFlowId(c: Context, keyed: KeyedHash): Promise<string | undefined> {
  return issuedFlowId(keyed, getCookie(c, UNDO_COOKIE));
}

export function setUndoCookie(c: Context, flowId: string): void {
  setCookie(c, UNDO_COOKIE, flowId, { ...base, maxAge: UNDO_COOKIE_SECONDS });
}

export function clearUndoCookie(c: Context): void {
  deleteCookie(c, UNDO_COOKIE, base);
}

/** A cookie value we could have issued (randomToken's 43 characters); anything else is treated as no cookie at all. */
const token = (value: string | undefined): value is string => value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);

export function readSignInId(c: Context): string | undefined {
  const v = getCookie(c, SIGN_IN_COOKIE);
  return token(v) ? v : undefined;
}

export function setSignInCookie(c: Context, id: string, maxAge: number): void {
  setCookie(c, SIGN_IN_COOKIE, id, { ...base, maxAge });
}

export function clearSignInCookie(c: Context): void {
  deleteCookie(c, SIGN_IN_COOKIE, base);
}

/** Ten minutes: a link is opened now or never; the value is at most a code's worth of text. */
export function setPrefillCookie(c: Context, code: string): void {
  setCookie(c, PREFILL_COOKIE, encodeURIComponent(code.slice(0, 64)), { ...base, maxAge: 600 });
}

/** The prefilled code, consumed: it is shown once. */
export function takePrefill(c: Context): string | undefined {
  const v = getCookie(c, PREFILL_COOKIE);
  if (v === undefined) return undefined;
  deleteCookie(c, PREFILL_COOKIE, base);
  try {
    return decodeURIComponent(v).slice(0, 64);
  } catch {
    return undefined;
  }
}

export function readLoginCookie(c: Context): string | undefined {
  const v = getCookie(c, LOGIN_COOKIE);
  // One base64url value (session/login.ts); anything else, or something absurdly long, is no cookie.
  return v !== undefined && v.length < 4096 && /^[A-Za-z0-9_-]+$/.test(v) ? v : undefined;
}

export function setLoginCookie(c: Context, sealed: string, maxAge: number): void {
  setCookie(c, LOGIN_COOKIE, sealed, { ...base, maxAge });
}

export function clearLoginCookie(c: Context): void {
  deleteCookie(c, LOGIN_COOKIE, base);
}

export function setNotice(c: Context, notice: Notice): void {
  setCookie(c, NOTICE_COOKIE, notice, { ...base, maxAge: 60 });
}

/** The notice left for this page, consumed: it is shown once. */
export function takeNotice(c: Context): Notice | undefined {
  const v = getCookie(c, NOTICE_COOKIE);
  if (v === undefined) return undefined;
  deleteCookie(c, NOTICE_COOKIE, base);
  return NOTICES.find((n) => n === v);
}

export function setLangCookie(c: Context, locale: Locale): void {
  setCookie(c, LANG_COOKIE, locale, { ...base, maxAge: 365 * 24 * 3600 });
}

export function readDeviceCookie(c: Context): string | undefined {
  const v = getCookie(c, DEVICE_COOKIE);
  return v !== undefined && v.length < 1024 ? v : undefined;
}

export function setDeviceCookie(c: Context, value: string, maxAge: number): void {
  setCookie(c, DEVICE_COOKIE, value, { ...base, sameSite: "Strict", maxAge });
}
