// DPoP-bound device codes (draft-parecki-oauth-dpop-device-flow; CLIENT_POLICY `dpop`), with the
// device side driven by openid-client. Neither openid-client nor oauth4webapi sends a proof with
// the device authorization request (their DPoP option covers the token requests only), so that
// one proof is signed here with jose, with the same key pair, and the library makes the polls.
import { env } from "cloudflare:test";
import * as client from "openid-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { browser, calls, DEMO, tokenCalls } from "../support/browser";
import { DEVICE_AUTHORIZATION_ENDPOINT, type DpopKey, dpopKey } from "../support/dpop";
import { bind, control, emulator, ORIGIN, resetEmulator, twoPlaces, unreachableGrants } from "../support/helpers";
import { captureLogs } from "../support/logs";

beforeEach(async () => {
  await resetEmulator();
  // One-second polling keeps the real-time waits of openid-client short.
  await control("service", { deviceFlowPollingInterval: 1 });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const BIND = { CLIENT_POLICY: '{"1001":{"dpop":"bind"}}' };
const REQUIRE = { CLIENT_POLICY: '{"1001":{"dpop":"require"}}' };

const errorOf = async (res: Response) => ((await res.json()) as { error: string; error_description?: string }).error;

/**
 * openid-client configured by discovery against the Worker as the device's location sees it;
 * its device authorization request carries a proof of `key` (signed here), its polls the
 * library's own proofs of the same key.
 */
async function dpopDevice(w: ReturnType<typeof bind>, key: DpopKey | null) {
  return client.discovery(new URL(ORIGIN), "demo-device", undefined, client.None(), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: async (url, options) => {
      const headers = { ...(options.headers as Record<string, string>) };
      if (key && new URL(url).pathname === "/device_authorization") headers["DPoP"] = await key.proof({ htu: DEVICE_AUTHORIZATION_ENDPOINT });
      return w.worker(url, { ...(options as RequestInit), headers });
    },
  });
}

/** What a resource server learns of a token from Authlete (docs/authlete-api.md §7.3). */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await emulator(`/api/${env.AUTHLETE_SERVICE_ID}/auth/introspection/standard`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.AUTHLETE_SERVICE_ACCESS_TOKEN}` },
    body: JSON.stringify({ parameters: `token=${encodeURIComponent(token)}` }),
  });
  return JSON.parse(((await res.json()) as { responseContent: string }).responseContent);
}

async function approve(places: ReturnType<typeof twoPlaces>, userCode: string) {
  const b = browser(places.browser);
  await b.get("/device");
  await b.submit("/device", { user_code: userCode });
  expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/sign-in"');
  expect((await b.submit("/device/sign-in", DEMO)).html).toContain('action="/device/consent"');
  await b.submit("/device/consent", { action: "approve" });
}

describe("CLIENT_POLICY dpop bind: openid-client's device, its grant bound to its key", () => {
  it("tokens bound to the device's key (cnf.jkt); the same code polled with another key or none is refused at the edge, approved or not", async () => {
    const places = twoPlaces(BIND);
    const keyPair = await client.randomDPoPKeyPair("ES256");
    const key = await dpopKey("ES256", keyPair);
    const config = await dpopDevice(places.device, key);
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid profile" });
    await control("requests");

    // Someone who learnt the device code, with a key of their own, or with none.
    const thief = await dpopKey();
    const stolen = async () => [
      await errorOf(await places.device.poll(da.device_code)),
      await errorOf(await places.device.poll(da.device_code, "demo-device", { DPoP: await thief.proof() })),
    ];
    expect(await stolen()).toEqual(["invalid_dpop_proof", "invalid_dpop_proof"]);
    // The device itself: pending, at the edge.
    expect(await errorOf(await places.device.poll(da.device_code, "demo-device", { DPoP: await key.proof() }))).toBe("authorization_pending");

    await approve(places, da.user_code);
    places.clock.advance(1_000);
    expect(await stolen()).toEqual(["invalid_dpop_proof", "invalid_dpop_proof"]);
    expect(await tokenCalls()).toBe(0);

    const tokens = await client.pollDeviceAuthorizationGrant(config, da, undefined, { DPoP: client.getDPoPHandle(config, keyPair) });
    expect(tokens.token_type.toLowerCase()).toBe("dpop");
    expect(tokens.claims()?.sub).toBe("demo");
    expect(await tokenCalls()).toBe(1);
    // Authlete checked the token request's proof and bound the tokens to its key: the device's.
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt: key.jkt } });
  });

  it("a device that asked without a proof: not bound, as before the policy (pending at the edge, Bearer tokens)", async () => {
    const places = twoPlaces(BIND);
    const config = await dpopDevice(places.device, null);
    const da = await client.initiateDeviceAuthorization(config, { scope: "openid" });
    await control("requests");
    expect(await errorOf(await places.device.poll(da.device_code))).toBe("authorization_pending");
    expect(await tokenCalls()).toBe(0);
    await approve(places, da.user_code);
    const tokens = await client.pollDeviceAuthorizationGrant(config, da);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
  });

  it("a device authorization whose proof is invalid is refused, and its codes withdrawn at Authlete", async () => {
    const w = bind(createApp(), BIND);
    const key = await dpopKey();
    const res = await w.postForm("/device_authorization", { client_id: "demo-device" }, { DPoP: await key.proof() });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toEqual({ error: "invalid_dpop_proof", error_description: "The DPoP proof is invalid: its htu is not this endpoint's URL." });
    const [withdrawn] = await calls("device/complete");
    expect(withdrawn?.body).toMatchObject({ result: "ACCESS_DENIED" });
  });

  it("without a policy, a proof at device authorization is not looked at: the grant is not bound", async () => {
    const w = bind(createApp(), { CLIENT_POLICY: undefined });
    const key = await dpopKey();
    const flow = await w.startFlow(undefined, { DPoP: await key.proof({ htu: DEVICE_AUTHORIZATION_ENDPOINT }) });
    expect(await errorOf(await w.poll(flow.device_code))).toBe("authorization_pending");
  });

  it("the grant's object unreachable: the poll goes to Authlete, which checks the proof it is given but knows nothing of the binding", async () => {
    const logs = captureLogs();
    const w = bind(createApp(), BIND);
    const key = await dpopKey();
    const flow = await w.startFlow(undefined, { DPoP: await key.proof({ htu: DEVICE_AUTHORIZATION_ENDPOINT }) });
    await control("requests");
    const other = await dpopKey();
    const res = await w.postForm(
      "/token",
      { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: flow.device_code, client_id: "demo-device" },
      { DPoP: await other.proof() },
      { GRANTS: unreachableGrants() },
    );
    expect(await errorOf(res)).toBe("authorization_pending");
    expect(await tokenCalls()).toBe(1);
    expect(logs.lines.filter((l) => l.level === "warn")).toContainEqual(expect.objectContaining({ event: "grant_unavailable", op: "poll" }));
  });
});

describe("CLIENT_POLICY dpop require", () => {
  it("a device authorization without a proof is refused (invalid_dpop_proof), and no live code is left at Authlete", async () => {
    const w = bind(createApp(), REQUIRE);
    const err = await client.initiateDeviceAuthorization(await dpopDevice(w, null), { scope: "openid" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect((err as client.ResponseBodyError).error).toBe("invalid_dpop_proof");
    expect((err as client.ResponseBodyError).status).toBe(400);

    // Authlete issued codes (it named the client), and they were withdrawn at once.
    const [withdrawn] = await calls("device/complete");
    expect(withdrawn?.body).toMatchObject({ result: "ACCESS_DENIED", userCode: expect.any(String) });
    const { userCode } = withdrawn!.body as { userCode: string };
    const state = (await (await emulator(`/_emulator/state/user-code/${userCode}`)).json()) as { state: string };
    expect(state.state).toBe("DENIED");
    const page = browser(w);
    await page.get("/device");
    expect((await page.submit("/device", { user_code: userCode })).status).not.toBe(200);
  });

  it("with a proof the device gets its codes, bound to its key", async () => {
    const w = bind(createApp(), REQUIRE);
    const key = await dpopKey();
    const flow = await w.startFlow(undefined, { DPoP: await key.proof({ htu: DEVICE_AUTHORIZATION_ENDPOINT }) });
    await control("requests");
    expect(await errorOf(await w.poll(flow.device_code))).toBe("invalid_dpop_proof");
    expect(await tokenCalls()).toBe(0);
  });

  it("a withdrawal that fails is logged; the device is refused all the same and never sees the codes", async () => {
    const logs = captureLogs();
    const w = bind(createApp(), REQUIRE);
    await control("faults", { api: "device/complete", mode: "status", status: 500 });
    const res = await w.postForm("/device_authorization", { client_id: "demo-device" });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("invalid_dpop_proof");
    expect(logs.lines.filter((l) => l.level === "warn")).toContainEqual(expect.objectContaining({ event: "dpop_refused_code_not_withdrawn", clientId: 1001 }));
  });

  it("a CLIENT_POLICY that cannot be read issues no code: 500 before Authlete is asked", async () => {
    const logs = captureLogs();
    const w = bind(createApp(), { CLIENT_POLICY: '{"1001":{"dpop":"always"}}' });
    const res = await w.postForm("/device_authorization", { client_id: "demo-device" });
    expect(res.status).toBe(500);
    expect(await calls("device/complete")).toEqual([]);
    expect(await calls("device/authorization")).toEqual([]);
    expect(logs.lines.filter((l) => l.level === "error")).toContainEqual(
      expect.objectContaining({ event: "config_invalid", detail: expect.stringContaining("CLIENT_POLICY.1001.dpop") }),
    );
  });
});
