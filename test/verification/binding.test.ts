import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { Env } from "../../src/config";
import { KeyedHash } from "../../src/crypto";
import { csrfToken } from "../../src/verification/form";
import { atConfirm, atConsent, browser, calls, DEMO, flowRecord, startDevice, text } from "../support/browser";
import { bind, control, emulator, resetEmulator, worker } from "../support/helpers";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const w = bind(createApp());
const state = async (userCode: string) => ((await (await emulator(`/_emulator/state/user-code/${userCode}`)).json()) as { state: string }).state;
const FLOW = "__Host-device-flow";

describe("every form is bound to what it showed, and a flow in progress is never replaced silently", () => {
  it("two tabs, two codes: the consent form left open for the first code approves nothing once the second replaced it", async () => {
    const b = browser(w);
    const { flow: first } = await atConsent(w, b);
    const staleConsent = b.csrf;

    // Tab 2: a link for another code. The page says a verification is in progress, and only its own form replaces it.
    const second = await startDevice(w);
    await b.get(`/device?user_code=${second.user_code}`);
    const prefill = await b.get("/device");
    expect(text(prefill.html)).toContain("You were connecting another device");
    expect(text(prefill.html)).toContain(`${first.user_code.slice(0, 4)}-${first.user_code.slice(4)}`);
    const confirm = await b.submit("/device", { user_code: second.user_code });
    expect(text(confirm.html)).toContain("Is this your device?");
    const consent = await b.submit("/device/confirm", {});
    expect(text(consent.html)).toContain("Allow access?");

    // Tab 1's stale Approve: refused as out of date; neither code is approved.
    const stale = await b.post("/device/consent", { action: "approve" }, { csrf: staleConsent });
    expect(stale.status).toBe(409);
    expect(await calls("device/complete")).toHaveLength(0);
    expect(await state(first.user_code)).toBe("PENDING");
    expect(await state(second.user_code)).toBe("PENDING");
    // The page of the code now shown still works.
    expect(text((await b.submit("/device/consent", { action: "approve" })).html)).toContain("Your device is connected");
    expect(await state(second.user_code)).toBe("AUTHORIZED");
  });

  it("an enter-code page opened before a flow started cannot replace it", async () => {
    const b = browser(w);
    await b.get("/device");
    const staleEnter = b.csrf;
    const { flow } = await atConfirm(w, b);
    const other = await startDevice(w);
    await control("requests");
    const res = await b.post("/device", { user_code: other.user_code }, { csrf: staleEnter });
    expect(res.status).toBe(409);
    expect(await calls("device/verification")).toHaveLength(0);
    expect(await flowRecord(b)).toContain(flow.user_code);
  });
});

describe("session hygiene", () => {
  it("flow ids are issued by the server only: a cookie it did not issue starts a new flow", async () => {
    const chosen = "A".repeat(43);
    const res = await worker("/device", { headers: { Cookie: `${FLOW}=${chosen}`, "CF-Connecting-IP": "192.0.2.200" } });
    const issued = /__Host-device-flow=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];
    expect(issued).toBeTruthy();
    expect(issued).not.toBe(chosen);
    expect(issued).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    // A forged MAC is no better.
    const forged = `${issued!.split(".")[0]}.${"B".repeat(43)}`;
    const again = await worker("/device", { headers: { Cookie: `${FLOW}=${forged}`, "CF-Connecting-IP": "192.0.2.200" } });
    expect(/__Host-device-flow=([^;]+)/.exec(again.headers.get("Set-Cookie") ?? "")?.[1]).not.toBe(forged);
  });

  it("the flow id changes at sign-in, and the old one is worth nothing after it", async () => {
    const b = browser(w);
    const flow = await startDevice(w);
    await b.get("/device");
    await b.submit("/device", { user_code: flow.user_code });
    await b.submit("/device/confirm", {});
    const before = b.jar.get(FLOW)!;
    const consent = await b.submit("/device/sign-in", DEMO);
    expect(text(consent.html)).toContain("Allow access?");
    const after = b.jar.get(FLOW)!;
    expect(after).not.toBe(before);
    const old = browser(w);
    old.jar.set(FLOW, before);
    const page = await old.get("/device");
    expect(text(page.html)).toContain("Connect a device");
    expect(text(page.html)).not.toContain("Allow access?");
  });

  it("the CSRF token is an HMAC of the flow id under the Worker's secret", async () => {
    const flowId = `${"a".repeat(43)}.${"b".repeat(43)}`;
    const a = await csrfToken(new KeyedHash((env as Env).EDGE_SECRET!), flowId, "enter");
    const b = await csrfToken(new KeyedHash("another-secret-another-secret-another"), flowId, "enter");
    expect(a).not.toBe(b);
    expect(a).not.toContain(flowId);
  });

  it("Strict-Transport-Security on every answer, JSON and HTML", async () => {
    for (const res of [
      await worker("/device"),
      await worker("/.well-known/openid-configuration"),
      await w.postForm("/token", { grant_type: "client_credentials" }),
      await worker("/nope"),
    ]) {
      expect(res.headers.get("Strict-Transport-Security")).toBe("max-age=31536000");
    }
  });

  it("the done page offers sign-out, and it works from there", async () => {
    const b = browser(w);
    await atConsent(w, b);
    const done = await b.submit("/device/consent", { action: "approve" });
    expect(done.html).toContain('action="/device/sign-out"');
    expect(b.jar.has("__Host-device-signin")).toBe(true);
    const after = await b.submit("/device/sign-out", {});
    expect(b.jar.has("__Host-device-signin")).toBe(false);
    expect(text(after.html)).toContain("Connect a device");
    // The next code asks to sign in again.
    const flow = await startDevice(w);
    await b.submit("/device", { user_code: flow.user_code });
    expect(text((await b.submit("/device/confirm", {})).html)).toContain("Sign in");
  });
});
