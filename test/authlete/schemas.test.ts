import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { ApiFailureBody, DeviceAuthorizationResponse, DeviceCompleteResponse, DeviceVerificationResponse, TokenResponse } from "../../src/authlete/schemas";
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
