import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { log } from "../log";
import type { Authenticator, Identity } from "./authenticator";

const ACCESS_HEADER = "Cf-Access-Jwt-Assertion";

/** One key set per team per isolate: jose caches the fetched keys and refetches on an unknown `kid`. */
const teamKeys = new Map<string, JWTVerifyGetKey>();

export function accessKeysFor(teamDomain: string): JWTVerifyGetKey {
  let keys = teamKeys.get(teamDomain);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`${teamDomain}/cdn-cgi/access/certs`));
    teamKeys.set(teamDomain, keys);
  }
  return keys;
}

/**
 * Cloudflare Access in front of /device: the header is trusted only after its signature
 * (the team's keys), issuer (the team domain), audience (the application's AUD tag) and
 * expiry check out. Anyone who reaches the Worker directly can send the header, so
 * presence alone proves nothing.
 */
export class AccessAuthenticator implements Authenticator {
  readonly mode = "header";
  readonly passwords = false;
  readonly federation = null;

  constructor(
    private readonly teamDomain: string,
    private readonly audience: string,
    private readonly keys: JWTVerifyGetKey,
    private readonly now: () => number,
  ) {}

  async fromRequest(req: Request): Promise<Identity | null> {
    const token = req.headers.get(ACCESS_HEADER);
    if (!token) return null;
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.teamDomain,
        audience: this.audience,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "sub"],
        currentDate: new Date(this.now()),
      });
      // Service tokens carry an empty `sub`: a machine, not a person who can consent.
      if (!payload.sub) {
        log("warn", "access_jwt_rejected", { reason: "no_subject" });
        return null;
      }
      const email = typeof payload["email"] === "string" ? payload["email"] : undefined;
      return {
        subject: payload.sub,
        claims: email ? { email } : {},
        authTime: payload.iat ?? Math.floor(this.now() / 1000),
        label: email ?? payload.sub,
      };
    } catch (err) {
      log("warn", "access_jwt_rejected", { reason: err instanceof errors.JOSEError ? err.code : String(err) });
      return null;
    }
  }

  async fromCredentials(): Promise<Identity | null> {
    return null;
  }
}
