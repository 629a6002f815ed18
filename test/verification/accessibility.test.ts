import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { atConfirm, atConsent, browser, DEMO } from "../support/browser";
import { bind, resetEmulator } from "../support/helpers";

beforeEach(resetEmulator);

const w = bind(createApp());
const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];
/** The buttons of a page in document order: the order Tab and a screen reader take. */
const buttons = (html: string) => [...html.matchAll(/<button[^>]*>([^<]+)<\/button>/g)].map((m) => m[1]);

describe("markup the accessibility audit asked for (Chromium checks the rendering: test/e2e/accessibility.test.ts)", () => {
  it("a field error prefixes the <title> with Error: (エラー: in Japanese); a page without one does not", async () => {
    const b = browser(w);
    expect(title((await b.get("/device")).html)).toBe("Connect a device – Device Flow Edge");
    expect(title((await b.post("/device", { user_code: "nope" })).html)).toBe("Error: Connect a device – Device Flow Edge");
    const ja = browser(w, { headers: { "Accept-Language": "ja" } });
    await ja.get("/device");
    expect(title((await ja.post("/device", { user_code: "BCDFBCDF" })).html)).toBe("エラー: デバイスを接続 – Device Flow Edge");
    await atConfirm(w, b);
    expect(title((await b.submit("/device/confirm", {})).html)).toBe("Sign in – Device Flow Edge");
    expect(title((await b.post("/device/sign-in", { username: "demo", password: "x" })).html)).toBe("Error: Sign in – Device Flow Edge");
  });

  it("confirm, consent and done move focus to their heading (autofocus, no script); code entry focuses the field", async () => {
    const b = browser(w);
    expect((await b.get("/device")).html).toMatch(/<input id="code"[^>]*autofocus=""/);
    const { page: confirm } = await atConfirm(w, b);
    expect(confirm.html).toContain('<h1 tabindex="-1" autofocus="">Is this your device?</h1>');
    const consent = await b.submit("/device/confirm", {}).then(() => b.submit("/device/sign-in", DEMO));
    expect(consent.html).toContain('<h1 tabindex="-1" autofocus="">Allow access?</h1>');
    const done = await b.submit("/device/consent", { action: "approve" });
    expect(done.html).toContain('<h1 tabindex="-1" autofocus="">Your device is connected</h1>');
    for (const p of [confirm, consent, done]) expect(p.html.match(/autofocus/g)).toHaveLength(1);
  });

  it("buttons come in the order they are shown, the primary action first: Continue, Cancel; Sign in, Cancel (beside it, in its own form); Approve, Deny", async () => {
    const b = browser(w);
    const { page } = await atConfirm(w, b);
    expect(buttons(page.html)).toEqual(["Continue", "Cancel", "I didn&#39;t start this"]);
    const signIn = await b.submit("/device/confirm", {});
    expect(buttons(signIn.html)).toEqual(["Sign in", "Cancel"]);
    // Cancel sits in Sign in's row but belongs to the cancel form, which carries nothing but its token.
    expect(signIn.html).toContain('<button type="submit" class="secondary" form="cancel">Cancel</button>');
    expect(signIn.html).toMatch(/<form method="post" action="\/device\/cancel" id="cancel"><input type="hidden" name="csrf" value="[^"]+"\/><\/form>/);
    const { page: consent } = await atConsent(w, browser(w));
    expect(buttons(consent.html).slice(-2)).toEqual(["Approve", "Deny"]);
  });

  it("the stylesheet follows the browser's scheme: color-scheme light dark and a dark palette", async () => {
    const html = (await browser(w).get("/device")).html;
    expect(html).toContain(":root{color-scheme:light dark;");
    expect(html).toMatch(/@media \(prefers-color-scheme:dark\)\{:root\{--accent:#1a56db;--on-accent:#ffffff;--accent-border:#f3f4f6;--ink:#f3f4f6;/);
  });
});
