import * as client from "openid-client";
import { beforeEach, describe, expect, it } from "vitest";
import { atConsent, browser, DEMO, tokenCalls } from "../support/browser";
import { complete, control, ORIGIN, resetEmulator, seenRequests, twoPlaces } from "../support/helpers";

beforeEach(async () => {
  await resetEmulator();
  // One-second polling keeps the real-time waits of openid-client short.
  await control("service", { deviceFlowPollingInterval: 1 });
});

/**
 * openid-client, configured by discovery, with every request served by the Worker under test
 * as the device's location sees it (the device in Frankfurt, the person in Tokyo: `twoPlaces`).
 */
async function deviceClient(places: ReturnType<typeof twoPlaces>, clientId = "demo-device") {
  return client.discovery(new URL(ORIGIN), clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: (url, options) => places.device.worker(url, options as RequestInit),
  });
}

describe("the whole RFC 8628 exchange, device side driven by openid-client, the device and the person in two locations", () => {
  it("device authorization → pending (at the edge) → approval on the page in the other location → tokens → second redemption fails", async () => {
    const places = twoPlaces();
    const config = await deviceClient(places);
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid profile" });
    expect(da.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);

    const pending = await places.device.poll(da.device_code);
    expect(pending.status).toBe(400);
    expect((await pending.json()) as object).toMatchObject({ error: "authorization_pending" });

    // The person, in Tokyo, enters the code while Tokyo's KV has seen nothing of Frankfurt's writes.
    const b = browser(places.browser);
    await b.get("/device");
    await b.submit("/device", { user_code: da.user_code });
    expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/sign-in"');
    expect((await b.submit("/device/sign-in", DEMO)).html).toContain('action="/device/consent"');
    await b.submit("/device/consent", { action: "approve" });

    const tokens = await client.pollDeviceAuthorizationGrant(config, da);
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.claims()?.sub).toBe("demo");
    // Pending was answered at the edge; Authlete saw the one poll after the decision.
    expect(await tokenCalls()).toBe(1);

    const again = await places.device.poll(da.device_code);
    expect(again.status).toBe(400);
    expect((await again.json()) as object).toMatchObject({ error: "invalid_grant" });
    expect((await seenRequests()).some((r) => r.path === "/api/5550001/device/complete")).toBe(true);
  });

  it("deny on the page in the other location: the device gets access_denied with the stored description at its next poll", async () => {
    const places = twoPlaces();
    const config = await deviceClient(places);
    const b = browser(places.browser);
    const { flow } = await atConsent(places.device, b);
    await b.submit("/device/consent", { action: "deny" });
    const err = await client
      .pollDeviceAuthorizationGrant(config, {
        device_code: flow.device_code,
        user_code: flow.user_code,
        verification_uri: flow.verification_uri,
        expires_in: flow.expires_in,
        interval: 1,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect((err as client.ResponseBodyError).error).toBe("access_denied");
    expect((err as client.ResponseBodyError).error_description).toBe("The authorization request was denied.");
  });

  it("expiry: once the code's lifetime has passed the device gets expired_token", async () => {
    const places = twoPlaces();
    const config = await deviceClient(places);
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid" });
    places.clock.advance((da.expires_in + 1) * 1000);
    await control("clock", { advanceMs: (da.expires_in + 1) * 1000 });
    const err = await client.pollDeviceAuthorizationGrant(config, da).catch((e: unknown) => e);
    expect((err as client.ResponseBodyError).error).toBe("expired_token");
    expect((await complete(da.user_code, "AUTHORIZED")).action).toBe("USER_CODE_EXPIRED");
  });

  it("a failed transaction (made at Authlete, not on the page): the device gets expired_token at the next pass-through", async () => {
    const places = twoPlaces();
    const flow = await places.device.startFlow();
    await complete(flow.user_code, "TRANSACTION_FAILED");
    places.clock.advance(1_000);
    expect((await (await places.device.poll(flow.device_code)).json()) as object).toMatchObject({ error: "authorization_pending" });
    places.clock.advance(60_000);
    expect((await (await places.device.poll(flow.device_code)).json()) as object).toMatchObject({ error: "expired_token" });
  });
});
