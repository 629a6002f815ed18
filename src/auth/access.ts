import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import { verifyWithJwks } from "hono/utils/jwt/jwt";
import { base64url } from "../crypto";
import { readResponse } from "../http/bounded-body";
import { log } from "../log";
import type { Authenticator, Identity } from "./authenticator";

const ACCESS_HEADER = "Cf-Access-Jwt-Assertion";
const utf8 = new TextDecoder();

/** The team's signing keys, by the key id the token names. */
export type AccessKeys = (kid: string) => Promise<HonoJsonWebKey[]>;

/** Keys are kept this long; a token signed with a key not seen yet refetches them, at most once a minute. */
const KEYS_FRESH_MS = 10 * 60_000;
const REFETCH_MIN_MS = 60_000;
/** The team's certs are two keys and their certificates, a few KB; nothing near this bound is a key set. */
const MAX_CERTS_BYTES = 64 * 1024;
const CERTS_TIMEOUT_MS = 5_000;

/** One key set per team per isolate, from `<team>/cdn-cgi/access/certs`. */
const teams = new Map<string, { keys: HonoJsonWebKey[]; fetchedAt: number }>();

/**
 * The team's keys could not be had: the certs endpoint is unreachable, timed out, answered
 * anything but 200, or not with a key set. The token was not judged, so this is an outage
 * (the page says "try again", 503), never a failed sign-in.
 */
export class AccessKeysUnavailable extends Error {
  override name = "AccessKeysUnavailable";
}

/** `fetcher`: how the certs are fetched (the runtime's fetch; a test's stand-in for an outage). */
export function accessKeysFor(teamDomain: string, fetcher: typeof fetch = fetch): AccessKeys {
  const url = `${teamDomain}/cdn-cgi/access/certs`;
  const fetchKeys = async () => {
    let keys: unknown;
    try {
      const signal = AbortSignal.timeout(CERTS_TIMEOUT_MS);
      const res = await fetcher(url, { signal });
      if (!res.ok) {
        await res.body?.cancel();
        throw new AccessKeysUnavailable(`${url} answered ${res.status}`);
      }
      keys = (JSON.parse(utf8.decode(await readResponse(res, MAX_CERTS_BYTES, signal))) as { keys?: unknown } | null)?.keys;
    } catch (err) {
      if (err instanceof AccessKeysUnavailable) throw err;
      // Unreachable, slow, too large, or not JSON.
      throw new AccessKeysUnavailable(`${url}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    if (!Array.isArray(keys)) throw new AccessKeysUnavailable(`${url} answered without a key set`);
    const entry = { keys: keys as HonoJsonWebKey[], fetchedAt: Date.now() };
    teams.set(teamDomain, entry);
    return entry;
  };
  return async (kid) => {
    let entry = teams.get(teamDomain);
    const age = entry ? Date.now() - entry.fetchedAt : Number.POSITIVE_INFINITY;
    if (!entry || age > KEYS_FRESH_MS || (!entry.keys.some((k) => k.kid === kid) && age > REFETCH_MIN_MS)) entry = await fetchKeys();
    return entry.keys;
  };
}

/**
 * Cloudflare Access in front of /device: the header is trusted only after its signature (the
 * team's keys, RS256 only), issuer (the team domain), audience (the application's AUD tag) and
 * expiry check out, with hono's JWT verification. Anyone who reaches the Worker directly can
 * send the header, so presence alone proves nothing.
 */
export class AccessAuthenticator implements Authenticator {
  readonly mode = "header";
  readonly passwords = false;
  readonly federation = null;

  constructor(
    private readonly teamDomain: string,
    private readonly audience: string,
    private readonly keys: AccessKeys,
    private readonly now: () => number,
  ) {}

  async fromRequest(req: Request): Promise<Identity | null> {
    const token = req.headers.get(ACCESS_HEADER);
    if (!token) return null;
    try {
      const kid = JSON.parse(utf8.decode(base64url.decode(token.split(".")[0] ?? ""))).kid;
      const payload = await verifyWithJwks(token, {
        keys: await this.keys(String(kid)),
        allowedAlgorithms: ["RS256"],
        verification: { iss: this.teamDomain, aud: this.audience, exp: true, nbf: true },
      });
      // hono checks `exp` only when present; Access always sends it, and a token without one never expires.
      if (typeof payload.exp !== "number") return this.reject("no_expiry");
      // Service tokens carry an empty `sub`: a machine, not a person who can consent.
      if (typeof payload.sub !== "string" || !payload.sub) return this.reject("no_subject");
      const email = typeof payload["email"] === "string" ? payload["email"] : undefined;
      return {
        subject: payload.sub,
        claims: email ? { email } : {},
        authTime: typeof payload.iat === "number" ? payload.iat : Math.floor(this.now() / 1000),
        label: email ?? payload.sub,
      };
    } catch (err) {
      // Without the team's keys nothing was judged: an outage, for the page to say so.
      if (err instanceof AccessKeysUnavailable) throw err;
      // The error's name only: some messages quote the token itself.
      return this.reject(err instanceof Error ? err.name : "unreadable");
    }
  }

  async fromCredentials(): Promise<Identity | null> {
    return null;
  }

  private reject(reason: string): null {
    log("warn", "access_jwt_rejected", { reason });
    return null;
  }
}
