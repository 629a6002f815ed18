import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { accessKeysFor } from "../../src/auth/access";
import { atConfirm, browser, calls, DEMO, text } from "../support/browser";
import { bind, type Overrides, resetEmulator } from "../support/helpers";
import { tenant } from "../support/issuer";
import { captureLogs } from "../support/logs";

const TEAM = "https://devices-team.cloudflareaccess.com";
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const ACCESS: Overrides = { AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD };
const SUB = "7335d417-61da-459d-899c-0a01c76a2f94";

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let jwks: { keys: HonoJsonWebKey[] };
let w: ReturnType<typeof bind>;
let teamKeys: { keys: unknown[] };

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  // The team's JWKS, served locally: the Worker fetches nothing.
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "team-key-1", alg: "RS256", use: "sig" }] as HonoJsonWebKey[] };
  teamKeys = jwks;
  w = bind(createApp({ accessKeys: async () => jwks.keys }));
});
beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

interface TokenOptions {
  key?: CryptoKey;
  issuer?: string;
  audience?: string;
  subject?: string;
  /** Seconds from now. */
  expiresIn?: number;
}

/** A Cloudflare Access application token as Access would send it. */
function accessToken(o: TokenOptions = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: "alice@example.com", type: "app", country: "JP" })
    .setProtectedHeader({ alg: "RS256", kid: "team-key-1" })
    .setIssuer(o.issuer ?? TEAM)
    .setAudience([o.audience ?? AUD])
    .setSubject(o.subject ?? SUB)
    .setIssuedAt(now - 120)
    .setExpirationTime(now + (o.expiresIn ?? 3600))
    .sign(o.key ?? signingKey);
}

const behindAccess = (token?: string) => browser(w, { env: ACCESS, headers: token ? { "Cf-Access-Jwt-Assertion": token } : {} });

describe("Cloudflare Access: the header is trusted only once verified", () => {
  it("a valid token: no sign-in form, Continue leads to consent, Approve sends its subject and email", async () => {
    const b = behindAccess(await accessToken());
    const { flow } = await atConfirm(w, b, { client_id: "demo-device", scope: "openid email" });
    const consent = await b.submit("/device/confirm", {});
    expect(consent.html).toContain('action="/device/consent"');
    expect(text(consent.html)).toContain("Signed in as alice@example.com");
    expect(text(consent.html)).toContain("Email address : alice@example.com");
    // Access owns the session: no "Use another account" here.
    expect(consent.html).not.toContain("/device/sign-out");

    expect(text((await b.submit("/device/consent", { action: "approve" })).html)).toContain("Your device is connected");
    const body = (await calls("device/complete"))[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ userCode: flow.user_code, result: "AUTHORIZED", subject: SUB, authTime: expect.any(Number) });
    expect(JSON.parse(body["claims"] as string)).toEqual({ email: "alice@example.com" });
  });

  it.each<[string, () => Promise<string | undefined>]>([
    ["no token", async () => undefined],
    ["a wrong audience", () => accessToken({ audience: "another-application" })],
    ["a wrong issuer", () => accessToken({ issuer: "https://evil-team.cloudflareaccess.com" })],
    ["an expired token", () => accessToken({ expiresIn: -60 })],
    ["a bad signature (another key, same kid)", () => accessToken({ key: otherKey })],
    ["a service token (empty subject)", () => accessToken({ subject: "" })],
    ["garbage", async () => "not.a.jwt"],
  ])("%s → 401 'Sign-in required', nothing approved", async (_, make) => {
    const logs = captureLogs();
    const token = await make();
    const b = behindAccess(token);
    await atConfirm(w, b);
    const p = await b.submit("/device/confirm", {});
    expect(p.status).toBe(401);
    expect(text(p.html)).toContain("Sign-in required");
    expect(await calls("device/complete")).toHaveLength(0);
    // A token that fails verification is worth a warning (someone may be forging them); no token is not.
    expect(logs.warned()).toEqual(token ? [expect.objectContaining({ level: "warn", event: "access_jwt_rejected", reason: expect.any(String) })] : []);
  });

  it("the built-in sign-in form and sign-out are not available behind Access", async () => {
    const b = behindAccess();
    await atConfirm(w, b);
    expect((await b.post("/device/sign-in", DEMO)).status).toBe(409);
    expect((await b.post("/device/sign-out", {})).status).toBe(409);
  });

  it("Access without its audience is a configuration error naming ACCESS_AUD", async () => {
    const logs = captureLogs();
    const p = await browser(w, { env: { AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: TEAM } }).get("/device");
    expect(p.status).toBe(500);
    expect(logs.warned()).toEqual([
      expect.objectContaining({ level: "error", event: "config_invalid", detail: "Invalid configuration: ACCESS_AUD: is missing" }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device", outcome: "aborted", detail: "ConfigError" }),
    ]);
  });
});

describe("Cloudflare Access's certificates unavailable: 503 'Temporarily unavailable' with Retry-After, never 'Sign-in required'", () => {
  /** A valid token's confirm step, as the page answers it; then the same once the certs are back. */
  async function outage(w: ReturnType<typeof bind>, restore: () => void) {
    const logs = captureLogs();
    const b = browser(w, { env: ACCESS, headers: { "Cf-Access-Jwt-Assertion": await accessToken() } });
    await atConfirm(w, b);
    const p = await b.submit("/device/confirm", {});
    expect(p.status).toBe(503);
    expect(p.headers.get("Retry-After")).toBe("5");
    expect(text(p.html)).toContain("Temporarily unavailable");
    expect(text(p.html)).not.toContain("Sign-in required");
    expect(await calls("device/complete")).toHaveLength(0);
    // Not a rejected token: nothing was judged. The outage is logged once, and the decision says what the person saw.
    expect(logs.warned()).toEqual([
      expect.objectContaining({ level: "error", event: "access_certs_unavailable", route: "/device/confirm" }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device/confirm", outcome: "unavailable", detail: "access certs" }),
    ]);
    restore();
    expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/consent"');
  }

  it.each<[string, () => Response]>([
    ["a 5xx", () => new Response("<h1>502 Bad Gateway</h1>", { status: 502, headers: { "Content-Type": "text/html" } })],
    ["malformed JSON", () => new Response('{"keys":[{"kty":"RSA"', { headers: { "Content-Type": "application/json" } })],
    ["JSON without a key set", () => Response.json({ keys: null })],
    [
      "a dropped connection",
      () => {
        throw new TypeError("Network connection lost.");
      },
    ],
  ])("%s from the certs endpoint; once it is back, the same token goes through", async (_, fail) => {
    let up = false;
    // The real key fetching and parsing, with the network answering as in an outage.
    const certs = (async () => (up ? Response.json(jwks) : fail())) as unknown as typeof fetch;
    const outageApp = bind(createApp({ accessKeys: accessKeysFor(`${TEAM}/${crypto.randomUUID()}`, certs) }));
    await outage(outageApp, () => {
      up = true;
    });
  });
});

describe("the team's keys as the Worker fetches them (<team>/cdn-cgi/access/certs), served over HTTP", () => {
  /** The Worker with the team's certs at this URL's /cdn-cgi/access/certs (the test issuer stands in for the team domain). */
  const fetching = (team: string) => bind(createApp({ accessKeys: accessKeysFor(team) }));

  it("served as Access serves them: the token is verified and the person goes on to consent", async () => {
    const aw = fetching(await tenant({ certs: teamKeys }));
    const b = browser(aw, { env: ACCESS, headers: { "Cf-Access-Jwt-Assertion": await accessToken() } });
    await atConfirm(aw, b);
    expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/consent"');
  });

  it.each<[string, () => Promise<string>]>([
    // A valid key set made 1 MiB larger (sixteen times the bound), streamed without Content-Length.
    ["a key set over 64 KiB", () => tenant({ certs: teamKeys, pad: { "/cdn-cgi/access/certs": 1024 * 1024 } })],
    ["no team there (404)", async () => `${await tenant()}/nothing`],
  ])("%s → 503 'Temporarily unavailable' with Retry-After, not 'Sign-in required': the outage is ours, not the person's", async (_, team) => {
    const aw = fetching(await team());
    const b = browser(aw, { env: ACCESS, headers: { "Cf-Access-Jwt-Assertion": await accessToken() } });
    await atConfirm(aw, b);
    const logs = captureLogs();
    const p = await b.submit("/device/confirm", {});
    expect(p.status).toBe(503);
    expect(p.headers.get("Retry-After")).toBe("5");
    expect(text(p.html)).toContain("Temporarily unavailable");
    expect(logs.warned()).toEqual([
      expect.objectContaining({ level: "error", event: "access_certs_unavailable", detail: expect.stringMatching(/\/cdn-cgi\/access\/certs/) }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device/confirm", outcome: "unavailable", detail: "access certs" }),
    ]);
    expect(await calls("device/complete")).toHaveLength(0);
  });
});
