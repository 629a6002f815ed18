import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { browser, DEMO, text } from "../support/browser";
import { bind, DEVICE_GRANT, nextIp, type Overrides, resetEmulator } from "../support/helpers";

beforeEach(resetEmulator);

/**
 * EDGE_SECRET rotated in the middle of everything: what was keyed, signed or sealed under the
 * old secret is still found and accepted while it is EDGE_SECRET_PREVIOUS, and a budget spent
 * before is still spent. `secrets` is the one object every request of a test reads its
 * variables from, so changing it is the rotation.
 */
const OLD = "lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=";
const NEW = "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY=";
const w = bind(createApp());
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

function deployment(extra: Overrides = {}) {
  const secrets: Overrides = { ...extra, EDGE_SECRET: OLD };
  return {
    secrets,
    rotate: (keepPrevious: boolean) => Object.assign(secrets, { EDGE_SECRET: NEW, EDGE_SECRET_PREVIOUS: keepPrevious ? OLD : undefined }),
    device: async () => {
      const res = await w.postForm("/device_authorization", { client_id: "demo-device", scope: "openid profile" }, { "CF-Connecting-IP": nextIp() }, secrets);
      return (await res.json()) as { device_code: string; user_code: string };
    },
    poll: (deviceCode: string) => w.postForm("/token", { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: "demo-device" }, {}, secrets),
  };
}

describe("EDGE_SECRET rotates: EDGE_SECRET_PREVIOUS keeps everything in progress", () => {
  it("a verification begun and signed in under the old secret finishes under the new one: the form, the flow, the sign-in, the grant", async () => {
    const d = deployment();
    const b = browser(w, { env: d.secrets });
    // Under the old secret: a signed-in browser (its session), and a device waiting on the confirm page.
    const first = await d.device();
    await b.get("/device");
    await b.submit("/device", { user_code: first.user_code });
    await b.submit("/device/confirm", {});
    await b.submit("/device/sign-in", DEMO);
    await b.submit("/device/consent", { action: "approve" });
    const second = await d.device();
    await b.get("/device");
    const confirm = await b.submit("/device", { user_code: second.user_code });
    expect(confirm.html).toContain('action="/device/confirm"');

    d.rotate(true);
    // The confirm page's form, its token signed under the old secret, posts; the sign-in made then still counts.
    const consent = await b.submit("/device/confirm", {});
    expect(consent.html).toContain('action="/device/consent"');
    const done = await b.submit("/device/consent", { action: "approve" });
    expect(text(done.html)).toContain("Your device is connected");
    // The device's grant was created under the old secret's names: its polls find it, and the tokens come.
    const res = await d.poll(second.device_code);
    expect(res.status).toBe(200);
    expect(await json(res)).toHaveProperty("access_token");
  });

  it("without EDGE_SECRET_PREVIOUS, the same page is out of date: what a rotation used to do to everything", async () => {
    const d = deployment();
    const b = browser(w, { env: d.secrets });
    const flow = await d.device();
    await b.get("/device");
    await b.submit("/device", { user_code: flow.user_code });
    d.rotate(false);
    const res = await b.post("/device/confirm", {});
    expect(res.status).toBe(403);
  });

  it("a budget spent under the old secret stays spent: the rotation is no fresh start for a guesser", async () => {
    const d = deployment({ LIMIT_CODE_ENTRY_FAILURES_PER_IP: "3/900" });
    const b = browser(w, { env: d.secrets });
    await b.get("/device");
    for (let i = 0; i < 3; i++) expect((await b.post("/device", { user_code: "BCDFGHJK" })).status).toBe(400);
    expect((await b.post("/device", { user_code: "BCDFGHJK" })).status).toBe(429);
    d.rotate(true);
    await b.get("/device");
    expect((await b.post("/device", { user_code: "BCDFGHJK" })).status).toBe(429);
  });

  it("a device cookie issued under the old secret still knows its browser: after the rotation a stranger's failures lock out strangers, not the owner", async () => {
    // A per-username budget of this test's own (its window makes the bucket its own), spent by two failures.
    const d = deployment({ LIMIT_SIGN_IN_FAILURES_PER_USER: `2/${3000 + Math.floor(Math.random() * 600)}` });
    /** A fresh flow at the sign-in step, as after a browser restart (its session cookies gone), then the password. */
    const signIn = async (b: ReturnType<typeof browser>, form = DEMO) => {
      b.jar.delete("__Host-device-signin");
      b.jar.delete("__Host-device-flow");
      await b.get("/device");
      await b.submit("/device", { user_code: (await d.device()).user_code });
      await b.submit("/device/confirm", {});
      const page = await b.submit("/device/sign-in", form);
      return page.html.includes('action="/device/consent"') ? "signed in" : page.status;
    };
    const owner = browser(w, { env: d.secrets });
    expect(await signIn(owner)).toBe("signed in");
    expect(owner.jar.has("__Host-device-known")).toBe(true);

    d.rotate(true);
    const attacker = browser(w, { env: d.secrets });
    for (let i = 0; i < 2; i++) expect(await signIn(attacker, { username: "demo", password: `guess-${i}` })).toBe(401);
    expect(await signIn(browser(w, { env: d.secrets }))).toBe(429);
    expect(await signIn(owner)).toBe("signed in");
  });
});
