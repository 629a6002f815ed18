// The edge's DPoP rules (src/protection/dpop.ts, grant/record.ts): RFC 9449 §4.3 on every proof,
// and a grant bound to a key at device authorization refusing every poll that does not prove it,
// with no Authlete call.

import { env } from "cloudflare:test";
import fc from "fast-check";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { base64url } from "../../src/crypto";
import { checkProof, DPOP_IAT_WINDOW_SECONDS, dpopBinding, jwkThumbprint } from "../../src/protection/dpop";
import { tokenCalls } from "../support/browser";
import { DEVICE_AUTHORIZATION_ENDPOINT, type DpopAlg, type DpopKey, dpopKey, TOKEN_ENDPOINT } from "../support/dpop";
import { bind, control, resetEmulator } from "../support/helpers";

beforeEach(resetEmulator);

const json = (x: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(x)));

/** A JWS made by hand, for what jose will not make: `none`, HMAC, a short RSA key, a wrong `typ`. */
async function handMade(header: Record<string, unknown>, claims: Record<string, unknown>, sign?: (data: Uint8Array) => Promise<ArrayBuffer>) {
  const input = `${json(header)}.${json(claims)}`;
  return `${input}.${sign ? base64url.encode(new Uint8Array(await sign(new TextEncoder().encode(input)))) : ""}`;
}

const fresh = (payload: Record<string, unknown> = {}) => ({
  htm: "POST",
  htu: TOKEN_ENDPOINT,
  jti: crypto.randomUUID(),
  iat: Math.floor(Date.now() / 1000),
  ...payload,
});

/**
 * Every way a poll's proof can fail RFC 9449 §4.3 (or the binding), each made for the key `k`
 * the grant is bound to unless the case is about another key. `reason` is what the
 * error_description says.
 */
const BAD: [string, (k: DpopKey) => Promise<string | undefined>, RegExp][] = [
  ["no proof", async () => undefined, /must carry a DPoP proof/],
  [
    "a bad signature (another key's, under this key's jwk)",
    async (k) => {
      const other = await dpopKey();
      const [h, p] = (await k.proof()).split(".");
      return `${h}.${p}.${(await other.proof()).split(".")[2]}`;
    },
    /signature does not verify/,
  ],
  ["a wrong htm", (k) => k.proof({ htm: "GET" }), /htm is not the method/],
  ["a wrong htu (another path)", (k) => k.proof({ htu: "http://127.0.0.1:8787/device_authorization" }), /htu is not this endpoint/],
  ["a wrong htu (another host)", (k) => k.proof({ htu: "https://attacker.example/token" }), /htu is not this endpoint/],
  ["a stale iat", (k) => k.proof({ iat: Math.floor(Date.now() / 1000) - DPOP_IAT_WINDOW_SECONDS - 5 }), /iat is more than/],
  ["an iat in the future", (k) => k.proof({ iat: Math.floor(Date.now() / 1000) + DPOP_IAT_WINDOW_SECONDS + 5 }), /iat is more than/],
  ["no jti", (k) => k.proof({ jti: undefined }), /jti is missing/],
  ["another key (a valid proof)", async () => (await dpopKey()).proof(), /signed with another key/],
  [
    "HS256",
    async (k) => {
      const secret = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return handMade({ typ: "dpop+jwt", alg: "HS256", jwk: k.jwk }, fresh(), (d) => crypto.subtle.sign("HMAC", secret, d));
    },
    /alg is not an asymmetric/,
  ],
  ["alg none", (k) => handMade({ typ: "dpop+jwt", alg: "none", jwk: k.jwk }, fresh()), /alg is not an asymmetric/],
  ["typ JWT", (k) => k.proof({}, { typ: "JWT" }), /typ is not dpop\+jwt/],
  [
    "a jwk holding the private key",
    async (k) => k.proof({}, { jwk: { ...(await exportJWK(k.privateKey)), ext: undefined, key_ops: undefined } }),
    /holds a private key/,
  ],
  ["a jwk without y", (k) => k.proof({}, { jwk: { ...k.jwk, y: undefined } }), /not a complete public key/],
  ["a jwk whose x is not base64url", (k) => k.proof({}, { jwk: { ...k.jwk, x: "not base64url!" } }), /not a complete public key/],
  [
    "an RSA jwk whose n is not base64url",
    // Refused before any signature is looked at, so an arbitrary one will do.
    () => handMade({ typ: "dpop+jwt", alg: "RS256", jwk: { kty: "RSA", n: "é!".repeat(200), e: "AQAB" } }, fresh(), async () => new ArrayBuffer(256)),
    /not a complete public key/,
  ],
  ["a jwk of another type (oct)", (k) => k.proof({}, { jwk: { kty: "oct", k: "c2VjcmV0" } }), /holds a private key/],
  ["a jwk on another curve", async (k) => k.proof({}, { jwk: (await dpopKey("ES384")).jwk }), /not a key for ES256/],
  ["an RSA jwk under ES256", async (k) => k.proof({}, { jwk: (await dpopKey("RS256")).jwk }), /not a key for ES256/],
  ["two DPoP headers", async (k) => `${await k.proof()}, ${await k.proof()}`, /more than one DPoP header/],
  ["not a JWT", async () => "not-a-jwt", /not a JWT/],
];

describe("RFC 9449 §4.3, checked at the edge (checkProof)", () => {
  const target = { method: "POST", url: `${TOKEN_ENDPOINT}?ignored=1` };

  it.each<DpopAlg>(["ES256", "ES384", "RS256", "PS256", "EdDSA"])("a valid %s proof: its key's RFC 7638 thumbprint, jti and iat", async (alg) => {
    const k = await dpopKey(alg);
    const proof = await k.proof({ jti: "j-1", iat: 1_700_000_000 });
    expect(await checkProof(proof, target, 1_700_000_000_000)).toEqual({ ok: true, proof: { jkt: k.jkt, jti: "j-1", iat: 1_700_000_000 } });
  });

  it("the thumbprint is jose's, from the required members only (RFC 7638 §3.2)", async () => {
    const { publicKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    expect(await jwkThumbprint({ n: jwk.n!, kty: "RSA", e: jwk.e! })).toBe(await calculateJwkThumbprint({ ...jwk, kid: "ignored", use: "sig" }));
  });

  it("htu is compared without query and fragment, scheme and host case-insensitively", async () => {
    const k = await dpopKey();
    for (const htu of ["http://127.0.0.1:8787/token?x=1#y", "HTTP://127.0.0.1:8787/token", "http://127.0.0.1:8787/./token"]) {
      expect(await checkProof(await k.proof({ htu }), target, Date.now()), htu).toMatchObject({ ok: true });
    }
  });

  it.each(BAD.filter(([name]) => name !== "no proof" && name !== "another key (a valid proof)"))("%s → not ok", async (_, make, reason) => {
    const k = await dpopKey();
    const check = await checkProof(await make(k), target, Date.now());
    expect(check).toMatchObject({ ok: false });
    expect(check?.ok === false && check.reason).toMatch(reason);
  });

  it("an RSA key shorter than 2048 bits is refused (local policy, §4.3 check 5)", async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const jwk = await exportJWK(pair.publicKey);
    const proof = await handMade({ typ: "dpop+jwt", alg: "RS256", jwk: { kty: "RSA", n: jwk.n, e: jwk.e } }, fresh(), (d) =>
      crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, d),
    );
    expect(await checkProof(proof, target, Date.now())).toEqual({ ok: false, reason: "its RSA key is shorter than 2048 bits" });
  });

  it("whatever a header holds, the check answers (it never throws) and accepts nothing unsigned", async () => {
    const runs = Number((env as { FUZZ_RUNS?: string }).FUZZ_RUNS ?? 60);
    const anything = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
    const b64 = fc.string({ unit: fc.constantFrom(..."AZaz09-_+/=!é ".split("")), maxLength: 30 });
    const jwk = fc.record(
      {
        kty: fc.oneof(fc.constantFrom("EC", "RSA", "OKP", "oct"), anything),
        crv: fc.oneof(fc.constantFrom("P-256", "P-521", "Ed25519", "Ed448"), anything),
        x: b64,
        y: b64,
        n: b64,
        e: b64,
        d: b64,
      },
      { requiredKeys: ["kty", "crv", "x", "y", "n", "e"] },
    );
    const head = fc.record(
      {
        typ: fc.oneof(fc.constant("dpop+jwt"), anything),
        alg: fc.oneof(fc.constantFrom("ES256", "RS256", "PS512", "EdDSA", "none", "HS256"), anything),
        jwk: fc.oneof(jwk, anything),
        crit: anything,
      },
      { requiredKeys: [] },
    );
    const claims = fc.record(
      {
        htm: fc.oneof(fc.constant("POST"), anything),
        htu: fc.oneof(fc.constant(TOKEN_ENDPOINT), anything),
        jti: anything,
        iat: fc.oneof(fc.constant(Math.floor(Date.now() / 1000)), anything),
      },
      { requiredKeys: [] },
    );
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.tuple(head, claims, fc.oneof(b64, fc.string({ maxLength: 10 }))).map(([h, c, sig]) => `${json(h)}.${json(c)}.${sig}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (h) => {
        const check = await checkProof(h, target, Date.now());
        expect(check === null || check.ok === false).toBe(true);
      }),
      { numRuns: runs },
    );
  });

  it("no header, no proof: null", async () => {
    expect(await checkProof(undefined, target, Date.now())).toBeNull();
    expect(await checkProof("", target, Date.now())).toBeNull();
  });
});

describe("CLIENT_POLICY dpop at device authorization (dpopBinding)", () => {
  const valid = { ok: true as const, proof: { jkt: "jkt-1", jti: "j", iat: 1 } };
  const invalid = { ok: false as const, reason: "its typ is not dpop+jwt" };
  it.each([
    [null, null, { bind: null }],
    [null, invalid, { bind: null }],
    [null, valid, { bind: null }],
    ["bind", null, { bind: null }],
    ["bind", valid, { bind: "jkt-1" }],
    ["bind", invalid, { refuse: "invalid", reason: "its typ is not dpop+jwt" }],
    ["require", null, { refuse: "missing" }],
    ["require", valid, { bind: "jkt-1" }],
    ["require", invalid, { refuse: "invalid", reason: "its typ is not dpop+jwt" }],
  ] as const)("policy %s, proof %j → %j", (mode, check, expected) => {
    expect(dpopBinding(mode, check)).toEqual(expected);
  });
});

describe("a device grant bound to a DPoP key: each poll is refused at the edge unless it proves the key (no Authlete call)", () => {
  const w = bind(createApp(), { CLIENT_POLICY: '{"1001":{"dpop":"bind"}}' });

  /** A flow whose device authorization carried a proof of `k`: its grant is bound to `k`. */
  async function boundFlow(k: DpopKey) {
    const flow = await w.startFlow(undefined, { DPoP: await k.proof({ htu: DEVICE_AUTHORIZATION_ENDPOINT }) });
    await control("requests");
    return flow;
  }

  it("a fresh proof of the key: authorization_pending at the edge", async () => {
    const k = await dpopKey();
    const flow = await boundFlow(k);
    const res = await w.poll(flow.device_code, "demo-device", { DPoP: await k.proof() });
    expect(res.status).toBe(400);
    expect((await res.json()) as object).toMatchObject({ error: "authorization_pending" });
    expect(await tokenCalls()).toBe(0);
  });

  it.each(BAD)("%s → 400 invalid_dpop_proof, no Authlete call", async (_, make, description) => {
    const k = await dpopKey();
    const flow = await boundFlow(k);
    const proof = await make(k);
    const res = await w.poll(flow.device_code, "demo-device", proof === undefined ? {} : { DPoP: proof });
    expect(res.status).toBe(400);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("WWW-Authenticate")).toBeNull();
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_dpop_proof");
    expect(body.error_description).toMatch(description);
    expect(await tokenCalls()).toBe(0);
  });

  it("a replayed proof (the same jti) → invalid_dpop_proof, no Authlete call", async () => {
    const k = await dpopKey();
    const flow = await boundFlow(k);
    const proof = await k.proof();
    expect(((await (await w.poll(flow.device_code, "demo-device", { DPoP: proof })).json()) as { error: string }).error).toBe("authorization_pending");
    const again = await w.poll(flow.device_code, "demo-device", { DPoP: proof });
    expect(again.status).toBe(400);
    expect((await again.json()) as object).toMatchObject({ error: "invalid_dpop_proof", error_description: expect.stringMatching(/used before/) });
    expect(await tokenCalls()).toBe(0);
  });
});
