// Service settings that shape answers rather than the state machine: error members, null
// members, DPoP, ACRs, claims, token and ID token lifetimes.

import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { dpopProof } from "../support/dpop";
import { control, emulator, resetEmulator } from "../support/helpers";
import { authorize, content, get, pollToken, post, V3_AUTH } from "./api";

beforeEach(resetEmulator);

/** An approved flow, ready for its token poll. */
async function approved(parameters = "client_id=demo-device&scope=openid%20profile", completion: Record<string, unknown> = {}) {
  const da = (await authorize(parameters)).body;
  const done = await post(3, "device/complete", { userCode: da["userCode"], result: "AUTHORIZED", subject: "alice", ...completion });
  expect(done.body["action"]).toBe("SUCCESS");
  return da["deviceCode"] as string;
}

const claimsOf = (jwt: string) => decodeJwt(jwt) as Record<string, unknown>;

describe("error members: errorDescriptionOmitted, errorUriOmitted", () => {
  it("both present by default, each dropped by its flag", async () => {
    const deviceCode = (await authorize()).body["deviceCode"] as string;
    const pending = async () => content(await pollToken(deviceCode));
    expect(await pending()).toEqual({
      error: "authorization_pending",
      error_description: expect.stringMatching(/^\[A050\d{3}\] /),
      error_uri: expect.stringMatching(/^https:\/\/docs\.authlete\.com\/#A050\d{3}$/),
    });
    await control("service", { errorDescriptionOmitted: true });
    expect(Object.keys(await pending())).toEqual(["error", "error_uri"]);
    await control("service", { errorUriOmitted: true });
    expect(Object.keys(await pending())).toEqual(["error"]);
  });

  it("a description given to /device/complete is sent even when generated ones are omitted", async () => {
    await control("service", { errorDescriptionOmitted: true, errorUriOmitted: true });
    const da = (await authorize()).body;
    await post(3, "device/complete", { userCode: da["userCode"], result: "ACCESS_DENIED", errorDescription: "no" });
    expect(content(await pollToken(da["deviceCode"] as string))).toEqual({ error: "access_denied", error_description: "no" });
  });
});

describe("omitNullFields", () => {
  it("true (default): members without a value are left out, as in Authlete's examples; false: sent as null", async () => {
    const without = (await authorize()).body;
    expect(without).not.toHaveProperty("dynamicScopes");
    expect(without).not.toHaveProperty("warnings");
    expect(Object.values(without)).not.toContain(null);
    // false and 0 are values, written as Authlete's examples write them.
    expect(without).toMatchObject({ action: "OK", clientIdAliasUsed: true, clientEntityIdUsed: false, interval: 5 });
    await control("service", { omitNullFields: false });
    const withNulls = (await authorize()).body;
    expect(withNulls).toHaveProperty("dynamicScopes", null);
    expect(withNulls).toHaveProperty("warnings", null);
    expect(withNulls).toMatchObject({ action: "OK", interval: 5 });
  });
});

describe("DPoP", () => {
  it("a proof signed by the key in its jwk binds the token: standard introspection shows cnf.jkt, the key's RFC 7638 thumbprint", async () => {
    const proof = await dpopProof();
    const tok = await pollToken(await approved(), "demo-device", { dpop: proof });
    expect(tok.body["action"]).toBe("OK");
    expect(content(tok)["token_type"]).toBe("DPoP");
    const introspected = await post(3, "auth/introspection/standard", { parameters: `token=${tok.body["accessToken"]}` });
    const jkt = await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK);
    expect(introspected.body["action"]).toBe("OK");
    expect(content(introspected)).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt }, sub: "alice", client_id: "1001" });

    const bearer = await pollToken(await approved());
    expect(content(await post(3, "auth/introspection/standard", { parameters: `token=${bearer.body["accessToken"]}` }))).not.toHaveProperty("cnf");
    expect(content(await post(3, "auth/introspection/standard", { parameters: "token=unknown" }))).toEqual({ active: false });
  });

  it("a proof whose signature does not verify, or that is not a JWT, fails", async () => {
    const proof = await dpopProof();
    const [h, p] = proof.split(".") as [string, string, string];
    const other = (await dpopProof()).split(".")[2]!;
    for (const dpop of [`${h}.${p}.${other}`, `${h}.${p}.`, `${h}.${p}`, "not-a-jwt"]) {
      expect(content(await pollToken(await approved(), "demo-device", { dpop }))["error"]).toBe("invalid_dpop_proof");
    }
  });

  it("typ, htm, htu, jti and iat are checked; htu without its query", async () => {
    for (const [payload, header] of [
      [{ htm: "GET" }, {}],
      [{ htu: "http://127.0.0.1:8787/elsewhere" }, {}],
      [{ jti: undefined }, {}],
      [{ iat: undefined }, {}],
      [{}, { typ: "JWT" }],
    ] as const) {
      const dpop = await dpopProof(payload, { header });
      expect(content(await pollToken(await approved(), "demo-device", { dpop }))["error"]).toBe("invalid_dpop_proof");
    }
    const withQuery = await dpopProof({ htu: "http://127.0.0.1:8787/token?x=1" });
    expect((await pollToken(await approved(), "demo-device", { dpop: withQuery })).body["action"]).toBe("OK");
  });

  it("dpopSigningAlgs: a proof in another alg fails; discovery lists the algs", async () => {
    await control("service", { dpopSigningAlgs: ["RS256"] });
    expect(content(await pollToken(await approved(), "demo-device", { dpop: await dpopProof() }))["error"]).toBe("invalid_dpop_proof");
    expect((await pollToken(await approved(), "demo-device", { dpop: await dpopProof({}, { alg: "RS256" }) })).body["action"]).toBe("OK");
    const doc = (await get("/api/5550001/service/configuration", V3_AUTH)).body;
    expect(doc["dpop_signing_alg_values_supported"]).toEqual(["RS256"]);
  });

  it("dpopNonce rides on every token answer; dpopNonceRequired (service or request) demands it in the proof", async () => {
    await control("service", { dpopNonce: "n-1" });
    const deviceCode = (await authorize()).body["deviceCode"] as string;
    expect((await pollToken(deviceCode)).body["dpopNonce"]).toBe("n-1");
    expect(content(await pollToken(deviceCode, "demo-device", { dpop: await dpopProof(), dpopNonceRequired: true }))["error"]).toBe("use_dpop_nonce");

    await control("service", { dpopNonceRequired: true });
    expect(content(await pollToken(await approved(), "demo-device", { dpop: await dpopProof() }))["error"]).toBe("use_dpop_nonce");
    const tok = await pollToken(await approved(), "demo-device", { dpop: await dpopProof({ nonce: "n-1" }) });
    expect(tok.body).toMatchObject({ action: "OK", dpopNonce: "n-1" });
  });

  it("no dpopNonce: the member is absent from token answers", async () => {
    expect((await pollToken("unknown")).body).not.toHaveProperty("dpopNonce");
  });
});

describe("ACRs and claims", () => {
  it("supportedAcrs null (default) keeps every acr_values entry; a list drops the others, none left: no acrs", async () => {
    const params = "client_id=demo-device&scope=openid&acr_values=urn:a%20urn:b";
    expect((await authorize(params)).body["acrs"]).toEqual(["urn:a", "urn:b"]);
    await control("service", { supportedAcrs: ["urn:b"] });
    expect((await authorize(params)).body["acrs"]).toEqual(["urn:b"]);
    expect((await authorize("client_id=demo-device&scope=openid&acr_values=urn:c")).body).not.toHaveProperty("acrs");
    expect((await get("/api/5550001/service/configuration", V3_AUTH)).body["acr_values_supported"]).toEqual(["urn:b"]);
  });

  it("supportedClaims is discovery's claims_supported; null leaves the member out", async () => {
    expect((await get("/api/5550001/service/configuration", V3_AUTH)).body["claims_supported"]).toContain("email_verified");
    await control("service", { supportedClaims: null });
    expect((await get("/api/5550001/service/configuration", V3_AUTH)).body).not.toHaveProperty("claims_supported");
  });

  it("claimNames only with openid; the scope list drops unregistered scopes and defaults to the client's", async () => {
    const noOpenid = (await authorize("client_id=demo-device&scope=profile%20nope")).body;
    expect(noOpenid).not.toHaveProperty("claimNames");
    expect(noOpenid["scopes"]).toEqual([{ name: "profile", defaultEntry: false }]);
    expect((await authorize("client_id=demo-device&scope=openid%20email")).body["claimNames"]).toEqual(["email", "email_verified"]);
    const defaults = (await authorize("client_id=demo-device")).body["scopes"] as { name: string }[];
    expect(defaults.map((s) => s.name)).toEqual(["openid", "profile"]);
  });
});

describe("token lifetimes and the ID token", () => {
  it("accessTokenDuration, refreshTokenDuration and idTokenDuration set expires_in, the refresh expiry and exp", async () => {
    await control("service", { accessTokenDuration: 120, refreshTokenDuration: 240, idTokenDuration: 60 });
    const tok = await pollToken(await approved());
    expect(tok.body).toMatchObject({ accessTokenDuration: 120, refreshTokenDuration: 240 });
    expect(content(tok)["expires_in"]).toBe(120);
    expect((tok.body["refreshTokenExpiresAt"] as number) - (tok.body["accessTokenExpiresAt"] as number)).toBe(120_000);
    const id = claimsOf(content(tok)["id_token"] as string);
    expect((id["exp"] as number) - (id["iat"] as number)).toBe(60);
  });

  it("ID token: iss, sub (sub over subject), aud = the alias when the request used it, else the numeric ID, then the claims", async () => {
    const viaAlias = claimsOf(
      content(
        await pollToken(await approved(undefined, { sub: "pairwise-1", acr: "urn:pwd", authTime: 1_700_000_000, claims: '{"name":"Alice","iss":"evil"}' })),
      )["id_token"] as string,
    );
    expect(viaAlias).toMatchObject({
      iss: "http://127.0.0.1:8787",
      sub: "pairwise-1",
      aud: "demo-device",
      acr: "urn:pwd",
      auth_time: 1_700_000_000,
      name: "Alice",
    });
    const viaId = claimsOf(content(await pollToken(await approved("client_id=1001&scope=openid"), "1001"))["id_token"] as string);
    expect(viaId).toMatchObject({ sub: "alice", aud: "1001" });
    expect(viaId).not.toHaveProperty("auth_time");
  });

  it("the ID token verifies against service/jwks/get", async () => {
    const idToken = content(await pollToken(await approved()))["id_token"] as string;
    const jwks = (await (await emulator("/api/5550001/service/jwks/get", { headers: { Authorization: V3_AUTH } })).json()) as { keys: JsonWebKey[] };
    const key = await crypto.subtle.importKey("jwk", jwks.keys[0]!, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    const [h, p, s] = idToken.split(".") as [string, string, string];
    const sig = Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, sig, new TextEncoder().encode(`${h}.${p}`))).toBe(true);
  });
});
