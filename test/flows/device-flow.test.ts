import * as client from "openid-client";
import { beforeEach, describe, expect, it } from "vitest";
import { complete, control, ORIGIN, poll, resetEmulator, seenRequests, startFlow, worker } from "../support/helpers";

beforeEach(async () => {
  await resetEmulator();
  // One-second polling keeps the real-time waits of openid-client short.
  await control("service", { deviceFlowPollingInterval: 1 });
});

/** openid-client, configured by discovery, with every request served by the Worker under test. */
async function deviceClient(clientId = "demo-device") {
  const config = await client.discovery(new URL(ORIGIN), clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: (url, options) => worker(url, options as RequestInit),
  });
  return config;
}

describe("the whole RFC 8628 exchange, device side driven by openid-client", () => {
  it("device authorization → pending → approval → tokens → second redemption fails", async () => {
    const config = await deviceClient();
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid profile" });
    expect(da.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);

    const pending = await poll(da.device_code);
    expect(pending.status).toBe(400);
    expect((await pending.json()) as object).toMatchObject({ error: "authorization_pending" });

    expect((await complete(da.user_code, "AUTHORIZED", { claims: JSON.stringify({ name: "Demo User" }) })).action).toBe("SUCCESS");
    const tokens = await client.pollDeviceAuthorizationGrant(config, da);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.claims()?.sub).toBe("demo");

    const again = await poll(da.device_code);
    expect(again.status).toBe(400);
    expect((await again.json()) as object).toMatchObject({ error: "invalid_grant" });
    expect((await seenRequests()).some((r) => r.path === "/api/5550001/device/complete")).toBe(true);
  });

  it("deny: the device gets access_denied with the stored description", async () => {
    const config = await deviceClient();
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid" });
    await complete(da.user_code, "ACCESS_DENIED", { errorDescription: "The user denied the request." });
    const err = await client.pollDeviceAuthorizationGrant(config, da).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect((err as client.ResponseBodyError).error).toBe("access_denied");
    expect((err as client.ResponseBodyError).error_description).toBe("The user denied the request.");
  });

  it("expiry: once the code's lifetime has passed the device gets expired_token", async () => {
    const config = await deviceClient();
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid" });
    await control("clock", { advanceMs: (da.expires_in + 1) * 1000 });
    const err = await client.pollDeviceAuthorizationGrant(config, da).catch((e: unknown) => e);
    expect((err as client.ResponseBodyError).error).toBe("expired_token");
    expect((await complete(da.user_code, "AUTHORIZED")).action).toBe("USER_CODE_EXPIRED");
  });

  it("a failed transaction: the device gets expired_token", async () => {
    const flow = await startFlow();
    await complete(flow.user_code, "TRANSACTION_FAILED");
    const res = await poll(flow.device_code);
    expect((await res.json()) as object).toMatchObject({ error: "expired_token" });
  });
});
