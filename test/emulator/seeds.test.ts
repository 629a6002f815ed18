// Seed selection and the misconfigured seed (emulator/README.md "Seeds"): every planted
// mistake as a configuration checker would read it through service/get and client/get.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import emulatorWorker from "../../emulator/src/index";
import { control, resetEmulator } from "../support/helpers";
import { authorize, content, ctl, get, OWNER_AUTH, V2_AUTH, V3_AUTH } from "./api";

beforeEach(resetEmulator);
// The emulator is shared by every test file: never leave it on another seed.
afterEach(resetEmulator);

const useSeed = (name: string) => control("seed", { name });
const service = async () => (await get("/api/5550001/service/get", V3_AUTH)).body;
const client = async (id: number) => (await get(`/api/5550001/client/get/${id}`, V3_AUTH)).body;

describe("seed selection", () => {
  it("GET seed names the seed in use and the ones there are", async () => {
    expect((await ctl("seed")).body).toEqual({ name: "default", available: ["default", "misconfigured"] });
  });

  it("POST seed switches and resets; POST reset returns to the default seed", async () => {
    const before = (await authorize()).body;
    expect((await ctl("seed", "POST", '{"name":"misconfigured"}')).body).toEqual({ name: "misconfigured", available: ["default", "misconfigured"] });
    expect((await ctl(`state/user-code/${before["userCode"]}`)).status).toBe(404);
    expect((await service())["serviceName"]).toBe("Device Flow Emulator Service (misconfigured)");
    // Overrides apply on top of whichever seed is in use, and a reset drops both.
    await control("service", { deviceFlowPollingInterval: 7 });
    expect((await service())["deviceFlowPollingInterval"]).toBe(7);
    await resetEmulator();
    expect((await ctl("seed")).body["name"]).toBe("default");
    expect(await service()).toMatchObject({ serviceName: "Device Flow Emulator Service", deviceFlowPollingInterval: 5 });
  });

  it("bad seed bodies → 400, the seed unchanged", async () => {
    for (const body of ['{"name":"nope"}', '{"name":"constructor"}', "{}", '{"name":1}', "{bad", "[]"]) {
      const a = await ctl("seed", "POST", body);
      expect(a.status, body).toBe(400);
      expect(a.body["error"]).toEqual(expect.any(String));
    }
    expect((await ctl("seed")).body["name"]).toBe("default");
  });

  it("env.SEED picks the seed a run starts from and resets return to; PUBLIC_URL applies to it", async () => {
    // A second copy of the emulator in this test's own isolate, started with other bindings.
    const env = { SEED: "misconfigured", PUBLIC_URL: "http://localhost:9999" };
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await emulatorWorker.fetch(new Request(`http://emulator${path}`, init), env);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await call("/_emulator/seed")).body["name"]).toBe("misconfigured");
    const svc = (await call("/api/5550001/service/get", { headers: { Authorization: V3_AUTH } })).body;
    expect(svc).toMatchObject({
      supportedGrantTypes: expect.not.arrayContaining(["DEVICE_CODE"]),
      deviceVerificationUri: "http://localhost:9999/activate",
      deviceAuthorizationEndpoint: "https://other-host.example/device_authorization",
    });
    await call("/_emulator/seed", { method: "POST", body: '{"name":"default"}' });
    expect((await call("/_emulator/seed")).body["name"]).toBe("default");
    await call("/_emulator/reset", { method: "POST" });
    expect((await call("/_emulator/seed")).body["name"]).toBe("misconfigured");
  });

  it("an unknown env.SEED fails every call loudly instead of falling back", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const env = { SEED: "nope" };
    const api = await emulatorWorker.fetch(new Request("http://emulator/api/5550001/service/get", { headers: { Authorization: V3_AUTH } }), env);
    expect(api.status).toBe(500);
    expect(await api.json()).toMatchObject({ resultCode: "A001101" });
    const ctlRes = await emulatorWorker.fetch(new Request("http://emulator/_emulator/health"), env);
    expect(ctlRes.status).toBe(500);
    expect(((await ctlRes.json()) as { error: string }).error).toContain("no seed named 'nope'");
    // Each failed call says why, once: the runtime API's and the control API's.
    expect(logged.mock.calls.map((args) => args.map(String).join(" "))).toEqual([
      "authlete-emulator: unexpected error Error: SEED: no seed named 'nope' (known: default, misconfigured)",
      "authlete-emulator: control API error Error: SEED: no seed named 'nope' (known: default, misconfigured)",
    ]);
    logged.mockRestore();
  });
});

describe("the misconfigured seed: one planted mistake per setting", () => {
  beforeEach(() => useSeed("misconfigured"));

  it("service: each device-flow setting the Worker depends on is wrong in its own way", async () => {
    const s = await service();
    expect(s["supportedGrantTypes"]).toEqual(["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS", "PASSWORD", "TOKEN_EXCHANGE", "JWT_BEARER"]);
    expect(s).toMatchObject({
      // another host
      deviceAuthorizationEndpoint: "https://other-host.example/device_authorization",
      // the Worker's host, not its page (/device)
      deviceVerificationUri: "http://127.0.0.1:8787/activate",
      // no USER_CODE placeholder to replace
      deviceVerificationUriComplete: "http://127.0.0.1:8787/device?user_code=",
      // the Worker's default expects BASE20 of Authlete's default length
      userCodeCharset: "NUMERIC",
      userCodeLength: 6,
      // shorter than a person needs, and a poll interval longer than the Worker's cap (60 s)
      deviceFlowCodeDuration: 30,
      deviceFlowPollingInterval: 120,
      // not what the Worker's own discovery routes are
      issuer: "https://issuer.elsewhere.example",
      tokenEndpoint: "https://other-host.example/oauth/token",
      revocationEndpoint: "http://127.0.0.1:8787/oauth/revoke",
      jwksUri: "http://127.0.0.1:8787/.well-known/jwks.json",
    });
    expect(s["deviceVerificationUriComplete"]).not.toContain("USER_CODE");
  });

  it("service credentials are the default seed's, on both versions", async () => {
    expect((await get("/api/service/get/5550001", OWNER_AUTH)).status).toBe(200);
    expect((await get("/api/client/get/1001", V2_AUTH)).status).toBe(200);
  });

  it("clients keep their IDs; 1001-1003 each carry one mistake, 1004 and 1005 none", async () => {
    expect(await client(1001)).toMatchObject({
      clientIdAlias: "demo-device",
      clientType: "PUBLIC",
      tokenAuthMethod: "NONE",
      grantTypes: ["AUTHORIZATION_CODE", "REFRESH_TOKEN"],
    });
    expect(await client(1002)).toMatchObject({ clientIdAlias: "demo-confidential", clientType: "CONFIDENTIAL", tokenAuthMethod: "NONE" });
    expect(await client(1003)).toMatchObject({
      clientIdAlias: "demo-post",
      clientType: "PUBLIC",
      tokenAuthMethod: "CLIENT_SECRET_POST",
      clientSecret: "demo-post-secret",
    });
    expect(await client(1004)).toMatchObject({ clientType: "PUBLIC", tokenAuthMethod: "NONE", grantTypes: ["DEVICE_CODE"] });
    expect(await client(1005)).toMatchObject({ clientType: "PUBLIC", tokenAuthMethod: "NONE", grantTypes: ["AUTHORIZATION_CODE"] });
  });

  it("the runtime follows the seed: no device flow without the DEVICE_CODE grant", async () => {
    const a = await authorize("client_id=xss-client");
    expect(a.body["action"]).toBe("BAD_REQUEST");
    expect(content(a)["error"]).toBe("unauthorized_client");
  });

  it("discovery tells the same story as service/get", async () => {
    const doc = (await get("/api/5550001/service/configuration", V3_AUTH)).body;
    expect(doc).toMatchObject({
      issuer: "https://issuer.elsewhere.example",
      token_endpoint: "https://other-host.example/oauth/token",
      device_authorization_endpoint: "https://other-host.example/device_authorization",
    });
    expect(doc["grant_types_supported"]).not.toContain("urn:ietf:params:oauth:grant-type:device_code");
  });
});
