// The device-flow state machine (docs/authlete-api.md §3-§6, §11): PENDING → AUTHORIZED /
// DENIED / FAILED → CONSUMED, expiry by the emulator's clock, and the options for the
// contract's unconfirmed points about codes.
import { beforeEach, describe, expect, it } from "vitest";
import { control, emulator, resetEmulator } from "../support/helpers";
import { type Answer, authorize, content, pollToken, post, type Version } from "./api";

beforeEach(resetEmulator);

interface Flow {
  userCode: string;
  deviceCode: string;
  expiresIn: number;
  interval: number;
}

async function start(parameters?: string, v: Version = 3): Promise<Flow> {
  const a = await authorize(parameters, v);
  expect(a.body["action"]).toBe("OK");
  return a.body as unknown as Flow;
}

const verify = (userCode: string, v: Version = 3) => post(v, "device/verification", { userCode });
const complete = (userCode: string, result: string, extra: Record<string, unknown> = {}, v: Version = 3) =>
  post(v, "device/complete", { userCode, result, ...(result === "AUTHORIZED" ? { subject: "alice" } : {}), ...extra });
const recordState = async (userCode: string) => ((await (await emulator(`/_emulator/state/user-code/${userCode}`)).json()) as { state: string }).state;
const interval = async (deviceCode: string) => ((await (await emulator(`/_emulator/state/device-code/${deviceCode}`)).json()) as { interval: number }).interval;
const advance = (seconds: number) => control("clock", { advanceMs: seconds * 1000 });
const tokenError = (a: Answer) => {
  expect(a.status).toBe(200);
  expect(a.body["action"]).toBe("BAD_REQUEST");
  return content(a)["error"];
};

describe.each([2, 3] as const)("the happy path, v%s", (v) => {
  it("PENDING → VALID → AUTHORIZED → tokens → CONSUMED, then the device code is spent", async () => {
    const before = Date.now();
    const flow = await start(undefined, v);
    expect(await recordState(flow.userCode)).toBe("PENDING");

    const ver = await verify(flow.userCode, v);
    expect(ver.status).toBe(200);
    expect(ver.body).toMatchObject({ action: "VALID", resultCode: "A224001", clientId: 1001, clientName: "Demo TV" });
    expect(ver.body).not.toHaveProperty("responseContent");
    const expiresAt = ver.body["expiresAt"] as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);

    expect(tokenError(await pollToken(flow.deviceCode, "demo-device", {}, v))).toBe("authorization_pending");

    expect((await complete(flow.userCode, "AUTHORIZED", {}, v)).body).toMatchObject({ action: "SUCCESS", resultCode: "A241001" });
    expect(await recordState(flow.userCode)).toBe("AUTHORIZED");

    const tok = await pollToken(flow.deviceCode, "demo-device", {}, v);
    expect(tok.body).toMatchObject({ action: "OK", grantType: "DEVICE_CODE", subject: "alice", scopes: ["openid", "profile"] });
    expect(await recordState(flow.userCode)).toBe("CONSUMED");

    expect(tokenError(await pollToken(flow.deviceCode, "demo-device", {}, v))).toBe("invalid_grant");
  });
});

describe("decisions other than AUTHORIZED", () => {
  it("ACCESS_DENIED → DENIED: access_denied carrying the description and URI given to /device/complete", async () => {
    const flow = await start();
    await complete(flow.userCode, "ACCESS_DENIED", { errorDescription: "The user said no.", errorUri: "https://as.example/why" });
    expect(await recordState(flow.userCode)).toBe("DENIED");
    const a = await pollToken(flow.deviceCode);
    expect(content(a)).toEqual({ error: "access_denied", error_description: "The user said no.", error_uri: "https://as.example/why" });
  });

  it("TRANSACTION_FAILED → FAILED: expired_token", async () => {
    const flow = await start();
    await complete(flow.userCode, "TRANSACTION_FAILED");
    expect(await recordState(flow.userCode)).toBe("FAILED");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("expired_token");
  });

  it.each<[string, Record<string, unknown>]>([
    ["AUTHORIZED without subject", { result: "AUTHORIZED" }],
    ["an unknown result", { result: "MAYBE", subject: "alice" }],
    ["claims that are not JSON", { result: "AUTHORIZED", subject: "alice", claims: "not json" }],
    ["an error description outside RFC 6749's characters", { result: "ACCESS_DENIED", errorDescription: 'has a "quote"' }],
  ])("/device/complete with %s → INVALID_REQUEST, the record stays PENDING", async (_, extra) => {
    const flow = await start();
    const a = await post(3, "device/complete", { userCode: flow.userCode, ...extra });
    expect(a.status).toBe(200);
    expect(a.body["action"]).toBe("INVALID_REQUEST");
    expect(await recordState(flow.userCode)).toBe("PENDING");
  });

  it("unknown user codes: NOT_EXIST and USER_CODE_NOT_EXIST; a missing userCode on verification is an API-call failure", async () => {
    expect((await verify("BCDFGHJK")).body["action"]).toBe("NOT_EXIST");
    expect((await complete("BCDFGHJK", "AUTHORIZED")).body["action"]).toBe("USER_CODE_NOT_EXIST");
    const missing = await post(3, "device/verification", {});
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body).sort()).toEqual(["resultCode", "resultMessage"]);
  });

  it("matching is exact: a lower-case or dashed code does not exist", async () => {
    const flow = await start();
    expect((await verify(flow.userCode.toLowerCase())).body["action"]).toBe("NOT_EXIST");
    expect((await verify(`${flow.userCode.slice(0, 4)}-${flow.userCode.slice(4)}`)).body["action"]).toBe("NOT_EXIST");
  });
});

describe("expiry by the emulator clock", () => {
  it("past expiresIn: EXPIRED, USER_CODE_EXPIRED, expired_token; past the retention: NOT_EXIST and the unknown-code error", async () => {
    const flow = await start();
    await advance(flow.expiresIn);
    expect((await verify(flow.userCode)).body["action"]).toBe("EXPIRED");
    expect((await complete(flow.userCode, "AUTHORIZED")).body["action"]).toBe("USER_CODE_EXPIRED");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("expired_token");

    await advance(3599);
    expect((await verify(flow.userCode)).body["action"]).toBe("EXPIRED");
    await advance(1);
    expect((await verify(flow.userCode)).body["action"]).toBe("NOT_EXIST");
    expect((await complete(flow.userCode, "AUTHORIZED")).body["action"]).toBe("USER_CODE_NOT_EXIST");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("invalid_grant");
  });

  it("expiredCodeRetentionSeconds: 0 forgets a code the moment it expires", async () => {
    await control("service", { expiredCodeRetentionSeconds: 0 });
    const flow = await start();
    await advance(flow.expiresIn - 1);
    expect((await verify(flow.userCode)).body["action"]).toBe("VALID");
    await advance(1);
    expect((await verify(flow.userCode)).body["action"]).toBe("NOT_EXIST");
  });

  it("an approved but unredeemed code still expires", async () => {
    const flow = await start();
    await complete(flow.userCode, "AUTHORIZED");
    await advance(flow.expiresIn);
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("expired_token");
  });
});

describe("completedUserCodeAction: a code that already has a decision", () => {
  it("NOT_EXIST (default): verification NOT_EXIST, a second decision USER_CODE_NOT_EXIST", async () => {
    const flow = await start();
    await complete(flow.userCode, "AUTHORIZED");
    expect((await verify(flow.userCode)).body["action"]).toBe("NOT_EXIST");
    expect((await complete(flow.userCode, "ACCESS_DENIED")).body["action"]).toBe("USER_CODE_NOT_EXIST");
    expect(await recordState(flow.userCode)).toBe("AUTHORIZED");
  });

  it("EXPIRED: verification EXPIRED, a second decision USER_CODE_EXPIRED", async () => {
    await control("service", { completedUserCodeAction: "EXPIRED" });
    const flow = await start();
    await complete(flow.userCode, "ACCESS_DENIED");
    expect((await verify(flow.userCode)).body["action"]).toBe("EXPIRED");
    expect((await complete(flow.userCode, "AUTHORIZED")).body["action"]).toBe("USER_CODE_EXPIRED");
  });

  it("VALID: the decision can change until a token is issued, not after", async () => {
    await control("service", { completedUserCodeAction: "VALID" });
    const flow = await start();
    await complete(flow.userCode, "AUTHORIZED");
    expect((await verify(flow.userCode)).body["action"]).toBe("VALID");
    expect((await complete(flow.userCode, "ACCESS_DENIED")).body["action"]).toBe("SUCCESS");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("access_denied");

    const second = await start();
    await complete(second.userCode, "AUTHORIZED");
    expect((await pollToken(second.deviceCode)).body["action"]).toBe("OK");
    expect((await complete(second.userCode, "ACCESS_DENIED")).body["action"]).toBe("USER_CODE_NOT_EXIST");
  });
});

describe("polling: enforcePollingInterval", () => {
  it("off (default): polls as fast as they come all answer authorization_pending", async () => {
    const flow = await start();
    for (let i = 0; i < 3; i++) expect(tokenError(await pollToken(flow.deviceCode))).toBe("authorization_pending");
  });

  it("on: a poll within the interval gets slow_down and the interval grows by 5 s for good", async () => {
    await control("service", { enforcePollingInterval: true });
    const flow = await start();
    expect(flow.interval).toBe(5);
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("authorization_pending");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("slow_down");
    expect(await interval(flow.deviceCode)).toBe(10);
    await advance(9);
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("slow_down");
    expect(await interval(flow.deviceCode)).toBe(15);
    await advance(15);
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("authorization_pending");
    expect(await interval(flow.deviceCode)).toBe(15);
  });
});

describe("token errors for the contract's unconfirmed device-code cases", () => {
  it("deviceCodeReuseError: a redeemed code used again", async () => {
    await control("service", { deviceCodeReuseError: "expired_token" });
    const flow = await start();
    await complete(flow.userCode, "AUTHORIZED");
    expect((await pollToken(flow.deviceCode)).body["action"]).toBe("OK");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("expired_token");
  });

  it("deviceCodeWrongClientError: another client's device code (invalid_grant by default)", async () => {
    const flow = await start();
    expect(tokenError(await pollToken(flow.deviceCode, "xss-client"))).toBe("invalid_grant");
    await control("service", { deviceCodeWrongClientError: "access_denied" });
    expect(tokenError(await pollToken(flow.deviceCode, "xss-client"))).toBe("access_denied");
    // The rightful client is unaffected.
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("authorization_pending");
  });

  it("unknownDeviceCodeError: a code Authlete never issued (invalid_grant by default)", async () => {
    expect(tokenError(await pollToken("no-such-device-code"))).toBe("invalid_grant");
    await control("service", { unknownDeviceCodeError: "expired_token" });
    expect(tokenError(await pollToken("no-such-device-code"))).toBe("expired_token");
  });

  it("deviceGrantNotAllowedError: a client without DEVICE_CODE, at device authorization and at the token endpoint", async () => {
    const da = await authorize("client_id=no-device");
    expect(da.status).toBe(200);
    expect(da.body["action"]).toBe("BAD_REQUEST");
    expect(content(da)["error"]).toBe("unauthorized_client");
    expect(tokenError(await pollToken("whatever", "no-device"))).toBe("unauthorized_client");
    await control("service", { deviceGrantNotAllowedError: "invalid_client" });
    expect(content(await authorize("client_id=no-device"))["error"]).toBe("invalid_client");
    expect(tokenError(await pollToken("whatever", "no-device"))).toBe("invalid_client");
  });

  it("a service without DEVICE_CODE: device authorization refused, the token endpoint calls the grant unsupported", async () => {
    const flow = await start();
    await control("service", { supportedGrantTypes: ["AUTHORIZATION_CODE", "REFRESH_TOKEN"] });
    expect(content(await authorize())["error"]).toBe("unauthorized_client");
    expect(tokenError(await pollToken(flow.deviceCode))).toBe("unsupported_grant_type");
  });
});

describe("user codes and the device authorization answer", () => {
  it.each([
    ["BASE20", 0, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/],
    ["NUMERIC", 0, /^[0-9]{9}$/],
    ["BASE20", 12, /^[BCDFGHJKLMNPQRSTVWXZ]{12}$/],
    ["NUMERIC", 6, /^[0-9]{6}$/],
  ])("%s, userCodeLength %s", async (userCodeCharset, userCodeLength, shape) => {
    await control("service", { userCodeCharset, userCodeLength });
    for (let i = 0; i < 5; i++) expect((await start()).userCode).toMatch(shape);
  });

  it("responseContent: RFC 8628 members in Authlete's order, the template's USER_CODE replaced, interval 0 left out", async () => {
    const a = await authorize();
    const c = content(a);
    expect(Object.keys(c)).toEqual(["user_code", "device_code", "verification_uri_complete", "verification_uri", "expires_in", "interval"]);
    expect(c["verification_uri_complete"]).toBe(`http://127.0.0.1:8787/device?user_code=${a.body["userCode"]}`);
    expect(c).toMatchObject({ device_code: a.body["deviceCode"], expires_in: 600, interval: 5 });

    await control("service", { deviceFlowPollingInterval: 0, deviceVerificationUriComplete: null, deviceFlowCodeDuration: 90 });
    const b = await authorize();
    expect(Object.keys(content(b))).toEqual(["user_code", "device_code", "verification_uri", "expires_in"]);
    expect(b.body).toMatchObject({ expiresIn: 90, interval: 0 });
    expect(b.body).not.toHaveProperty("verificationUriComplete");
  });
});
