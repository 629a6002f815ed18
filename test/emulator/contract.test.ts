// The contract check itself (test/support/authlete-contract.ts): that it checks every API the
// emulator serves against the SDK's schema, and that it fails, naming API, member and reason,
// when an answer leaves the contract. The setup file runs the same check after every test.
import { afterAll, describe, expect, it } from "vitest";
import { checkAnswer, checkTaken, KEYS_NOT_IN_SDK, type RecordedAnswer, type TakenAnswers } from "../support/authlete-contract";
import { dpopProof } from "../support/dpop";
import { control, emulator, resetEmulator } from "../support/helpers";
import { authorize, get, OWNER_AUTH, post, prefix, SERVICE_ID, serviceAuth } from "./api";

afterAll(resetEmulator);

async function take(): Promise<TakenAnswers> {
  return (await emulator("/_emulator/answers/take", { method: "POST" })).json();
}

const answer = (api: string, body: unknown, over: Partial<RecordedAnswer> = {}): RecordedAnswer => ({
  api,
  method: "POST",
  path: `/api/${SERVICE_ID}/${api}`,
  status: 200,
  body,
  omitNullFields: true,
  fault: null,
  pending: false,
  ...over,
});

/** One call to every API the emulator serves, v2 and v3, with outcomes of every kind. */
async function everyApi(): Promise<void> {
  for (const v of [2, 3] as const) {
    const da = (await authorize("client_id=demo-device&scope=openid%20profile&resource=https://api.example", v)).body;
    await authorize("client_id=nobody", v);
    await post(v, "device/verification", { userCode: da["userCode"] });
    await post(v, "device/verification", { userCode: "BCDFBCDF" });
    await post(v, "device/complete", { userCode: da["userCode"], result: "AUTHORIZED", subject: "alice", properties: [{ key: "k", value: "v" }] });
    await post(v, "device/complete", { userCode: "BCDFBCDF", result: "AUTHORIZED", subject: "alice" });
    const grant = `grant_type=${encodeURIComponent("urn:ietf:params:oauth:grant-type:device_code")}&client_id=demo-device`;
    const tok = (await post(v, "auth/token", { parameters: `${grant}&device_code=${da["deviceCode"]}`, dpop: await dpopProof() })).body;
    await post(v, "auth/token", { parameters: `${grant}&device_code=unknown` });
    await post(v, "auth/token", { parameters: "grant_type=client_credentials", clientId: "demo-confidential", clientSecret: "demo-secret" });
    await post(v, "auth/token", { parameters: "grant_type=client_credentials", clientId: "demo-confidential", clientSecret: "wrong" });
    await post(v, "auth/token", { parameters: `grant_type=refresh_token&refresh_token=${tok["refreshToken"]}&client_id=demo-device` });
    await post(v, "auth/token", {
      parameters: "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=t&subject_token_type=urn:ietf:params:oauth:token-type:jwt",
      clientId: "demo-confidential",
      clientSecret: "demo-secret",
    });
    await post(v, "auth/introspection/standard", { parameters: `token=${tok["accessToken"]}` });
    await post(v, "auth/introspection/standard", { parameters: "token=unknown" });
    await post(v, "auth/introspection/standard", { parameters: "" });
    await post(v, "auth/revocation", { parameters: `token=${tok["accessToken"]}&client_id=demo-device` });
    await post(v, "auth/revocation", { parameters: "token=x&client_id=nobody" });
    await get(`${prefix(v)}/service/configuration`, serviceAuth(v));
    await get(`${prefix(v)}/service/jwks/get`, serviceAuth(v));
    await get(v === 2 ? `/api/service/get/${SERVICE_ID}` : `/api/${SERVICE_ID}/service/get`, v === 2 ? OWNER_AUTH : serviceAuth(v));
    await get(`${prefix(v)}/client/get/1002`, serviceAuth(v));
    await get(`${prefix(v)}/client/get/9999`, serviceAuth(v));
    await post(v, "device/verification", {}, null);
  }
}

const APIS = [
  "device/authorization",
  "device/verification",
  "device/complete",
  "auth/token",
  "auth/revocation",
  "auth/introspection/standard",
  "service/configuration",
  "service/jwks/get",
  "service/get",
  "client/get",
];

describe("every API the emulator serves, against the SDK's schemas", () => {
  it.each([true, false])("omitNullFields %s: every answer checked, none found outside the contract", async (omitNullFields) => {
    await resetEmulator();
    await control("service", { omitNullFields });
    await take();
    await everyApi();
    const taken = await take();
    expect(taken.received).toBe(taken.answers.length);
    expect(taken.answers.every((a) => a.omitNullFields === omitNullFields)).toBe(true);
    const tally = checkTaken(taken);
    for (const api of APIS) expect(tally[api]?.checked, api).toBeGreaterThan(0);
  });

  it("with its null members left in, the SDK refuses an answer: the reason the emulator leaves them out", async () => {
    await resetEmulator();
    await control("service", { omitNullFields: false });
    await take();
    await authorize();
    const [a] = (await take()).answers;
    const findings = checkAnswer({ ...a!, omitNullFields: true });
    expect(findings.length).toBeGreaterThan(0);
    expect(findings).toContainEqual({
      api: "device/authorization",
      status: 200,
      member: "dynamicScopes",
      reason: "null, where Authlete leaves a member without a value out (docs/authlete-api.md §1.4)",
    });
  });
});

describe("the setup file takes and checks the answers after every test", () => {
  it("a test that leaves an answer behind…", async () => {
    await resetEmulator();
    expect((await authorize()).body["action"]).toBe("OK");
  });

  it("…finds none left at the start of the next: the check took it", async () => {
    expect(await take()).toEqual({ received: 0, dropped: 0, answers: [] });
  });
});

describe("the check fails, naming API, member and reason", () => {
  it("a member of the wrong type, nested too", () => {
    expect(checkAnswer(answer("device/authorization", { action: "OK", clientId: "1001", scopes: [{ name: 7 }] }))).toEqual([
      { api: "device/authorization", status: 200, member: "clientId", reason: "Expected number, received string" },
      { api: "device/authorization", status: 200, member: "scopes[0].name", reason: "Expected string, received number" },
    ]);
  });

  it("an action outside the SDK's enum", () => {
    const [f] = checkAnswer(answer("device/complete", { action: "MAYBE" }));
    expect(f).toMatchObject({ api: "device/complete", member: "action", reason: expect.stringContaining("Invalid enum value") });
  });

  it("a key the SDK does not name, at any depth; the allowed ones only where allowed", () => {
    // Neither answer has a client name in Authlete's contract (docs/authlete-api.md §6.2, §7.4).
    for (const api of ["auth/token", "auth/revocation"]) {
      expect(checkAnswer(answer(api, { action: "OK", clientName: "x" }))).toEqual([
        { api, status: 200, member: "clientName", reason: "a key the SDK's schema does not name" },
      ]);
    }
    expect(checkAnswer(answer("device/verification", { action: "VALID", scopes: [{ name: "a", colour: "red" }] }))).toEqual([
      { api: "device/verification", status: 200, member: "scopes[0].colour", reason: "a key the SDK's schema does not name" },
    ]);
    const allowed = Object.fromEntries(KEYS_NOT_IN_SDK["auth/token"]!.map((k) => [k, k === "metadataDocumentUsed" ? false : "x"]));
    expect(checkAnswer(answer("auth/token", { action: "OK", ...allowed }))).toEqual([]);
  });

  it("a failed call's body is {resultCode, resultMessage} and nothing else, whatever its status", () => {
    expect(checkAnswer(answer("auth/token", { resultCode: "A001202", resultMessage: "[A001202] …" }, { status: 401 }))).toEqual([]);
    expect(checkAnswer(answer("auth/token", { resultCode: 404, resultMessage: "" }, { status: 404 }))).toEqual([
      { api: "auth/token", status: 404, member: "resultCode", reason: "Expected string, received number" },
    ]);
    expect(checkAnswer(answer("auth/token", { resultCode: "A1", action: "OK" }, { status: 500 }))[0]).toMatchObject({ member: "action" });
  });

  it("a success from an API the SDK has no schema for, and a body that is not a JSON object", () => {
    expect(checkAnswer(answer("auth/authorization", {}))[0]).toMatchObject({ member: "(the API)", reason: expect.stringContaining("no schema") });
    expect(checkAnswer(answer("auth/token", "<html>"))[0]).toMatchObject({ member: "(the body)", reason: expect.stringContaining("not a JSON object") });
  });

  it("answers a fault made, or not sent yet, are counted apart and not held to the contract", () => {
    const tally = checkTaken({
      received: 3,
      dropped: 0,
      answers: [
        answer("auth/token", "<html>", { fault: "non-json" }),
        answer("auth/token", null, { status: null, pending: true, fault: "latency" }),
        answer("auth/token", { action: "OK" }),
      ],
    });
    expect(tally).toEqual({ "auth/token": { checked: 1, faulted: 1, pending: 1 } });
  });

  it("a request without a recorded answer, or answers lost off the log, fail the check", () => {
    expect(() => checkTaken({ received: 2, dropped: 0, answers: [answer("auth/token", { action: "OK" })] })).toThrow(
      "the emulator received 2 API requests but recorded 1 answers",
    );
    expect(() => checkTaken({ received: 0, dropped: 3, answers: [] })).toThrow("3 answers fell off the emulator's log unchecked");
    expect(() => checkTaken({ received: 1, dropped: 0, answers: [answer("auth/token", null, { status: null, pending: true })] })).toThrow(
      `POST /api/${SERVICE_ID}/auth/token (auth/token): no answer was sent`,
    );
    expect(() => checkTaken({ received: 1, dropped: 0, answers: [answer("auth/token", { action: "OK", clientId: "x" })] })).toThrow(
      `POST /api/${SERVICE_ID}/auth/token (auth/token, HTTP 200): clientId: Expected number, received string`,
    );
  });
});
