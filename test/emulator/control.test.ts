// The control API under /_emulator/ (emulator/README.md): every endpoint, its answers, and
// the 400 for every kind of bad body.
import { beforeEach, describe, expect, it } from "vitest";
import { control, emulator, resetEmulator } from "../support/helpers";
import { authorize, ctl, post } from "./api";

beforeEach(resetEmulator);

const BAD_BODIES = ["{oops", "[]", '"a string"', "42"];

async function expectBadBodies(path: string) {
  for (const body of BAD_BODIES) {
    const a = await ctl(path, "POST", body);
    expect(a.status, `${path} ${body}`).toBe(400);
    expect(a.body).toEqual({ error: "body must be a JSON object" });
  }
}

describe("health and unknown endpoints", () => {
  it("GET health → {ok, serviceId, now}; a trailing slash is the same endpoint", async () => {
    for (const path of ["health", "health/"]) {
      const a = await ctl(path);
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ ok: true, serviceId: 5550001 });
      expect(Math.abs((a.body["now"] as number) - Date.now())).toBeLessThan(5000);
    }
  });

  it("unknown paths and methods → JSON 404 {error}", async () => {
    for (const [path, method] of [
      ["nothing", "GET"],
      ["clock", "PUT"],
      ["reset", "GET"],
      ["health", "POST"],
      ["state/user-code", "GET"],
      ["", "GET"],
    ] as const) {
      const res = await emulator(`/_emulator/${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: string }).error).toMatch(/^unknown control endpoint /);
    }
    const bare = await emulator("/_emulator", {});
    expect(bare.status).toBe(404);
  });
});

describe("requests", () => {
  it("GET lists the API calls with their parts; DELETE clears", async () => {
    await post(3, "device/verification", { userCode: "BCDFGHJK" });
    const list = (await (await emulator("/_emulator/requests")).json()) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      method: "POST",
      path: "/api/5550001/device/verification",
      query: "",
      authorization: "Bearer emulator-service-access-token-5550001",
      contentType: "application/json",
      body: { userCode: "BCDFGHJK" },
    });
    expect((await ctl("requests", "DELETE")).body).toEqual({ cleared: true });
    expect(await (await emulator("/_emulator/requests")).json()).toEqual([]);
  });

  it("control calls are not logged", async () => {
    await ctl("health");
    expect(await (await emulator("/_emulator/requests")).json()).toEqual([]);
  });
});

describe("clock", () => {
  it("GET, POST advanceMs (adds up), POST offsetMs (sets), DELETE", async () => {
    expect((await ctl("clock")).body).toMatchObject({ offsetMs: 0 });
    expect((await ctl("clock", "POST", '{"advanceMs":1000}')).body).toEqual({ offsetMs: 1000 });
    expect((await ctl("clock", "POST", '{"advanceMs":500}')).body).toEqual({ offsetMs: 1500 });
    const now = (await ctl("clock")).body["now"] as number;
    expect(now - Date.now()).toBeGreaterThan(1000);
    expect((await ctl("clock", "POST", '{"offsetMs":-60000}')).body).toEqual({ offsetMs: -60000 });
    expect((await ctl("clock", "DELETE")).body).toEqual({ offsetMs: 0 });
  });

  it("bad bodies → 400", async () => {
    await expectBadBodies("clock");
    for (const body of ["{}", '{"advanceMs":"10"}', '{"offsetMs":null}']) {
      const a = await ctl("clock", "POST", body);
      expect(a.status).toBe(400);
      expect(a.body["error"]).toContain("advanceMs");
    }
  });

  it("a form body is not read: the control API speaks JSON only", async () => {
    const res = await emulator("/_emulator/clock", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "advanceMs=5" });
    expect(res.status).toBe(400);
  });
});

describe("service", () => {
  it("GET the effective settings, POST merges, DELETE returns to the seed", async () => {
    expect((await ctl("service")).body).toMatchObject({ serviceId: 5550001, deviceFlowPollingInterval: 5, userCodeLength: 8 });
    expect((await ctl("service", "POST", '{"deviceFlowPollingInterval":1}')).body).toMatchObject({ deviceFlowPollingInterval: 1, userCodeLength: 8 });
    expect((await ctl("service", "POST", '{"userCodeLength":10}')).body).toMatchObject({ deviceFlowPollingInterval: 1, userCodeLength: 10 });
    expect((await ctl("service", "POST", '{"deviceVerificationUriComplete":null}')).body["deviceVerificationUriComplete"]).toBeNull();
    expect((await ctl("service", "DELETE")).body).toMatchObject({ deviceFlowPollingInterval: 5, userCodeLength: 8 });
  });

  it("unknown keys, inherited names and wrong types → 400, nothing merged", async () => {
    await expectBadBodies("service");
    for (const [body, error] of [
      ['{"deviceFlowPollingIntervall":1}', "unknown service setting 'deviceFlowPollingIntervall'"],
      ['{"constructor":null}', "unknown service setting 'constructor'"],
      ['{"deviceFlowPollingInterval":"1"}', "service setting 'deviceFlowPollingInterval' must be of type number"],
      ['{"supportedGrantTypes":"DEVICE_CODE"}', "service setting 'supportedGrantTypes' must be of type array"],
      ['{"enforcePollingInterval":1}', "service setting 'enforcePollingInterval' must be of type boolean"],
    ]) {
      expect(await ctl("service", "POST", body)).toMatchObject({ status: 400, body: { error } });
    }
    expect((await ctl("service")).body).toMatchObject({ deviceFlowPollingInterval: 5 });
  });
});

describe("faults", () => {
  it("POST queues a fault with its defaults, it hits the matching API once, DELETE clears", async () => {
    const queued = await ctl("faults", "POST", '{"api":"/device/verification","mode":"status","status":503}');
    expect(queued.body).toEqual({ api: "device/verification", mode: "status", latencyMs: 0, status: 503, times: 1, action: null, responseContent: null });
    expect((await ctl("faults")).body).toHaveLength(1);
    expect((await authorize()).status).toBe(200);
    const hit = await emulator("/api/5550001/device/verification", {
      method: "POST",
      headers: { Authorization: "Bearer emulator-service-access-token-5550001" },
      body: "{}",
    });
    expect(hit.status).toBe(503);
    expect(hit.headers.get("Retry-After")).toBe("1");
    expect(await ctl("faults")).toMatchObject({ body: [] });

    await ctl("faults", "POST", '{"api":"*","mode":"latency","times":0}');
    expect((await ctl("faults")).body).toEqual([{ api: "*", mode: "latency", latencyMs: 1000, status: null, times: 0, action: null, responseContent: null }]);
    expect((await ctl("faults", "DELETE")).body).toEqual({ cleared: true });
    expect((await ctl("faults")).body).toEqual([]);
  });

  it("bad faults → 400 naming the member", async () => {
    await expectBadBodies("faults");
    for (const [body, member] of [
      ['{"mode":"status"}', "'api'"],
      ['{"api":"auth/token","mode":"explode"}', "'mode'"],
      ['{"api":"auth/token","mode":"latency","latencyMs":-1}', "'latencyMs'"],
      ['{"api":"auth/token","mode":"status","status":600}', "'status'"],
      ['{"api":"auth/token","mode":"status","times":1.5}', "'times'"],
      ['{"api":"auth/token","mode":"action","action":""}', "'action'"],
      ['{"api":"auth/token","mode":"action","responseContent":{}}', "'responseContent'"],
    ]) {
      const a = await ctl("faults", "POST", body);
      expect(a.status, body).toBe(400);
      expect(a.body["error"]).toContain(member);
    }
    expect((await ctl("faults")).body).toEqual([]);
  });
});

describe("reset", () => {
  it("clears codes, tokens, requests, faults, the clock and overrides", async () => {
    const flow = (await authorize()).body;
    await control("clock", { advanceMs: 5000 });
    await control("service", { deviceFlowPollingInterval: 1 });
    await control("faults", { api: "auth/token", mode: "drop" });
    expect((await ctl("reset", "POST")).body).toEqual({ reset: true });
    expect((await ctl(`state/user-code/${flow["userCode"]}`)).status).toBe(404);
    expect((await ctl("clock")).body["offsetMs"]).toBe(0);
    expect((await ctl("service")).body["deviceFlowPollingInterval"]).toBe(5);
    expect((await ctl("faults")).body).toEqual([]);
    expect(await (await emulator("/_emulator/requests")).json()).toEqual([]);
  });
});

describe("state", () => {
  it("user-code and device-code views of one record; 404 for unknown codes", async () => {
    const flow = (await authorize()).body;
    const byUser = await ctl(`state/user-code/${flow["userCode"]}`);
    expect(byUser.body).toMatchObject({
      userCode: flow["userCode"],
      deviceCode: flow["deviceCode"],
      state: "PENDING",
      expired: false,
      clientId: 1001,
      scopes: ["openid", "profile"],
      subject: null,
      interval: 5,
      lastPollAt: null,
    });
    expect((await ctl(`state/device-code/${encodeURIComponent(flow["deviceCode"] as string)}`)).body).toEqual(byUser.body);
    expect(await ctl("state/user-code/NOPE")).toMatchObject({ status: 404, body: { error: "no such user code" } });
    expect(await ctl("state/device-code/nope")).toMatchObject({ status: 404, body: { error: "no such device code" } });
  });

  it("token view: access and refresh token of one grant, and the flow it came from", async () => {
    const flow = (await authorize()).body;
    await post(3, "device/complete", { userCode: flow["userCode"], result: "AUTHORIZED", subject: "alice" });
    const tok = await post(3, "auth/token", {
      parameters: `grant_type=${encodeURIComponent("urn:ietf:params:oauth:grant-type:device_code")}&device_code=${flow["deviceCode"]}&client_id=demo-device`,
    });
    const at = await ctl(`state/token/${tok.body["accessToken"]}`);
    expect(at.body).toMatchObject({
      kind: "access_token",
      active: true,
      clientId: 1001,
      subject: "alice",
      scopes: ["openid", "profile"],
      grantType: "DEVICE_CODE",
      userCode: flow["userCode"],
    });
    expect(at.body["expiresAt"]).toBe(tok.body["accessTokenExpiresAt"]);
    expect((await ctl(`state/token/${tok.body["refreshToken"]}`)).body).toMatchObject({ kind: "refresh_token", expiresAt: tok.body["refreshTokenExpiresAt"] });
    expect(await ctl("state/token/nope")).toMatchObject({ status: 404, body: { error: "no such token" } });
  });
});
