import type { Context } from "hono";
import { type KeyedHash, randomToken } from "../crypto";
import { readDeviceCookie, setDeviceCookie } from "./cookies";

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser
 * that has signed in as a user gets a token bound to that username, and its later sign-ins as
 * that user are budgeted per token (protection/budgets.ts `signInKnown`) instead of against the
 * username. A stranger's failures, from any network, count against the username and lock out
 * only browsers the user has never signed in with; the user's own browser keeps working, and a
 * token that itself fails too often is locked out on its own.
 *
 * One entry per user the browser signed in as (a family computer serves several), newest
 * first, at most MAX_ENTRIES: `{nonce}.{issued}.{mac}`, entries joined by `~`, where `nonce` is
 * 128 random bits, `issued` the issue time (epoch seconds, base 36) and `mac` the keyed HMAC,
 * under its own purpose, of the normalised username, the nonce and the time. The username is
 * never in the cookie: an entry is recognised by recomputing its MAC for the username being
 * signed in as, so it can neither be forged, nor moved to another user, nor read.
 */
const PURPOSE = "device-cookie";
/** How long a device stays known without signing in again (each sign-in issues a fresh entry). */
export const DEVICE_COOKIE_SECONDS = 180 * 24 * 3600;
const MAX_ENTRIES = 5;
const ENTRY = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

interface Entry {
  text: string;
  nonce: string;
  issued: number;
  mac: string;
}

/** The well-formed, unexpired entries of the browser's cookie; anything else in it is dropped. */
function entries(c: Context, nowMs: number): Entry[] {
  const now = Math.floor(nowMs / 1000);
  return (readDeviceCookie(c) ?? "")
    .split("~")
    .map((text) => {
      const m = ENTRY.exec(text);
      return m ? { text, nonce: m[1]!, issued: Number.parseInt(m[2]!, 36), mac: m[3]! } : null;
    })
    .filter((e): e is Entry => e !== null && e.issued <= now + 60 && now < e.issued + DEVICE_COOKIE_SECONDS)
    .slice(0, MAX_ENTRIES);
}

/** Whether the entry was issued for `username`: under either secret during an EDGE_SECRET rotation, as every keyed value is. */
function mine(keyed: KeyedHash, username: string, e: Entry): Promise<boolean> {
  return keyed.verify(PURPOSE, `${username}\n${e.nonce}\n${e.issued}`, e.mac);
}

/** The nonce of this browser's device cookie for `username` (normalised), or null when it has none for that user. */
export async function knownDevice(c: Context, keyed: KeyedHash, username: string, now: number): Promise<string | null> {
  for (const e of entries(c, now)) if (await mine(keyed, username, e)) return e.nonce;
  return null;
}

/** After a successful sign-in as `username` (normalised): a fresh entry for that user, first; the other users' entries kept. */
export async function rememberDevice(c: Context, keyed: KeyedHash, username: string, nowMs: number): Promise<void> {
  const nonce = randomToken(16);
  const issued = Math.floor(nowMs / 1000);
  const fresh = `${nonce}.${issued.toString(36)}.${await keyed.mac(PURPOSE, `${username}\n${nonce}\n${issued}`)}`;
  const others: string[] = [];
  for (const e of entries(c, nowMs)) if (!(await mine(keyed, username, e))) others.push(e.text);
  setDeviceCookie(c, [fresh, ...others].slice(0, MAX_ENTRIES).join("~"), DEVICE_COOKIE_SECONDS);
}
