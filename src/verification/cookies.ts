import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { randomToken } from "../crypto";
import { LANG_COOKIE, type Locale } from "./locale";

/** The verification in progress (session cookie; the KV record carries the real expiry). */
const FLOW_COOKIE = "__Host-device-flow";
/** A signed-in browser (SIGN_IN_SESSION_SECONDS). */
const SIGN_IN_COOKIE = "__Host-device-signin";

// __Host-: Secure, Path=/ and no Domain, so no sibling subdomain can plant or overwrite it.
const base: CookieOptions = { path: "/", secure: true, httpOnly: true, sameSite: "Lax" };

/** A cookie value we could have issued (randomToken's 43 characters); anything else is treated as no cookie at all. */
const issued = (value: string | undefined): value is string => value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);

export function readFlowId(c: Context): string | undefined {
  const v = getCookie(c, FLOW_COOKIE);
  return issued(v) ? v : undefined;
}

/** The browser's flow id, issuing one (a cookie, no KV write) on the first visit. */
export function ensureFlowId(c: Context): string {
  const existing = readFlowId(c);
  if (existing) return existing;
  const id = randomToken();
  setCookie(c, FLOW_COOKIE, id, base);
  return id;
}

export function readSignInId(c: Context): string | undefined {
  const v = getCookie(c, SIGN_IN_COOKIE);
  return issued(v) ? v : undefined;
}

export function setSignInCookie(c: Context, id: string, maxAge: number): void {
  setCookie(c, SIGN_IN_COOKIE, id, { ...base, maxAge });
}

export function clearSignInCookie(c: Context): void {
  deleteCookie(c, SIGN_IN_COOKIE, base);
}

export function setLangCookie(c: Context, locale: Locale): void {
  setCookie(c, LANG_COOKIE, locale, { ...base, maxAge: 365 * 24 * 3600 });
}
