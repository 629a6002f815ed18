// service/get and client/get (docs/authlete-api.md §13): shapes, credentials per version, errors.
import { beforeEach, describe, expect, it } from "vitest";
import { control, emulator, resetEmulator } from "../support/helpers";
import { get, OWNER_AUTH, prefix, SERVICE_ID, serviceAuth, V2_AUTH, V3_AUTH, type Version } from "./api";

beforeEach(resetEmulator);

const serviceGetPath = (v: Version) => (v === 2 ? `/api/service/get/${SERVICE_ID}` : `/api/${SERVICE_ID}/service/get`);
const serviceGetAuth = (v: Version) => (v === 2 ? OWNER_AUTH : V3_AUTH);

describe.each([2, 3] as const)("service/get, v%s", (v) => {
  it("answers the Service object itself with Authlete's field names and enum spellings", async () => {
    const a = await get(serviceGetPath(v), serviceGetAuth(v));
    expect(a.status).toBe(200);
    expect(a.body).not.toHaveProperty("action");
    expect(a.body).toMatchObject({
      apiKey: SERVICE_ID,
      serviceName: "Device Flow Emulator Service",
      issuer: "http://127.0.0.1:8787",
      supportedGrantTypes: ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS", "DEVICE_CODE", "PASSWORD", "TOKEN_EXCHANGE", "JWT_BEARER"],
      deviceAuthorizationEndpoint: "http://127.0.0.1:8787/device_authorization",
      deviceVerificationUri: "http://127.0.0.1:8787/device",
      deviceVerificationUriComplete: "http://127.0.0.1:8787/device?user_code=USER_CODE",
      deviceFlowCodeDuration: 600,
      deviceFlowPollingInterval: 5,
      userCodeCharset: "BASE20",
      userCodeLength: 8,
      tokenEndpoint: "http://127.0.0.1:8787/token",
      revocationEndpoint: "http://127.0.0.1:8787/revoke",
      jwksUri: "http://127.0.0.1:8787/jwks",
      supportedTokenAuthMethods: ["NONE", "CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST"],
    });
    // Members without a value are left out, as in Authlete's examples (docs/authlete-api.md §1.4).
    expect(a.body["supportedScopes"]).toContainEqual({ name: "tv.watch", defaultEntry: true });
    // The emulator's own knobs are not Authlete fields and never leak into the object.
    for (const k of ["enforcePollingInterval", "accessToken", "serviceOwnerApiSecret", "dpopSigningAlgs", "claims"]) expect(a.body).not.toHaveProperty(k);
  });

  it("reflects the effective settings, overrides included", async () => {
    await control("service", { deviceFlowPollingInterval: 0, userCodeCharset: "NUMERIC", userCodeLength: 0 });
    const a = await get(serviceGetPath(v), serviceGetAuth(v));
    expect(a.body).toMatchObject({ deviceFlowPollingInterval: 0, userCodeCharset: "NUMERIC", userCodeLength: 0 });
  });
});

describe("service/get credentials and secrets", () => {
  it("v2 returns the API secret, v3 does not", async () => {
    expect((await get(serviceGetPath(2), OWNER_AUTH)).body["apiSecret"]).toBe("emulator-api-secret-5550001");
    expect((await get(serviceGetPath(3), V3_AUTH)).body).not.toHaveProperty("apiSecret");
  });

  it("v2 needs the service owner's key and secret: the service's own are 401", async () => {
    const a = await get(serviceGetPath(2), V2_AUTH);
    expect(a.status).toBe(401);
    expect(Object.keys(a.body).sort()).toEqual(["resultCode", "resultMessage"]);
    expect(a.body["resultMessage"]).toMatch(/^\[A\d{6}\] \/service\/get, .*service owner/);
  });

  it("missing or wrong credentials are 401, a Bearer token on v2 is 401", async () => {
    expect((await get(serviceGetPath(2), null)).body).toMatchObject({ resultCode: "A001202" });
    for (const auth of [`Basic ${btoa("5559001:wrong")}`, V3_AUTH]) expect((await get(serviceGetPath(2), auth)).status).toBe(401);
    expect((await get(serviceGetPath(3), null)).status).toBe(401);
    expect((await get(serviceGetPath(3), "Bearer wrong")).status).toBe(401);
    expect((await get(serviceGetPath(3), V2_AUTH)).status).toBe(401);
  });

  it("v2 asks for another service → notFoundStatus; v3 path of another service → wrongServiceIdStatus", async () => {
    const other = await get("/api/service/get/5550002", OWNER_AUTH);
    expect(other.status).toBe(404);
    expect(other.body["resultMessage"]).toContain("5550002");
    expect((await get("/api/5550002/service/get", V3_AUTH)).status).toBe(403);
    await control("service", { notFoundStatus: 400, wrongServiceIdStatus: 401 });
    expect((await get("/api/service/get/5550002", OWNER_AUTH)).status).toBe(400);
    expect((await get("/api/5550002/service/get", V3_AUTH)).status).toBe(401);
  });

  it("the shape of the path is per version: no key on v2, no key after the name on v3", async () => {
    expect((await get("/api/service/get", OWNER_AUTH)).status).toBe(404);
    expect((await get(`/api/${SERVICE_ID}/service/get/${SERVICE_ID}`, V3_AUTH)).status).toBe(404);
    expect((await get("/api/service/get/list", OWNER_AUTH)).body).toEqual({ resultCode: "404", resultMessage: "" });
  });

  it("is GET only", async () => {
    const res = await emulator(serviceGetPath(3), { method: "POST", headers: { Authorization: V3_AUTH } });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET");
  });
});

describe.each([2, 3] as const)("client/get, v%s", (v) => {
  const clientGet = (id: string, auth: string | null = serviceAuth(v)) => get(`${prefix(v)}/client/get/${id}`, auth);

  it("public device client: PUBLIC, NONE, DEVICE_CODE, and the secret Authlete issues to every client", async () => {
    const a = await clientGet("1001");
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      clientId: 1001,
      clientIdAlias: "demo-device",
      clientIdAliasEnabled: true,
      clientName: "Demo TV",
      clientSecret: "public-client-secret-1001-unused",
      clientType: "PUBLIC",
      grantTypes: ["DEVICE_CODE", "REFRESH_TOKEN"],
      tokenAuthMethod: "NONE",
      extension: { requestableScopesEnabled: false, accessTokenDuration: 0, refreshTokenDuration: 0 },
    });
  });

  it.each([
    ["1002", "CONFIDENTIAL", "CLIENT_SECRET_BASIC", "demo-secret"],
    ["1003", "CONFIDENTIAL", "CLIENT_SECRET_POST", "demo-post-secret"],
    ["1005", "PUBLIC", "NONE", "public-client-secret-1005-unused"],
  ])("client %s: %s, %s", async (id, clientType, tokenAuthMethod, clientSecret) => {
    expect((await clientGet(id)).body).toMatchObject({ clientId: Number(id), clientType, tokenAuthMethod, clientSecret });
  });

  it("an unknown client is notFoundStatus with {resultCode, resultMessage} only", async () => {
    for (const id of ["9999", "not-a-client"]) {
      const a = await clientGet(id);
      expect(a.status).toBe(404);
      expect(Object.keys(a.body).sort()).toEqual(["resultCode", "resultMessage"]);
      expect(a.body["resultMessage"]).toMatch(new RegExp(`^\\[A\\d{6}\\] /client/get, The client \\(ID = ${id}\\) does not exist\\.$`));
    }
    await control("service", { notFoundStatus: 403 });
    expect((await clientGet("9999")).status).toBe(403);
  });

  it("the alias finds the client only with clientGetByAlias", async () => {
    expect((await clientGet("demo-device")).status).toBe(404);
    await control("service", { clientGetByAlias: true });
    expect((await clientGet("demo-device")).body).toMatchObject({ clientId: 1001 });
  });

  it("uses the service credentials of the version; the owner's do not open it", async () => {
    expect((await clientGet("1001", null)).status).toBe(401);
    expect((await clientGet("1001", v === 2 ? OWNER_AUTH : "Bearer wrong")).status).toBe(401);
    expect((await clientGet("1001", v === 2 ? V3_AUTH : V2_AUTH)).status).toBe(401);
  });

  it("list is another API, not a client ID", async () => {
    expect((await clientGet("list")).body).toEqual({ resultCode: "404", resultMessage: "" });
  });
});

describe("client/get on the v3 path of another service", () => {
  it("is wrongServiceIdStatus before any lookup", async () => {
    expect((await get("/api/5550002/client/get/1001", V3_AUTH)).status).toBe(403);
  });
});
