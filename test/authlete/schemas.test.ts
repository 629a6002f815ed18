import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import {
  ApiFailureBody,
  DeviceAuthorizationResponse,
  DeviceCompleteResponse,
  DeviceVerificationResponse,
  oauthErrorCode,
  RevocationResponse,
  TokenResponse,
} from "../../src/authlete/schemas";
import { describe as describeIssues, shape } from "../../src/config/schema";
import apiFailures from "../fixtures/authlete/api-failures.json";
import deviceAuthorizationOk from "../fixtures/authlete/device-authorization-ok.json";
import deviceCompleteSuccess from "../fixtures/authlete/device-complete-success.json";
import deviceVerificationValid from "../fixtures/authlete/device-verification-valid.json";
import tokenOk from "../fixtures/authlete/token-ok.json";

// Authlete's documented examples (test/fixtures/authlete) must parse with the client's schemas.
describe("Authlete schemas accept the documented example payloads", () => {
  it("device authorization OK (§3.2)", () => {
    const r = z.parse(DeviceAuthorizationResponse, deviceAuthorizationOk);
    expect(r.action).toBe("OK");
    expect(r.deviceCode).toBe("p0qzXeRav8u6lJY9omjzR47KK58VwYN7j8xGUD7sq5I");
    expect(r.scopes?.[0]?.name).toBe("history.read");
    expect(JSON.parse(r.responseContent!)).not.toHaveProperty("interval");
  });
  it("device verification VALID (§4)", () => {
    const r = z.parse(DeviceVerificationResponse, deviceVerificationValid);
    expect(r.action).toBe("VALID");
    expect(r.expiresAt).toBe(1642001978000);
  });
  it("device complete SUCCESS (§5.2)", () => {
    expect(z.parse(DeviceCompleteResponse, deviceCompleteSuccess).action).toBe("SUCCESS");
  });
  it("token OK (§6.2)", () => {
    const r = z.parse(TokenResponse, tokenOk);
    expect(r.scopes).toEqual(["history.read", "timeline.read"]);
    expect(r.subject).toBe("john");
  });
  it("API-call failure bodies (§2.2)", () => {
    for (const body of Object.values(apiFailures)) expect(z.parse(ApiFailureBody, body).resultCode).toMatch(/^A\d{6}$/);
  });
  it("keeps actions open: an unknown action parses and is left to the endpoint to refuse (§10.1)", () => {
    const r = z.parse(DeviceVerificationResponse, { ...deviceVerificationValid, action: "INTERNAL_SERVER_ERROR", somethingNew: 1 });
    expect(r.action).toBe("INTERNAL_SERVER_ERROR");
  });
});

/** What the client says of an answer it cannot use (src/authlete/client.ts: "unexpected response shape: …"), or the parsed answer. */
function read(schema: z.ZodMiniType, body: unknown): unknown {
  const r = shape(schema, body);
  return "issues" in r ? describeIssues(r.issues) : r.data;
}

describe("Authlete response schemas: what each requires, allows and keeps", () => {
  const base = { resultCode: "A224001", action: "VALID" };

  it("every answer needs resultCode and action as text; nothing else is required", () => {
    for (const schema of [DeviceAuthorizationResponse, DeviceVerificationResponse, DeviceCompleteResponse, TokenResponse, RevocationResponse]) {
      expect(read(schema, base)).toEqual(base);
      expect(read(schema, { action: "OK" })).toBe("resultCode: is missing");
      expect(read(schema, { resultCode: "A1", action: 1 })).toBe("action: must be text");
      expect(read(schema, [])).toBe("must be an object");
    }
  });

  it("every optional member may be absent or null (Authlete writes null for unset fields)", () => {
    const nulls = {
      ...base,
      resultMessage: null,
      clientId: null,
      clientIdAlias: null,
      clientIdAliasUsed: null,
      clientName: null,
      responseContent: null,
      scopes: null,
      claimNames: null,
      acrs: null,
      deviceCode: null,
      userCode: null,
      expiresIn: null,
      interval: null,
      resources: null,
      authorizationDetails: null,
      warnings: null,
    };
    expect(read(DeviceAuthorizationResponse, nulls)).toEqual(nulls);
    expect(read(TokenResponse, { ...base, subject: null, scopes: null, accessTokenExpiresAt: null, dpopNonce: null })).toMatchObject({ subject: null });
  });

  it("members we read are held to their type, named by their path", () => {
    expect(read(DeviceVerificationResponse, { ...base, expiresAt: "soon" })).toBe("expiresAt: must be a number");
    expect(read(DeviceVerificationResponse, { ...base, clientIdAliasUsed: "no" })).toBe("clientIdAliasUsed: must be true or false");
    expect(read(DeviceVerificationResponse, { ...base, scopes: [{ defaultEntry: false }] })).toBe("scopes.0.name: is missing");
    expect(read(DeviceVerificationResponse, { ...base, scopes: [{ name: "a", descriptions: [{ tag: "en", value: 1 }] }] })).toBe(
      "scopes.0.descriptions.0.value: must be text",
    );
    expect(read(DeviceVerificationResponse, { ...base, claimNames: "email" })).toBe("claimNames: must be a list");
    expect(read(DeviceVerificationResponse, { ...base, authorizationDetails: { elements: [{}] } })).toBe("authorizationDetails.elements.0.type: is missing");
    expect(read(TokenResponse, { ...base, scopes: ["a", 1] })).toBe("scopes.1: must be text");
  });

  it("members Authlete adds over time are kept, at every level (docs/authlete-api.md §1.3)", () => {
    const r = read(DeviceVerificationResponse, {
      ...base,
      gmAction: "x",
      scopes: [{ name: "a", attributes: [{ key: "k", value: "v", extra: 1 }], more: true }],
    });
    expect(r).toEqual({ ...base, gmAction: "x", scopes: [{ name: "a", attributes: [{ key: "k", value: "v", extra: 1 }], more: true }] });
  });

  it("a failure body: both members optional, anything else kept", () => {
    expect(read(ApiFailureBody, {})).toEqual({});
    expect(read(ApiFailureBody, { resultCode: "A001203", resultMessage: "bad", extra: 1 })).toEqual({ resultCode: "A001203", resultMessage: "bad", extra: 1 });
    expect(read(ApiFailureBody, { resultCode: 401 })).toBe("resultCode: must be text");
  });

  it("oauthErrorCode reads the error of a BAD_REQUEST only, and nothing from a body that is not JSON", () => {
    expect(oauthErrorCode({ action: "BAD_REQUEST", responseContent: '{"error":"slow_down"}' })).toBe("slow_down");
    expect(oauthErrorCode({ action: "OK", responseContent: '{"error":"slow_down"}' })).toBeUndefined();
    expect(oauthErrorCode({ action: "BAD_REQUEST", responseContent: "not json" })).toBeUndefined();
    expect(oauthErrorCode({ action: "BAD_REQUEST", responseContent: '{"error":5}' })).toBeUndefined();
    expect(oauthErrorCode({ action: "BAD_REQUEST", responseContent: null })).toBeUndefined();
  });
});
