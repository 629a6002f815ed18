import { beforeEach, describe, expect, it } from "vitest";
import { basic, complete, control, postForm, relay, resetEmulator, seenRequests, worker } from "../support/helpers";

beforeEach(resetEmulator);

describe("POST /revoke (RFC 7009)", () => {
  it("revokes an access token: 200, then the refresh token of a revoked grant still answers 200", async () => {
    const flow = await relay.startFlow({ client_id: "demo-device", scope: "openid offline_access" });
    await complete(flow.user_code, "AUTHORIZED");
    const tokens = (await (await relay.poll(flow.device_code)).json()) as { access_token: string };
    const res = await postForm("/revoke", { token: tokens.access_token, client_id: "demo-device" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).toBe("");
    // RFC 7009 §2.2: an unknown token is not an error.
    expect((await postForm("/revoke", { token: "unknown", client_id: "demo-device" })).status).toBe(200);
    const paths = (await seenRequests()).map((r) => r.path);
    expect(paths).toContain("/api/5550001/auth/revocation");
  });

  it("missing token → 400 invalid_request; bad client → 401 with WWW-Authenticate", async () => {
    const bad = await postForm("/revoke", { client_id: "demo-device" });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as object).toMatchObject({ error: "invalid_request" });
    const unauth = await postForm("/revoke", { token: "x" }, { Authorization: basic("demo-confidential", "wrong") });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get("WWW-Authenticate")).toBe('Basic realm="revocation"');
  });
});

describe("discovery", () => {
  it.each(["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"])(
    "%s relays Authlete's metadata with the device grant",
    async (path) => {
      const res = await worker(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("Cache-Control")).toBe("public, max-age=300");
      const doc = (await res.json()) as Record<string, unknown>;
      expect(doc.issuer).toBe("http://127.0.0.1:8787");
      expect(doc.device_authorization_endpoint).toBe("http://127.0.0.1:8787/device_authorization");
      expect(doc.grant_types_supported).toContain("urn:ietf:params:oauth:grant-type:device_code");
    },
  );

  it("/jwks relays the service's JWK Set advertised as jwks_uri", async () => {
    const doc = (await (await worker("/.well-known/openid-configuration")).json()) as { jwks_uri: string };
    expect(doc.jwks_uri).toBe("http://127.0.0.1:8787/jwks");
    const res = await worker(new URL(doc.jwks_uri).pathname);
    expect(res.status).toBe(200);
    const set = (await res.json()) as { keys: { kty: string; d?: string }[] };
    expect(set.keys.length).toBeGreaterThan(0);
    expect(set.keys[0]).not.toHaveProperty("d");
    expect((await seenRequests()).some((r) => r.path === "/api/5550001/service/jwks/get")).toBe(true);
  });

  it("is served from the edge cache for the configured time, and not cached when set to 0", async () => {
    await control("requests");
    await worker("/.well-known/openid-configuration", {}, { DISCOVERY_CACHE_SECONDS: "120" });
    await worker("/.well-known/openid-configuration", {}, { DISCOVERY_CACHE_SECONDS: "120" });
    const cached = (await seenRequests()).filter((r) => r.path.endsWith("/service/configuration")).length;
    expect(cached).toBeLessThanOrEqual(1);

    await control("requests");
    const a = await worker("/.well-known/openid-configuration", {}, { DISCOVERY_CACHE_SECONDS: "0" });
    await worker("/.well-known/openid-configuration", {}, { DISCOVERY_CACHE_SECONDS: "0" });
    expect(a.headers.get("Cache-Control")).toBe("no-store");
    expect((await seenRequests()).filter((r) => r.path.endsWith("/service/configuration"))).toHaveLength(2);
  });
});
