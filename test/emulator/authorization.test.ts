// client/authorization/delete (docs/authlete-api.md §7.6) and auth/introspection (§7.7): the
// person's tokens of one client deleted, and a resource server's view of a token before and after.
import { beforeEach, describe, expect, it } from "vitest";
import { control, emulator, resetEmulator } from "../support/helpers";
import { type Answer, authorize, content, DEVICE_GRANT, pollToken, post, prefix, serviceAuth, type Version } from "./api";

beforeEach(resetEmulator);

/** A device flow of the client `client` (its form parameters) approved for `subject`; the token answer's access and refresh tokens. */
async function tokensFor(subject: string, client = "client_id=demo-device", v: Version = 3) {
  const da = (await authorize(`${client}&scope=openid%20profile`, v)).body as { userCode: string; deviceCode: string };
  expect((await post(v, "device/complete", { userCode: da.userCode, result: "AUTHORIZED", subject })).body["action"]).toBe("SUCCESS");
  const tok = await post(v, "auth/token", { parameters: `grant_type=${encodeURIComponent(DEVICE_GRANT)}&device_code=${da.deviceCode}&${client}` });
  expect(tok.body["action"]).toBe("OK");
  return { accessToken: tok.body["accessToken"] as string, refreshToken: tok.body["refreshToken"] as string };
}

const introspect = (token: string, extra: Record<string, unknown> = {}, v: Version = 3) => post(v, "auth/introspection", { token, ...extra }, serviceAuth(v));

async function call(v: Version, method: "POST" | "DELETE", path: string, body?: unknown, contentType = "application/json"): Promise<Answer> {
  const res = await emulator(`${prefix(v)}/${path}`, {
    method,
    headers: { Authorization: serviceAuth(v), ...(body === undefined ? {} : { "Content-Type": contentType }) },
    body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe.each([2, 3] as const)("client/authorization/delete, v%s", (v) => {
  it("deletes every token of this client for this subject (refresh tokens with them), and no one else's", async () => {
    const mine = [await tokensFor("alice", undefined, v), await tokensFor("alice", undefined, v)];
    const bob = await tokensFor("bob", undefined, v);
    const otherClient = await tokensFor("alice", "client_id=demo-post&client_secret=demo-post-secret", v);
    const a = await call(v, "POST", "client/authorization/delete/1001", { subject: "alice" });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      resultCode: "A137001",
      resultMessage: "[A137001] Deleted 2 access token(s) issued to the client (ID = 1001) of the service (API Key = 5550001).",
    });
    for (const t of mine) {
      expect((await introspect(t.accessToken, {}, v)).body).toMatchObject({ action: "UNAUTHORIZED", existent: false, usable: false });
      const refreshed = await post(v, "auth/token", { parameters: `grant_type=refresh_token&refresh_token=${t.refreshToken}&client_id=demo-device` });
      expect(content(refreshed)["error"]).toBe("invalid_grant");
    }
    expect((await introspect(bob.accessToken, {}, v)).body).toMatchObject({ action: "OK", subject: "bob" });
    expect((await introspect(otherClient.accessToken, {}, v)).body).toMatchObject({ action: "OK", subject: "alice", clientId: 1003 });
    // Nothing left: 0 deleted, still a success.
    expect((await call(v, "POST", "client/authorization/delete/1001", { subject: "alice" })).body["resultMessage"]).toContain("Deleted 0 access token(s)");
  });

  it("the subject as a form field, or on DELETE in the query or the path (§7.6's other documented forms)", async () => {
    for (const [method, path, body, type] of [
      ["POST", "client/authorization/delete/1001", "subject=carol", "application/x-www-form-urlencoded"],
      ["DELETE", "client/authorization/delete/1001?subject=carol", undefined, undefined],
      ["DELETE", "client/authorization/delete/1001/carol", undefined, undefined],
    ] as const) {
      const t = await tokensFor("carol", undefined, v);
      const a = await call(v, method, path, body, type);
      expect(a.body["resultMessage"], `${method} ${path}`).toContain("Deleted 1 access token(s)");
      expect((await introspect(t.accessToken, {}, v)).body["action"]).toBe("UNAUTHORIZED");
    }
  });

  it("an approved device code not yet redeemed is no token: it still yields tokens afterwards (why the Worker refuses that poll itself)", async () => {
    const da = (await authorize(undefined, v)).body as { userCode: string; deviceCode: string };
    await post(v, "device/complete", { userCode: da.userCode, result: "AUTHORIZED", subject: "dave" });
    expect((await call(v, "POST", "client/authorization/delete/1001", { subject: "dave" })).body["resultMessage"]).toContain("Deleted 0 access token(s)");
    expect((await pollToken(da.deviceCode, "demo-device", {}, v)).body["action"]).toBe("OK");
  });

  it("failures are failed calls: no subject → 400, an unknown client → notFoundStatus, another method → 405, credentials as every API", async () => {
    const noSubject = await call(v, "POST", "client/authorization/delete/1001", {});
    expect(noSubject).toMatchObject({ status: 400, body: { resultCode: "A137201" } });
    expect(noSubject.body["resultMessage"]).toBe("[A137201] /client/authorization/delete, The request does not contain 'subject'.");
    expect(await call(v, "POST", "client/authorization/delete/4242", { subject: "alice" })).toMatchObject({ status: 404, body: { resultCode: "A137202" } });
    await control("service", { notFoundStatus: 400 });
    expect((await call(v, "POST", "client/authorization/delete/4242", { subject: "alice" })).status).toBe(400);
    const get = await emulator(`${prefix(v)}/client/authorization/delete/1001`, { headers: { Authorization: serviceAuth(v) } });
    expect([get.status, get.headers.get("Allow")]).toEqual([405, "POST, DELETE"]);
    await get.text();
    const anonymous = await emulator(`${prefix(v)}/client/authorization/delete/1001`, { method: "POST", body: '{"subject":"alice"}' });
    expect(anonymous.status).toBe(401);
    await anonymous.text();
  });
});

describe.each([2, 3] as const)("auth/introspection, v%s", (v) => {
  it("a live token: OK with its client, subject, scopes and expiry; scopes and subject it does not cover: FORBIDDEN", async () => {
    const t = await tokensFor("erin", undefined, v);
    const ok = await introspect(t.accessToken, { scopes: ["openid"], subject: "erin" }, v);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      resultCode: "A056001",
      resultMessage: "[A056001] The access token is valid.",
      action: "OK",
      responseContent: 'Bearer error="invalid_request"',
      clientId: 1001,
      subject: "erin",
      scopes: ["openid", "profile"],
      existent: true,
      usable: true,
      sufficient: true,
      refreshable: true,
      grantType: "DEVICE_CODE",
    });
    expect(ok.body["expiresAt"]).toBeGreaterThan(Date.now());
    expect((await introspect(t.accessToken, { scopes: ["email"] }, v)).body).toMatchObject({ action: "FORBIDDEN", usable: true, sufficient: false });
    const other = await introspect(t.accessToken, { subject: "mallory" }, v);
    expect(other.body).toMatchObject({ action: "FORBIDDEN", sufficient: false });
  });

  it("unknown, expired or missing tokens: UNAUTHORIZED or BAD_REQUEST, with an RFC 6750 challenge in responseContent", async () => {
    const unknown = await introspect("no-such-token", {}, v);
    expect(unknown.body).toMatchObject({
      action: "UNAUTHORIZED",
      existent: false,
      usable: false,
      sufficient: false,
      refreshable: false,
      clientId: 0,
      expiresAt: 0,
    });
    expect(unknown.body["responseContent"]).toBe(
      'Bearer error="invalid_token",error_description="[A056301] The access token does not exist.",error_uri="https://docs.authlete.com/#A056301"',
    );
    const t = await tokensFor("frank", undefined, v);
    // Past the access token's hour, within its refresh token's day.
    await control("clock", { advanceMs: 2 * 3600 * 1000 });
    expect((await introspect(t.accessToken, {}, v)).body).toMatchObject({ action: "UNAUTHORIZED", existent: true, usable: false, refreshable: true });
    const missing = await post(v, "auth/introspection", {});
    expect(missing.body).toMatchObject({ action: "BAD_REQUEST" });
    expect(missing.body["responseContent"]).toMatch(/^Bearer error="invalid_request"/);
  });
});
