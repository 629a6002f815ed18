import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UNDO_WINDOW_MS } from "../../src/verification/steps/undo";
import { atConsent, browser, calls, text } from "../support/browser";
import { control, emulator, resetEmulator, twoPlaces } from "../support/helpers";
import { captureLogs, linesPrintedBy } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

/**
 * "That wasn't me" on the done page, for a few minutes after approving: the grant is marked
 * undone (the device's polls are refused at the edge, before Authlete, which would issue the
 * tokens), and Authlete deletes every token the client holds for the person. The device polls
 * in one location, the person approves and undoes in another.
 */
let { device: w, browser: web, clock } = twoPlaces();
// Each test on a clock of its own: some move it by minutes, past the codes of the next.
beforeEach(() => {
  ({ device: w, browser: web, clock } = twoPlaces());
});
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

const UNDO_FORM = /<form method="post" action="\/device\/undo" class="report"><input type="hidden" name="csrf" value="[^"]+"\/>/;
const LEAD =
  "This removes all of Demo TV's access to your account: every device where you connected Demo TV is signed out, and this device is told no if it has not connected yet.";

/** The token of the done page's "That wasn't me" form (the page's first form is sign-out's, for a signed-in browser). */
const undoToken = (html: string) => /action="\/device\/undo" class="report"><input type="hidden" name="csrf" value="([^"]+)"/.exec(html)?.[1];

/** A device flow approved by `demo` in the browser `b`; the done page it then shows, and its undo form's token. */
async function approved(b: ReturnType<typeof browser>, title = "Your device is connected") {
  const { flow } = await atConsent(w, b);
  const done = await b.submit("/device/consent", { action: "approve" });
  expect(text(done.html)).toContain(title);
  return { flow, done, csrf: undoToken(done.html)! };
}

/** Authlete's view of an access token, as a resource server would ask for it. */
async function introspect(token: string) {
  const res = await emulator(`/api/${env.AUTHLETE_SERVICE_ID}/auth/introspection`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.AUTHLETE_SERVICE_ACCESS_TOKEN}` },
    body: JSON.stringify({ token }),
  });
  return (await res.json()) as Record<string, unknown>;
}

describe('the done page offers "That wasn\'t me", saying first what it removes', () => {
  it("its own form, with the window's end in the person's time, in English and Japanese; none after a denial", async () => {
    const b = browser(web, { cf: { country: "JP", city: "Tokyo", timezone: "Asia/Tokyo" } });
    const { done } = await approved(b);
    expect(done.html).toMatch(UNDO_FORM);
    expect(done.html).toContain("That wasn&#39;t me</button>");
    const t = text(done.html);
    expect(t).toMatch(/Not you, or not what you meant\? Until \d{1,2}:\d{2}\s[AP]M \(in 5 minutes\) you can take it back\./);
    expect(t).toContain(LEAD);
    expect(b.jar.get("__Host-device-undo")).toMatch(/^[\w-]{43}\.[\w-]{43}$/);

    const ja = browser(web, { headers: { "Accept-Language": "ja" } });
    const { done: jaDone } = await approved(ja, "デバイスが接続されました");
    expect(jaDone.html).toContain("自分ではありません</button>");
    expect(text(jaDone.html)).toContain(
      "取り消すと、Demo TV のあなたのアカウントへのアクセスがすべて削除され、Demo TV を接続したすべてのデバイスでサインアウトされます。",
    );

    const denied = browser(web);
    await atConsent(w, denied);
    const page = await denied.submit("/device/consent", { action: "deny" });
    expect(text(page.html)).toContain("Request denied");
    expect(page.html).not.toContain("/device/undo");
    expect(denied.jar.has("__Host-device-undo")).toBe(false);
  });
});

describe("undo", () => {
  it("before the device polls: the device gets access_denied with no /auth/token call, and the person's tokens of the client are deleted", async () => {
    const b = browser(web);
    const { flow, csrf } = await approved(b);
    await control("requests");
    const lines = await linesPrintedBy(async () => {
      const res = await b.post("/device/undo", {}, { csrf });
      expect([res.status, res.location]).toEqual([303, "/device"]);
      const page = await b.get("/device");
      expect(text(page.html)).toContain("Undone: the connection was removed");
      expect(text(page.html)).toContain(
        "Demo TV no longer has access to your account, on any device where you connected it, and the device you just approved has been told no.",
      );
      // Shown once, like every outcome.
      expect(text((await b.get("/device")).html)).toContain("Enter the code");
    });
    for (const wait of [5_000, 10_000, 700_000]) {
      clock.advance(wait);
      const res = await w.poll(flow.device_code);
      expect(res.status).toBe(400);
      expect(await json(res)).toEqual({ error: "access_denied", error_description: "The authorization request was denied." });
    }
    expect(await calls("auth/token")).toHaveLength(0);
    expect((await calls("client/authorization/delete/1001")).map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", `/api/${env.AUTHLETE_SERVICE_ID}/client/authorization/delete/1001`, { subject: "demo" }],
    ]);
    const undone = lines.find((l) => l["event"] === "approval_undone")!;
    expect(undone).toMatchObject({ level: "warn", clientId: 1001, grant: "approved", resultCode: "A137001" });
    expect(undone["subject"]).toMatch(/^[\w-]{12}$/);
    expect(undone["code"]).toMatch(/^[\w-]{12}$/);
    expect(lines.find((l) => l["event"] === "reported_network_listed")).toMatchObject({ via: "undo", code: undone["code"], reports: 1 });
    expect(lines.find((l) => l["event"] === "decision" && l["outcome"] === "undone")).toMatchObject({ code: undone["code"], authlete: true });
    const all = JSON.stringify(lines);
    for (const secret of [flow.user_code, flow.device_code, b.ip, '"demo"']) expect(all).not.toContain(secret);
  });

  it("after the device collected its tokens: /client/authorization/delete is called with the subject, and the tokens no longer introspect", async () => {
    const b = browser(web);
    const { flow, csrf } = await approved(b);
    clock.advance(5_000);
    const tokens = await json(await w.poll(flow.device_code));
    const accessToken = tokens["access_token"] as string;
    expect(await introspect(accessToken)).toMatchObject({ action: "OK", subject: "demo", clientId: 1001 });
    const lines = await linesPrintedBy(async () => {
      expect(text((await b.submit("/device/undo", {}, { csrf })).html)).toContain("Undone: the connection was removed");
    });
    expect((await calls("client/authorization/delete/1001")).map((r) => r.body)).toEqual([{ subject: "demo" }]);
    expect(await introspect(accessToken)).toMatchObject({ action: "UNAUTHORIZED", existent: false, usable: false });
    const refresh = await w.postForm("/token", { grant_type: "refresh_token", refresh_token: tokens["refresh_token"] as string, client_id: "demo-device" });
    expect((await json(refresh))["error"]).toBe("invalid_grant");
    expect(lines.find((l) => l["event"] === "approval_undone")).toMatchObject({ grant: "none" });
  });

  it("after the window: refused with a page that says so; nothing is deleted, and the device gets its tokens", async () => {
    const b = browser(web);
    const { flow, csrf } = await approved(b);
    clock.advance(UNDO_WINDOW_MS);
    const page = await b.post("/device/undo", {}, { csrf });
    expect(page.status).toBe(410);
    expect(text(page.html)).toContain("It is too late to undo this here");
    expect(text(page.html)).toContain("An approval can be taken back on this page only for a few minutes after it was given.");
    expect(await calls("client/authorization/delete/1001")).toHaveLength(0);
    expect(await json(await w.poll(flow.device_code))).toHaveProperty("access_token");
  });

  it("Authlete failing: a page that offers to press again; the device is refused meanwhile; pressing again finishes", async () => {
    const b = browser(web);
    const { flow, csrf } = await approved(b);
    await control("faults", { api: "client/authorization/delete", mode: "status", status: 503 });
    const logs = captureLogs();
    const failed = await b.post("/device/undo", {}, { csrf });
    expect(failed.status).toBe(503);
    expect(failed.html).toMatch(
      /<form method="post" action="\/device\/undo" class="actions"><input type="hidden" name="csrf" value="[^"]+"\/><button type="submit" class="primary">Try again<\/button>/,
    );
    expect(logs.warned()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "authlete_failure",
        route: "/device/undo",
        api: "/client/authorization/delete/1001",
        kind: "unavailable",
        status: 503,
      }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device/undo", outcome: "unavailable", detail: "unavailable", authlete: true }),
    ]);
    clock.advance(5_000);
    expect((await json(await w.poll(flow.device_code)))["error"]).toBe("access_denied");
    expect(text((await b.submit("/device/undo", {})).html)).toContain("Undone: the connection was removed");
    expect(await calls("client/authorization/delete/1001")).toHaveLength(2);
    // Pressing again finishes the undo: logged then, once, of a grant the first press had already undone at the edge.
    expect(logs.warned().slice(2)).toEqual([
      expect.objectContaining({ level: "warn", event: "reported_network_listed", via: "undo" }),
      expect.objectContaining({ level: "warn", event: "approval_undone", grant: "undone" }),
    ]);
  });
});

describe("the undo form is bound like the others", () => {
  it.each([
    ["no token", { csrf: null }],
    ["a cross-site Origin", { origin: "https://evil.example" }],
    ["no Origin and no Sec-Fetch-Site", { origin: null }],
  ] as const)("%s → 403, nothing undone", async (_, o) => {
    const b = browser(web);
    const { flow, csrf } = await approved(b);
    const p = await b.post("/device/undo", {}, { csrf, ...o });
    expect(p.status).toBe(403);
    expect(text(p.html)).toContain("Please start again");
    expect(await calls("client/authorization/delete/1001")).toHaveLength(0);
    clock.advance(5_000);
    expect(await json(await w.poll(flow.device_code))).toHaveProperty("access_token");
  });

  it("a token from another browser, or the same page's sign-out token, → 403; a browser with no approval to undo → 410", async () => {
    const b = browser(web);
    const { csrf, done } = await approved(b);
    const other = browser(web);
    await other.get("/device");
    expect((await b.post("/device/undo", {}, { csrf: other.csrf })).status).toBe(403);
    const signOut = /action="\/device\/sign-out"><input type="hidden" name="csrf" value="([^"]+)"/.exec(done.html)?.[1];
    expect(signOut).toBeDefined();
    expect((await b.post("/device/undo", {}, { csrf: signOut! })).status).toBe(403);
    // The right token, without the cookie that names the approval.
    const p = await other.post("/device/undo", {}, { csrf });
    expect(p.status).toBe(410);
    expect(await calls("client/authorization/delete/1001")).toHaveLength(0);
  });

  it("a done page left open for one approval cannot undo a later one; once undone, pressing again changes nothing", async () => {
    const b = browser(web);
    const first = await approved(b);
    const second = await approved(b);
    expect((await b.post("/device/undo", {}, { csrf: first.csrf })).status).toBe(403);
    expect(await calls("client/authorization/delete/1001")).toHaveLength(0);
    const logs = captureLogs();
    expect((await b.post("/device/undo", {}, { csrf: second.csrf })).status).toBe(303);
    expect((await b.post("/device/undo", {}, { csrf: second.csrf })).status).toBe(410);
    expect(await calls("client/authorization/delete/1001")).toHaveLength(1);
    clock.advance(5_000);
    expect(await json(await w.poll(first.flow.device_code))).toHaveProperty("access_token");
    expect((await json(await w.poll(second.flow.device_code)))["error"]).toBe("access_denied");
    // The one undo that happened is logged (and puts the network on the watch list); the refused press adds nothing.
    expect(logs.warned()).toEqual([
      expect.objectContaining({ level: "warn", event: "reported_network_listed", via: "undo", reports: 1 }),
      expect.objectContaining({ level: "warn", event: "approval_undone", clientId: 1001, grant: "approved" }),
    ]);
  });
});
