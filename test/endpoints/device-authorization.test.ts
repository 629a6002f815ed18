import { beforeEach, describe, expect, it } from "vitest";
import { basic, control, grants, postForm, resetEmulator, seenRequests, V2, worker } from "../support/helpers";

beforeEach(resetEmulator);

const expectNoStore = (res: Response) => {
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  expect(res.headers.get("Pragma")).toBe("no-cache");
  expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
};

describe("POST /device_authorization", () => {
  it("OK → 200 with Authlete's responseContent byte for byte (v3 path, Bearer)", async () => {
    const raw = "client_id=demo-device&scope=openid%20profile%20unregistered";
    const res = await postForm("/device_authorization", raw);
    expect(res.status).toBe(200);
    expectNoStore(res);
    const text = await res.text();
    // Member order is Authlete's (contract §11), so the body was relayed, not re-serialised.
    expect(Object.keys(JSON.parse(text))).toEqual(["user_code", "device_code", "verification_uri_complete", "verification_uri", "expires_in", "interval"]);
    const body = JSON.parse(text);
    expect(body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect(body.verification_uri_complete).toBe(`http://127.0.0.1:8787/device?user_code=${body.user_code}`);
    expect(body).toMatchObject({ verification_uri: "http://127.0.0.1:8787/device", expires_in: 600, interval: 5 });

    const [seen] = await seenRequests();
    expect(seen).toMatchObject({ method: "POST", path: "/api/5550001/device/authorization", authorization: "Bearer emulator-service-access-token-5550001" });
    // The form body goes to Authlete verbatim; no Basic header means no clientId/clientSecret.
    expect(seen!.body).toEqual({ parameters: raw });
  });

  it("uses the v2 path and Basic key:secret when AUTHLETE_API_VERSION=2", async () => {
    const res = await postForm("/device_authorization", { client_id: "demo-device" }, {}, V2);
    expect(res.status).toBe(200);
    const [seen] = await seenRequests();
    expect(seen!.path).toBe("/api/device/authorization");
    expect(seen!.authorization).toBe(`Basic ${btoa("5550001:emulator-api-secret-5550001")}`);
  });

  it("splits Authorization: Basic into clientId/clientSecret, URL-decoded (RFC 6749 §2.3.1)", async () => {
    const res = await postForm("/device_authorization", { scope: "tv.watch" }, { Authorization: `Basic ${btoa("demo-confidential:demo%2Dsecret")}` });
    expect(res.status).toBe(200);
    const [seen] = await seenRequests();
    expect(seen!.body).toEqual({ parameters: "scope=tv.watch", clientId: "demo-confidential", clientSecret: "demo-secret" });
  });

  it("UNAUTHORIZED → 401 with WWW-Authenticate and the invalid_client body", async () => {
    const res = await postForm("/device_authorization", {}, { Authorization: basic("demo-confidential", "wrong") });
    expect(res.status).toBe(401);
    expectNoStore(res);
    expect(res.headers.get("WWW-Authenticate")).toBe('Basic realm="device/authorization"');
    expect((await res.json()) as object).toMatchObject({ error: "invalid_client" });
  });

  it("BAD_REQUEST → 400 with Authlete's error body (client without the device grant)", async () => {
    const res = await postForm("/device_authorization", { client_id: "no-device" });
    expect(res.status).toBe(400);
    expectNoStore(res);
    expect((await res.json()) as object).toMatchObject({ error: "unauthorized_client" });
  });

  it("INTERNAL_SERVER_ERROR → 500 with Authlete's body", async () => {
    const body = '{"error":"server_error","error_description":"[A999999] Authlete says so, in its own words."}';
    await control("faults", { api: "device/authorization", mode: "action", action: "INTERNAL_SERVER_ERROR", responseContent: body });
    const res = await postForm("/device_authorization", { client_id: "demo-device" });
    expect(res.status).toBe(500);
    expectNoStore(res);
    expect(await res.text()).toBe(body);
  });

  it("a malformed Basic header → 401 invalid_client, Authlete not called", async () => {
    const res = await postForm("/device_authorization", { client_id: "demo-device" }, { Authorization: "Basic !!!" });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain("Basic");
    expect((await res.json()) as object).toMatchObject({ error: "invalid_client" });
    expect(await seenRequests()).toEqual([]);
  });

  it("passes OAuth-Client-Attestation headers on", async () => {
    await postForm("/device_authorization", { client_id: "demo-device" }, { "OAuth-Client-Attestation": "a.b.c", "OAuth-Client-Attestation-PoP": "d.e.f" });
    const [seen] = await seenRequests();
    expect(seen!.body).toMatchObject({ oauthClientAttestation: "a.b.c", oauthClientAttestationPop: "d.e.f" });
  });

  it("records who asked: address, request.cf's place and network, coordinates rounded to 0.1°, the software, the time", async () => {
    const before = Date.now();
    const res = await worker("/device_authorization", {
      method: "POST",
      body: "client_id=demo-device",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": "198.51.100.7", "User-Agent": "DemoTV/2.1 (Tizen 8.0)" },
      cf: {
        country: "DE",
        region: "Hesse",
        city: "Frankfurt am Main",
        asn: 3320,
        asOrganization: "Deutsche Telekom AG",
        latitude: "50.11552",
        longitude: "8.68417",
        colo: "FRA",
        timezone: "Europe/Berlin",
      },
    } as RequestInit);
    const { user_code } = (await res.json()) as { user_code: string };
    const rec = (await grants().lookup(user_code, Date.now()))?.device as unknown as Record<string, unknown>;
    expect(rec).toEqual({
      ip: "198.51.100.7",
      country: "DE",
      region: "Hesse",
      city: "Frankfurt am Main",
      asn: 3320,
      asOrganization: "Deutsche Telekom AG",
      latitude: 50.1,
      longitude: 8.7,
      colo: "FRA",
      userAgent: "DemoTV/2.1 (Tizen 8.0)",
      requestedAt: expect.any(Number),
    });
    expect(rec["requestedAt"]).toBeGreaterThanOrEqual(before);
  });
});
