import { beforeEach, describe, expect, it } from "vitest";
import { ROUTES } from "../src/routes.mjs";
import { nextIp, ORIGIN, postForm, resetEmulator, startFlow, worker } from "./support/helpers";

beforeEach(resetEmulator);

// src/routes.mjs is what `npm run doctor` holds an Authlete service's URLs to: each path must be
// one the Worker serves as the setting that names it means.
describe("the paths an Authlete service names (src/routes.mjs) are the Worker's", () => {
  it("device authorization answers with the verification page's URIs, as the local service names them", async () => {
    const flow = await startFlow();
    expect(flow.verification_uri).toBe(`${ORIGIN}${ROUTES.verification}`);
    expect(flow.verification_uri_complete).toBe(`${ORIGIN}${ROUTES.verificationComplete.replace("USER_CODE", flow.user_code)}`);
  });

  it("the link with the code fills it in on the verification page", async () => {
    const { user_code } = await startFlow();
    const res = await worker(ROUTES.verificationComplete.replace("USER_CODE", user_code), { headers: { "CF-Connecting-IP": nextIp() } });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(ROUTES.verification);
    expect((await worker(ROUTES.verification)).status).toBe(200);
  });

  it("token and revocation take OAuth forms; the JWK Set is JSON", async () => {
    for (const path of [ROUTES.token, ROUTES.revocation]) {
      const res = await postForm(path, { client_id: "demo-device" });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: string }).error, path).toMatch(/^(invalid_request|unsupported_grant_type|invalid_client)$/);
    }
    const jwks = await worker(ROUTES.jwks);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toBeInstanceOf(Array);
  });
});
