// The two error layers (docs/authlete-api.md §2.2): a broken API call is non-2xx with only
// {resultCode, resultMessage}; a protocol outcome is HTTP 200 with an action.
import { beforeEach, describe, expect, it } from "vitest";
import { control, emulator, resetEmulator } from "../support/helpers";
import { type Answer, authorize, content, post, prefix, V2_AUTH, V3_AUTH, type Version } from "./api";

beforeEach(resetEmulator);

/** An API-call failure: the given status, and nothing but the two result members. */
function failure(a: Answer, status: number, code: RegExp | string = /^A\d{6}$/) {
  expect(a.status).toBe(status);
  expect(Object.keys(a.body).sort()).toEqual(["resultCode", "resultMessage"]);
  expect(a.body["resultCode"]).toEqual(typeof code === "string" ? code : expect.stringMatching(code));
  expect(a.body["resultMessage"]).toMatch(/^\[A\d{6}\] \/[a-z/]+, /);
}

const raw = async (path: string, init: RequestInit): Promise<Answer> => {
  const res = await emulator(path, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};

describe.each([2, 3] as const)("API-call failures, v%s", (v: Version) => {
  it("no Authorization header → 401 A001202, the message naming the API", async () => {
    const a = await post(v, "device/verification", { userCode: "BCDFGHJK" }, null);
    failure(a, 401, "A001202");
    expect(a.body["resultMessage"]).toBe("[A001202] /device/verification, Authorization header is missing.");
  });

  it("wrong credentials and the other version's scheme → 401", async () => {
    const wrong =
      v === 2 ? [`Basic ${btoa("5550001:nope")}`, `Basic ${btoa("9:emulator-api-secret-5550001")}`, "Basic !!!", V3_AUTH] : ["Bearer nope", V2_AUTH];
    for (const auth of wrong) failure(await post(v, "device/verification", { userCode: "BCDFGHJK" }, auth), 401, "A001203");
  });

  it("a body that is not a JSON object → 400; a form body gives its flat fields", async () => {
    const auth = v === 2 ? V2_AUTH : V3_AUTH;
    for (const body of ["{not json", "[1,2]", '"text"', "null"]) {
      failure(
        await raw(`${prefix(v)}/device/verification`, { method: "POST", headers: { Authorization: auth, "Content-Type": "application/json" }, body }),
        400,
        "A001206",
      );
    }
    const form = await raw(`${prefix(v)}/device/verification`, {
      method: "POST",
      headers: { Authorization: auth, "Content-Type": "application/x-www-form-urlencoded" },
      body: "userCode=BCDFGHJK",
    });
    expect(form.status).toBe(200);
    expect(form.body["action"]).toBe("NOT_EXIST");
  });

  it("the wrong HTTP method → 405 with Allow", async () => {
    const a = await raw(`${prefix(v)}/auth/token`, { method: "GET", headers: { Authorization: v === 2 ? V2_AUTH : V3_AUTH } });
    failure(a, 405, "A001207");
    expect(a.headers.get("Allow")).toBe("POST");
  });

  it("an unknown API → 404 with Authlete's generic body", async () => {
    for (const api of ["device/nothing", "auth/authorization", "auth/token/issue", ""]) {
      const a = await raw(`${prefix(v)}/${api}`, { method: "POST", headers: { Authorization: v === 2 ? V2_AUTH : V3_AUTH } });
      expect(a.status).toBe(404);
      expect(a.body).toEqual({ resultCode: "404", resultMessage: "" });
    }
  });
});

describe("v3 paths", () => {
  it("a serviceId that is not the token's → wrongServiceIdStatus (403 by default)", async () => {
    const call = () => raw("/api/5550002/device/verification", { method: "POST", headers: { Authorization: V3_AUTH }, body: '{"userCode":"X"}' });
    failure(await call(), 403);
    await control("service", { wrongServiceIdStatus: 404 });
    failure(await call(), 404);
  });

  it("anything outside /api/ → 404 with the generic body", async () => {
    expect(await raw("/", { method: "GET" })).toMatchObject({ status: 404, body: { resultCode: "404", resultMessage: "" } });
  });
});

describe("protocol outcomes are HTTP 200 with an action", () => {
  it("an unknown client at device authorization → 200 UNAUTHORIZED carrying invalid_client", async () => {
    const a = await authorize("client_id=nobody");
    expect(a.status).toBe(200);
    expect(a.body["action"]).toBe("UNAUTHORIZED");
    expect(content(a)).toMatchObject({ error: "invalid_client" });
  });

  it("a wrong client secret at the token endpoint → 200 INVALID_CLIENT", async () => {
    const a = await post(3, "auth/token", { parameters: "grant_type=client_credentials", clientId: "demo-confidential", clientSecret: "wrong" });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ action: "INVALID_CLIENT", clientId: 1002 });
    expect(content(a)["error"]).toBe("invalid_client");
  });

  it("a wrong client at revocation → 200 INVALID_CLIENT, without the client members a token answer has (§7.4)", async () => {
    const a = await post(3, "auth/revocation", { parameters: "token=t", clientId: "demo-confidential", clientSecret: "wrong" });
    expect(a.status).toBe(200);
    expect(Object.keys(a.body).sort()).toEqual(["action", "responseContent", "resultCode", "resultMessage"]);
    expect(a.body["action"]).toBe("INVALID_CLIENT");
  });

  it("token exchange → TOKEN_EXCHANGE naming token types by Authlete's TokenType; an unknown type → BAD_REQUEST", async () => {
    const exchange = (types: string) =>
      post(3, "auth/token", {
        parameters: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=t&${types}`,
        clientId: "demo-confidential",
        clientSecret: "demo-secret",
      });
    const urn = (t: string) => encodeURIComponent(`urn:ietf:params:oauth:token-type:${t}`);
    const a = await exchange(`subject_token_type=${urn("access_token")}&actor_token=a&actor_token_type=${urn("id_token")}&requested_token_type=${urn("jwt")}`);
    expect(a.body).toMatchObject({ action: "TOKEN_EXCHANGE", subjectTokenType: "ACCESS_TOKEN", actorTokenType: "ID_TOKEN", requestedTokenType: "JWT" });
    const b = await exchange(`subject_token_type=${urn("access_token")}&requested_token_type=${urn("nonsense")}`);
    expect(b.body["action"]).toBe("BAD_REQUEST");
    expect(content(b)).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining("requested_token_type") });
  });

  it("a missing parameters member → 200 BAD_REQUEST, not an API-call failure", async () => {
    for (const api of ["device/authorization", "auth/token", "auth/revocation"]) {
      const a = await post(3, api, {});
      expect(a.status).toBe(200);
      expect(a.body["action"]).toBe("BAD_REQUEST");
      expect(content(a)).toMatchObject({ error: "invalid_request", error_uri: expect.stringMatching(/^https:\/\/docs\.authlete\.com\/#A\d{6}$/) });
    }
  });

  it("an empty body counts as {}", async () => {
    const a = await raw("/api/5550001/device/authorization", { method: "POST", headers: { Authorization: V3_AUTH } });
    expect(a.status).toBe(200);
    expect(a.body["action"]).toBe("BAD_REQUEST");
  });
});
