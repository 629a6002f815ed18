// The verification page in real Chromium, with JavaScript off, on a phone and a desktop,
// driven only by accessible names. The device side is openid-client over real HTTP.
import { mkdirSync } from "node:fs";
import * as client from "openid-client";
import { devices, type Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { e2eStack } from "./stack";
import { tv } from "./tv";

const SHOTS = "test-output/screenshots";
const VIEWPORTS = {
  phone: devices["Pixel 7"],
  desktop: { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 },
};

const stack = e2eStack();
beforeAll(() => mkdirSync(SHOTS, { recursive: true }));
const completeCalls = async () =>
  ((await (await stack.server.emulator("/_emulator/requests")).json()) as { path: string }[]).filter((r) => r.path.endsWith("/device/complete")).length;
const codeState = async (code: string) => ((await (await stack.server.emulator(`/_emulator/state/user-code/${code}`)).json()) as { state: string }).state;

/** The TV (tv.ts), polling from the moment it has its code. */
async function device(scope?: string) {
  const { da, poll } = await tv(stack.server.origin, { scope });
  return { da, outcome: poll() };
}

/** A fresh browser profile with JavaScript disabled; records anything that would break the page's promises. */
async function open(kind: keyof typeof VIEWPORTS, locale = "en-US") {
  const context = await stack.browser.newContext({ ...VIEWPORTS[kind], locale, javaScriptEnabled: false });
  const page = await context.newPage();
  const problems: string[] = [];
  // CSP violations and the like; an HTTP error status of our own pages is expected in some tests (and asserted in Workers tests).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of")) problems.push(m.text());
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(stack.server.origin)) problems.push(`request to another origin: ${r.url()}`);
  });
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${kind}-${locale.slice(0, 2)}-${name}.png`, fullPage: true });
  return { context, page, problems, shot };
}

const heading = (page: Page, name: string) => page.getByRole("heading", { name, level: 1 }).waitFor();
const dashed = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

describe("the verification page in Chromium (JavaScript off)", () => {
  it("phone, typed code: Continue, Continue, Sign in, Approve — four taps — and the TV gets its tokens", async () => {
    const { da, outcome } = await device();
    const { page, problems, shot, context } = await open("phone");
    await page.goto(`${stack.server.origin}/device`);
    await heading(page, "Connect a device");
    await shot("1-enter");
    await page.getByLabel("Code").fill(dashed(da.user_code).toLowerCase());
    await page.getByRole("button", { name: "Continue" }).click();

    await heading(page, "Is this your device?");
    expect(await page.getByText(dashed(da.user_code), { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText("Tokyo, Japan").isVisible()).toBe(true);
    expect(await page.getByText("KDDI CORPORATION", { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText("Says it is: Smart TV (Tizen)", { exact: true }).isVisible()).toBe(true);
    await shot("2-confirm");
    await page.getByRole("button", { name: "Continue" }).click();

    await heading(page, "Sign in");
    await shot("3-sign-in");
    await page.getByLabel("Username").fill("demo");
    await page.getByLabel("Password").fill("demo");
    await page.getByRole("button", { name: "Sign in" }).click();

    await heading(page, "Allow access?");
    await shot("4-consent");
    await page.getByRole("button", { name: "Approve" }).click();

    await heading(page, "Your device is connected");
    expect(await page.getByText("You can close this page.").isVisible()).toBe(true);
    await shot("5-connected");
    expect(page.url()).toBe(`${stack.server.origin}/device`);

    const { tokens, error } = await outcome;
    expect(error).toBeUndefined();
    expect(tokens!.access_token).toBeTruthy();
    expect(tokens!.claims()).toMatchObject({ sub: "demo", name: "Demo User" });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("phone, prefilled link: the code filled in, nothing asked or approved without a click; signed in, Continue, Continue and Approve finish it", async () => {
    const { page, problems, shot, context } = await open("phone");
    // Sign in once, on an earlier device.
    const first = await device();
    await page.goto(first.da.verification_uri_complete!);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Username").fill("demo");
    await page.getByLabel("Password").fill("demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Approve" }).click();
    await heading(page, "Your device is connected");
    expect((await first.outcome).tokens).toBeDefined();

    const { da, outcome } = await device();
    const before = await completeCalls();
    // Tap 1: the link (a QR code on the TV) fills in the code, on a clean URL.
    await page.goto(da.verification_uri_complete!);
    await heading(page, "Connect this device?");
    expect(page.url()).toBe(`${stack.server.origin}/device`);
    expect(await page.getByLabel("Code").inputValue()).toBe(dashed(da.user_code));
    await shot("6-prefilled");
    // Tap 2: Continue sends the code; the confirm page shows the device.
    await page.getByRole("button", { name: "Continue" }).click();
    await heading(page, "Is this your device?");
    // Several polling intervals pass: still nothing decided.
    await page.waitForTimeout(2500);
    expect(await completeCalls()).toBe(before);
    expect(await codeState(da.user_code)).toBe("PENDING");

    // Taps 3 and 4: this browser is signed in, so no form.
    await page.getByRole("button", { name: "Continue" }).click();
    await heading(page, "Allow access?");
    expect(await page.getByText("Signed in as Demo User").isVisible()).toBe(true);
    await shot("7-consent-signed-in");
    await page.getByRole("button", { name: "Approve" }).click();
    await heading(page, "Your device is connected");
    expect((await outcome).tokens?.access_token).toBeTruthy();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("desktop, deny: 'Request denied', and the TV is told access_denied", async () => {
    const { da, outcome } = await device();
    const { page, problems, shot, context } = await open("desktop");
    await page.goto(`${stack.server.origin}/device`);
    await shot("1-enter");
    await page.getByLabel("Code").fill(da.user_code);
    await page.getByRole("button", { name: "Continue" }).click();
    await heading(page, "Is this your device?");
    await shot("2-confirm");
    await page.getByRole("button", { name: "Continue" }).click();
    await heading(page, "Sign in");
    await shot("3-sign-in");
    await page.getByLabel("Username").fill("demo");
    await page.getByLabel("Password").fill("demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await heading(page, "Allow access?");
    await shot("4-consent");
    await page.getByRole("button", { name: "Deny" }).click();
    await heading(page, "Request denied");
    await shot("5-denied");

    const { error } = await outcome;
    expect(error).toBeInstanceOf(client.ResponseBodyError);
    expect((error as client.ResponseBodyError).error).toBe("access_denied");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("Japanese: the switch link works without JavaScript, and the whole flow reads in Japanese", async () => {
    const { da, outcome } = await device();
    const { page, problems, shot, context } = await open("phone", "ja-JP");
    await page.goto(`${stack.server.origin}/device?ui_locales=en`);
    await heading(page, "Connect a device");
    await page.getByRole("link", { name: "日本語" }).click();

    await heading(page, "デバイスを接続");
    expect(await page.locator("html").getAttribute("lang")).toBe("ja");
    await shot("1-enter");
    await page.getByLabel("コード").fill(da.user_code);
    await page.getByRole("button", { name: "続ける" }).click();
    await heading(page, "お使いのデバイスですか？");
    expect(await page.getByText("日本（Tokyo）").isVisible()).toBe(true);
    await shot("2-confirm");
    await page.getByRole("button", { name: "続ける" }).click();
    await heading(page, "サインイン");
    await shot("3-sign-in");
    await page.getByLabel("ユーザー名").fill("demo");
    await page.getByLabel("パスワード").fill("demo");
    await page.getByRole("button", { name: "サインイン" }).click();
    await heading(page, "アクセスを許可しますか？");
    await shot("4-consent");
    await page.getByRole("button", { name: "許可する" }).click();
    await heading(page, "デバイスが接続されました");
    await shot("5-connected");
    expect((await outcome).tokens?.access_token).toBeTruthy();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("phone, mistakes: an unknown code, a wrong password and Cancel each explain themselves; Cancel tells the TV access_denied", async () => {
    const { da, outcome } = await device();
    const { page, problems, shot, context } = await open("phone");
    await page.goto(`${stack.server.origin}/device`);
    await page.getByLabel("Code").fill("BCDF-BCDF");
    await page.getByRole("button", { name: "Continue" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("This code is invalid or has expired");
    expect(await page.getByLabel("Code").getAttribute("aria-invalid")).toBe("true");
    await shot("e1-invalid-code");

    await page.getByLabel("Code").fill(da.user_code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Username").fill("demo");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await page.getByRole("alert").textContent()).toBe("The username or password is incorrect.");
    await shot("e2-wrong-password");

    await page.getByRole("button", { name: "Cancel" }).click();
    await heading(page, "Cancelled");
    await shot("e3-cancelled");
    expect(await completeCalls()).toBe(1);
    const { error } = await outcome;
    expect((error as client.ResponseBodyError).error).toBe("access_denied");
    expect((error as client.ResponseBodyError).error_description).toBe("The authorization request was denied.");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("the favicon the browser asks for answers with an icon, not a 404, and the page's CSP still allows no image", async () => {
    const { page, context } = await open("desktop");
    const res = await page.goto(`${stack.server.origin}/favicon.ico`);
    expect(res!.status()).toBe(200);
    expect(res!.headers()["content-type"]).toBe("image/x-icon");
    const device = await page.goto(`${stack.server.origin}/device`);
    expect(device!.headers()["content-security-policy"]).toContain("img-src 'none'");
    await context.close();
  });
});
