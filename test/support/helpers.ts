import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import type { Env } from "../../src/config";

/** The issuer the emulator's seed advertises; requests to it are served by the Worker under test. */
export const ORIGIN = "http://127.0.0.1:8787";

import { KeyedHash } from "../../src/crypto";
import type { DeviceGrant } from "../../src/grant/object";
import { DurableObjectGrants } from "../../src/grant/store";
import { DEVICE_CODE_GRANT } from "../../src/protection/polling";
import { type Prefix, Storage } from "../../src/storage/kv";
import { MemoryKv } from "../../src/storage/memory";

export const DEVICE_GRANT = DEVICE_CODE_GRANT;

type App = ReturnType<typeof createApp>;

// Per test file (each runs in its own isolate), so the random start keeps files apart too.
let seq = Math.floor(Math.random() * 0x0fff_0000);
/**
 * A fresh documentation-range address per caller (3fff::/20, RFC 9637: 2^28 /48s), in a /48
 * of its own: budgets are kept per /64 and per wider IPv6 prefix (/56, /48), so no test spends
 * another's budgets.
 */
export const nextIp = () => {
  const n = ++seq;
  return `3fff:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}::1`;
};

/** A request's `request.cf`, as a test makes it up: `new Request(url, { cf })` sets it in workerd. */
export type Cf = Record<string, unknown>;

/** Where a test's device is unless it says otherwise. */
export const DEVICE_PLACE: Cf = { country: "JP", region: "Tokyo", city: "Tokyo", colo: "NRT", timezone: "Asia/Tokyo" };

/** Variables a test sets or unsets (undefined) on top of the test bindings. */
export type Overrides = { [K in keyof Env]?: Env[K] | undefined };

/**
 * Calls the real Worker app in this workerd isolate with the test bindings (real KV, the
 * emulator behind the AUTHLETE service binding). `overrides` swaps variables, e.g. the
 * API version, without touching the shared env object; `base` does so for every request of
 * this binding (e.g. the KV of one location, `twoPlaces`).
 */
export function bind(app: App, base: Overrides = {}) {
  // One env object per binding, so the app's per-env services are built once for it.
  const bound = Object.keys(base).length ? { ...env, ...base } : env;
  async function worker(path: string, init: RequestInit = {}, overrides: Overrides = {}): Promise<Response> {
    const ctx = createExecutionContext();
    const e = Object.keys(overrides).length ? { ...bound, ...overrides } : bound;
    const res = await app.fetch(new Request(new URL(path, ORIGIN), init), e, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }
  function postForm(path: string, form: Record<string, string> | string, headers: Record<string, string> = {}, overrides: Overrides = {}, cf?: Cf) {
    const body = typeof form === "string" ? form : new URLSearchParams(form).toString();
    const init = { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, ...(cf ? { cf } : {}) };
    return worker(path, init as RequestInit, overrides);
  }
  /**
   * `cf`: the device's `request.cf` (where the edge places it); by default a home in Tokyo, as
   * Cloudflare places every request in some country (a device it cannot place gets the stronger
   * warning on the confirm page; tests of that pass their own).
   */
  async function startFlow(
    form: Record<string, string> = { client_id: "demo-device", scope: "openid profile" },
    headers: Record<string, string> = {},
    cf: Cf = DEVICE_PLACE,
  ) {
    const res = await postForm("/device_authorization", form, { "CF-Connecting-IP": nextIp(), ...headers }, {}, cf);
    if (res.status !== 200) throw new Error(`device authorization failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as {
      device_code: string;
      user_code: string;
      verification_uri: string;
      verification_uri_complete?: string;
      expires_in: number;
      interval?: number;
    };
  }
  const poll = (deviceCode: string, clientId = "demo-device", headers: Record<string, string> = {}) =>
    postForm("/token", { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId }, headers);
  return { worker, postForm, startFlow, poll };
}

/** A Worker whose clock the test moves by hand; `base` as for `bind`. */
export function withClock(start = Date.now(), base: Overrides = {}) {
  const clock = { now: start, advance: (ms: number) => (clock.now += ms) };
  return { clock, ...bind(createApp({ now: () => clock.now }), base) };
}

export const { worker, postForm, startFlow, poll } = bind(createApp());

/**
 * The Worker with POLL_PASS_THROUGH_SECONDS=0: every compliant poll reaches Authlete, as before
 * the grants' objects answered pending at the edge. For tests of what /token relays, whose
 * decisions are made at the emulator directly (`complete`), where the Worker does not see them.
 */
export const relay = bind(createApp(), { POLL_PASS_THROUGH_SECONDS: "0" });

/**
 * The device in one Cloudflare location and the browser in another, on one test clock: each
 * side's requests see KV as its own location does (storage/memory.ts: a write is seen at once
 * where it was made, 60 s later elsewhere), as with a phishing kit in Frankfurt and its victim
 * in Tokyo. The Durable Objects are one, wherever they are called from.
 */
export function twoPlaces(base: Overrides = {}) {
  // Real time plus what the test skips, so a client library that sleeps between polls sees time pass.
  const clock = { offset: 0, now: () => Date.now() + clock.offset, advance: (ms: number) => (clock.offset += ms) };
  const app = createApp({ now: clock.now });
  const kv = new MemoryKv(clock.now, "FRA");
  return {
    clock,
    kv,
    /** Where the device asks for codes and polls. */
    device: bind(app, { ...base, KV: kv as unknown as KVNamespace }),
    /** Where the person enters the code. */
    browser: bind(app, { ...base, KV: kv.at("NRT") as unknown as KVNamespace }),
  };
}

export const basic = (id: string, secret: string) => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

/** The emulator's own API, reached the way the Worker reaches it. */
export function emulator(path: string, init: RequestInit = {}): Promise<Response> {
  return env.AUTHLETE.fetch(new Request(`http://authlete-emulator${path}`, init));
}

export async function control(path: string, body?: unknown, method = body === undefined ? "DELETE" : "POST"): Promise<Response> {
  const res = await emulator(`/_emulator/${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator control ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | null;
  contentType: string | null;
  body: unknown;
}

export async function seenRequests(): Promise<SeenRequest[]> {
  return (await emulator("/_emulator/requests")).json();
}

export const resetEmulator = () => control("reset", {});

/** v3 is the default in wrangler.toml; these switch the same Worker to Authlete 2.x. */
export const V2: Overrides = { AUTHLETE_API_VERSION: "2" };

/** Authlete /device/complete as the verification page will call it. */
export async function complete(userCode: string, result: "AUTHORIZED" | "ACCESS_DENIED" | "TRANSACTION_FAILED", extra: Record<string, unknown> = {}) {
  const res = await emulator(`/api/${env.AUTHLETE_SERVICE_ID}/device/complete`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.AUTHLETE_SERVICE_ACCESS_TOKEN}` },
    body: JSON.stringify({ userCode, result, ...(result === "AUTHORIZED" ? { subject: "demo", authTime: Math.floor(Date.now() / 1000) } : {}), ...extra }),
  });
  return (await res.json()) as { action: string };
}

/** The KV key the Worker uses for `subject` under `prefix`, from the storage seam itself (tests never spell keys). */
export function storageKey(prefix: Prefix, subject: string): Promise<string> {
  return new Storage(env.KV, new KeyedHash(env.EDGE_SECRET!)).table(prefix).key(subject);
}

/** The grants' objects as the Worker reaches them (grant/store.ts), for tests that look inside or remove one. */
export function grants(): DurableObjectGrants {
  return new DurableObjectGrants(env.GRANTS as DurableObjectNamespace<DeviceGrant>, new KeyedHash(env.EDGE_SECRET!));
}

/** A GRANTS binding whose objects cannot be reached, as in a Durable Objects outage. */
export function unreachableGrants(): DurableObjectNamespace {
  const fail = () => Promise.reject(new Error("Durable Object unavailable (injected)"));
  return {
    getByName: () => ({ issue: fail, point: fail, poll: fail, lookup: fail, enter: fail, decide: fail, finish: fail, undo: fail }),
  } as unknown as DurableObjectNamespace;
}

/** A REPORTED_NETWORKS binding whose objects cannot be reached, as in a Durable Objects outage. */
export function unreachableReportedNetworks(): DurableObjectNamespace {
  const fail = () => Promise.reject(new Error("Durable Object unavailable (injected)"));
  return { getByName: () => ({ list: fail, seen: fail }) } as unknown as DurableObjectNamespace;
}

/** A BUDGETS binding whose objects cannot be reached, as in a Durable Objects outage. */
export function unreachableBudgets(): DurableObjectNamespace {
  const fail = () => Promise.reject(new Error("Durable Object unavailable (injected)"));
  return { getByName: () => ({ reserve: fail, release: fail }) } as unknown as DurableObjectNamespace;
}
