import { beforeEach, describe, expect, it } from "vitest";
import { dpopProof } from "../support/dpop";
import { basic, complete, control, DEVICE_GRANT, relay, resetEmulator, seenRequests, V2 } from "../support/helpers";

beforeEach(resetEmulator);

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

describe("POST /token", () => {
  it("device_code pending → 400 authorization_pending, no-store, v3 and v2 paths", async () => {
    for (const over of [{}, V2]) {
      const flow = await relay.startFlow();
      const res = await relay.postForm("/token", { grant_type: DEVICE_GRANT, device_code: flow.device_code, client_id: "demo-device" }, {}, over);
      expect(res.status).toBe(400);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(res.headers.get("Pragma")).toBe("no-cache");
      expect(await json(res)).toMatchObject({ error: "authorization_pending" });
    }
    const paths = (await seenRequests()).map((r) => r.path);
    expect(paths).toContain("/api/5550001/auth/token");
    expect(paths).toContain("/api/auth/token");
  });

  it("OK → 200 with responseContent relayed verbatim", async () => {
    const flow = await relay.startFlow();
    expect((await complete(flow.user_code, "AUTHORIZED")).action).toBe("SUCCESS");
    const res = await relay.poll(flow.device_code);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const text = await res.text();
    expect(Object.keys(JSON.parse(text))[0]).toBe("access_token");
    expect(JSON.parse(text)).toMatchObject({ token_type: "Bearer" });
  });

  it("INVALID_CLIENT → 401 with WWW-Authenticate", async () => {
    const res = await relay.postForm("/token", { grant_type: "client_credentials" }, { Authorization: basic("demo-confidential", "nope") });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Basic realm="token"');
    expect(await json(res)).toMatchObject({ error: "invalid_client" });
  });

  it("client_credentials and refresh_token pass through", async () => {
    const cc = await relay.postForm(
      "/token",
      { grant_type: "client_credentials", scope: "tv.watch" },
      { Authorization: basic("demo-confidential", "demo-secret") },
    );
    expect(cc.status).toBe(200);
    expect(await json(cc)).toHaveProperty("access_token");

    const flow = await relay.startFlow({ client_id: "demo-device", scope: "openid profile offline_access" });
    await complete(flow.user_code, "AUTHORIZED");
    const tokens = await json(await relay.poll(flow.device_code));
    expect(tokens).toHaveProperty("refresh_token");
    const refreshed = await relay.postForm("/token", { grant_type: "refresh_token", refresh_token: String(tokens.refresh_token), client_id: "demo-device" });
    expect(refreshed.status).toBe(200);
    expect(await json(refreshed)).toHaveProperty("access_token");
  });

  it("authorization_code passes through (Authlete decides: the emulator has no such codes)", async () => {
    const res = await relay.postForm("/token", { grant_type: "authorization_code", code: "x", redirect_uri: "https://c.example/cb", client_id: "demo-device" });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "invalid_grant" });
  });

  it.each([
    ["password", { grant_type: "password", username: "demo", password: "demo" }],
    [
      "token exchange",
      {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: "t",
        subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
      },
    ],
    ["jwt bearer", { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: "a.b.c" }],
  ])("%s → 400 unsupported_grant_type from the edge", async (_, form) => {
    const res = await relay.postForm("/token", form, { Authorization: basic("demo-confidential", "demo-secret") });
    expect(res.status).toBe(400);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await json(res)).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("an unknown grant type → Authlete's unsupported_grant_type", async () => {
    const res = await relay.postForm("/token", { grant_type: "urn:example:magic", client_id: "demo-device" });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("INTERNAL_SERVER_ERROR → 500 with Authlete's body", async () => {
    const body = '{"error":"server_error","error_description":"[A999999] Authlete says so, in its own words."}';
    await control("faults", { api: "auth/token", mode: "action", action: "INTERNAL_SERVER_ERROR", responseContent: body });
    const res = await relay.postForm("/token", { grant_type: "client_credentials" }, { Authorization: basic("demo-confidential", "demo-secret") });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe(body);
  });

  it("forwards DPoP as dpop with htm and htu, and sets DPoP-Nonce", async () => {
    await control("service", { dpopNonce: "nonce-1" });
    const proof = await dpopProof();
    const flow = await relay.startFlow();
    await complete(flow.user_code, "AUTHORIZED");
    const res = await relay.poll(flow.device_code, "demo-device", { DPoP: proof });
    const sent = (await seenRequests()).filter((r) => r.path.endsWith("/auth/token")).at(-1)!;
    expect(sent.body).toMatchObject({ dpop: proof, htm: "POST", htu: "http://127.0.0.1:8787/token" });
    expect(res.headers.get("DPoP-Nonce")).toBe("nonce-1");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ token_type: "DPoP" });
  });
});
