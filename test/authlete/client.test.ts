import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { AuthleteClient } from "../../src/authlete/client";
import { AuthleteError } from "../../src/authlete/errors";
import type { AuthleteConfig } from "../../src/config";
import { control, resetEmulator, seenRequests } from "../support/helpers";

beforeEach(resetEmulator);

const viaBinding: typeof fetch = (input, init) => env.AUTHLETE.fetch(input as RequestInfo, init);
const configs: { v2: AuthleteConfig; v3: AuthleteConfig } = {
  v2: { version: 2, baseUrl: "http://authlete-emulator", apiKey: "5550001", apiSecret: "emulator-api-secret-5550001", timeoutMs: 2000 },
  v3: { version: 3, baseUrl: "http://authlete-emulator", serviceId: "5550001", accessToken: "emulator-service-access-token-5550001", timeoutMs: 2000 },
};
const expected = {
  v2: { prefix: "/api", authorization: `Basic ${btoa("5550001:emulator-api-secret-5550001")}` },
  v3: { prefix: "/api/5550001", authorization: "Bearer emulator-service-access-token-5550001" },
};

describe.each(["v2", "v3"] as const)("AuthleteClient %s: every API on the right path with the right credentials", (v) => {
  const client = new AuthleteClient(configs[v], viaBinding);

  it("device authorization, verification, complete, token, revocation, configuration, JWKS", async () => {
    const da = await client.deviceAuthorization({ parameters: "client_id=demo-device&scope=openid" });
    expect(da.action).toBe("OK");
    const ver = await client.deviceVerification(da.userCode!);
    expect(ver).toMatchObject({ action: "VALID", clientName: "Demo TV" });
    expect(ver.expiresAt).toBeGreaterThan(Date.now());
    expect((await client.deviceComplete({ userCode: da.userCode!, result: "AUTHORIZED", subject: "demo", claims: "{}" })).action).toBe("SUCCESS");
    const tok = await client.token({
      parameters: `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=${da.deviceCode}&client_id=demo-device`,
    });
    expect(tok).toMatchObject({ action: "OK", grantType: "DEVICE_CODE", subject: "demo" });
    const at = JSON.parse(tok.responseContent!).access_token as string;
    expect((await client.revocation({ parameters: `token=${at}&client_id=demo-device` })).action).toBe("OK");
    expect(JSON.parse(await client.serviceConfiguration()).issuer).toBe("http://127.0.0.1:8787");
    expect(JSON.parse(await client.serviceJwks()).keys.length).toBeGreaterThan(0);

    const seen = await seenRequests();
    expect(seen.map((r) => [r.method, r.path])).toEqual([
      ["POST", `${expected[v].prefix}/device/authorization`],
      ["POST", `${expected[v].prefix}/device/verification`],
      ["POST", `${expected[v].prefix}/device/complete`],
      ["POST", `${expected[v].prefix}/auth/token`],
      ["POST", `${expected[v].prefix}/auth/revocation`],
      ["GET", `${expected[v].prefix}/service/configuration`],
      ["GET", `${expected[v].prefix}/service/jwks/get`],
    ]);
    for (const r of seen) expect(r.authorization).toBe(expected[v].authorization);
    for (const r of seen.filter((x) => x.method === "POST")) expect(r.contentType).toMatch(/^application\/json/);
  });

  it("client/authorization/delete: POST on the client's numeric id with the subject in the JSON body; the person's tokens of that client are gone", async () => {
    const da = await client.deviceAuthorization({ parameters: "client_id=demo-device&scope=openid" });
    await client.deviceComplete({ userCode: da.userCode!, result: "AUTHORIZED", subject: "corp:demo/x?y=1&z" });
    const tok = await client.token({
      parameters: `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=${da.deviceCode}&client_id=demo-device`,
    });
    await control("requests");
    const res = await client.clientAuthorizationDelete(1001, "corp:demo/x?y=1&z");
    expect(res.resultCode).toBe("A137001");
    expect(res.resultMessage).toBe("[A137001] Deleted 1 access token(s) issued to the client (ID = 1001) of the service (API Key = 5550001).");
    const [seen] = await seenRequests();
    expect(seen).toMatchObject({
      method: "POST",
      path: `${expected[v].prefix}/client/authorization/delete/1001`,
      authorization: expected[v].authorization,
      body: { subject: "corp:demo/x?y=1&z" },
    });
    expect(seen!.contentType).toMatch(/^application\/json/);
    // The refresh token went with its access token.
    const refreshed = await client.token({ parameters: `grant_type=refresh_token&refresh_token=${tok.refreshToken}&client_id=demo-device` });
    expect(JSON.parse(refreshed.responseContent!)).toMatchObject({ error: "invalid_grant" });
  });

  it("an API-call failure is an AuthleteError with the status and resultCode, never a protocol outcome", async () => {
    const wrong = new AuthleteClient(Object.assign({}, configs[v], { apiSecret: "wrong", accessToken: "wrong" }), viaBinding);
    const err = await wrong.deviceVerification("BCDFGHJK").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthleteError);
    expect(err).toMatchObject({ kind: "rejected", status: 401 });
    expect((err as AuthleteError).resultCode).toMatch(/^A\d{6}$/);
  });
});

describe("AuthleteClient failure classes", () => {
  const client = new AuthleteClient({ ...configs.v3, timeoutMs: 200 } as AuthleteConfig, viaBinding);
  it.each([
    [{ mode: "latency", latencyMs: 1500 }, "timeout"],
    [{ mode: "status", status: 502 }, "unavailable"],
    [{ mode: "status", status: 429 }, "unavailable"],
    [{ mode: "status", status: 400 }, "rejected"],
    [{ mode: "non-json" }, "malformed"],
    [{ mode: "truncated" }, "malformed"],
    [{ mode: "drop" }, "network"],
  ])("%o → %s", async (fault, kind) => {
    await control("faults", { api: "*", ...fault });
    const err = await client.deviceVerification("BCDFGHJK").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthleteError);
    expect((err as AuthleteError).kind).toBe(kind);
  });

  it("an unknown action parses (open enum): refusing it is the endpoint's job", async () => {
    await control("faults", { api: "*", mode: "action", action: "SOMETHING_NEW" });
    expect((await client.deviceVerification("BCDFGHJK")).action).toBe("SOMETHING_NEW");
  });
});
