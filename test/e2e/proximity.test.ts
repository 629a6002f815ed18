// The proximity check in real Chromium (JavaScript off): the device and the browser placed
// per request through Miniflare's MF-CF-Blob header (local-server.ts placedAt), the device
// side being openid-client. Four cases: the same city, two countries, a hosting network, an
// old code; and a client whose policy blocks. Screenshots of the stronger warning go to the README.
import { mkdirSync } from "node:fs";
import * as client from "openid-client";
import { devices, type Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { placedAt } from "./local-server";
import { e2eStack } from "./stack";
import { tv } from "./tv";

// README's docs/screenshots/proximity-*.png are copies of these, made by hand (a test never writes to docs/).
const SHOTS = "test-output/screenshots";
// demo-confidential (Authlete client id 1002) may not be connected from abroad.
const stack = e2eStack(async () => ({ server: { vars: { PROXIMITY_POLICY: JSON.stringify({ "1002": { crossCountry: "block" } }) } } }));
beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

type Cf = Record<string, unknown>;
const TOKYO_HOME: Cf = {
  country: "JP",
  region: "Tokyo",
  city: "Tokyo",
  asn: 2516,
  asOrganization: "KDDI CORPORATION",
  latitude: "35.68950",
  longitude: "139.69170",
  colo: "NRT",
  timezone: "Asia/Tokyo",
};
const TOKYO_PHONE: Cf = { ...TOKYO_HOME, asn: 9605, asOrganization: "NTT DOCOMO, INC.", latitude: "35.65800", longitude: "139.70160" };
const FRANKFURT: Cf = {
  country: "DE",
  region: "Hesse",
  city: "Frankfurt am Main",
  asn: 3320,
  asOrganization: "Deutsche Telekom AG",
  latitude: "50.11552",
  longitude: "8.68417",
  colo: "FRA",
  timezone: "Europe/Berlin",
};
const AWS_TOKYO: Cf = { ...TOKYO_HOME, asn: 16509, asOrganization: "Amazon.com, Inc.", latitude: "35.68360", longitude: "139.75390" };
const PHONE_AT = { ip: "203.0.113.50", cf: TOKYO_PHONE };

/** The TV (tv.ts) placed by the edge at `cf` (from `ip`), polling from the moment it has its code. */
async function device(at: { ip: string; cf: Cf }, who?: { id: string; auth: client.ClientAuth }) {
  const { da, poll } = await tv(stack.server.origin, { client: who, at });
  return { da, outcome: poll() };
}

/** A phone's browser in Tokyo (JavaScript off). */
async function phone(kind: "phone" | "desktop" = "phone", locale = "en-US") {
  const viewport = kind === "phone" ? devices["Pixel 7"] : { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };
  const context = await stack.browser.newContext({ ...viewport, locale, javaScriptEnabled: false, extraHTTPHeaders: placedAt(PHONE_AT) });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${kind}-${locale.slice(0, 2)}-proximity-${name}.png`, fullPage: true });
  return { context, page, problems, shot };
}

async function enter(page: Page, code: string, label = "Code", go = "Continue") {
  await page.goto(`${stack.server.origin}/device`);
  await page.getByLabel(label).fill(code);
  await page.getByRole("button", { name: go }).click();
}

/** The accessible names of the confirm page's buttons, in the order Tab takes them. */
const buttons = (page: Page) => page.getByRole("button").allTextContents();

describe("proximity in Chromium: the device's place against the browser's", () => {
  it("the same city (another network): the usual page, Continue first", async () => {
    const { da, outcome } = await device({ ip: "198.51.100.20", cf: TOKYO_HOME });
    const { page, problems, shot, context } = await phone();
    await enter(page, da.user_code);
    await page.getByRole("heading", { name: "Is this your device?", level: 1 }).waitFor();
    expect(await page.getByText("Be careful").count()).toBe(0);
    expect(await buttons(page)).toEqual(["Continue", "Cancel", "I didn't start this"]);
    // What recognises the device, and nothing of where its owner lives (the address, the raw agent).
    expect(await page.getByText("Says it is: Smart TV (Tizen)", { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText("KDDI CORPORATION", { exact: true }).isVisible()).toBe(true);
    for (const hidden of ["198.51.100.20", "DemoTV"]) expect(await page.getByText(hidden).count()).toBe(0);
    await shot("1-same-city");
    // Cancel denies: the TV hears it at once.
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("heading", { name: "Cancelled" }).waitFor();
    expect(((await outcome).error as client.ResponseBodyError | undefined)?.error).toBe("access_denied");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("two countries: the stronger warning, both places, the consequence, Deny first; Deny tells the TV access_denied", async () => {
    const { da, outcome } = await device({ ip: "198.51.100.21", cf: FRANKFURT });
    const { page, problems, shot, context } = await phone();
    await enter(page, da.user_code);
    await page.getByRole("heading", { name: "Be careful: this may not be your device", level: 1 }).waitFor();
    const warning = page.getByRole("region", { name: "Why we are warning you" });
    expect(await warning.textContent()).toContain("The device asked from another country (Germany) than the one you appear to be in (Japan).");
    expect(await warning.textContent()).toContain("That deviceHesse, Germany");
    expect(await warning.textContent()).toContain("YouTokyo, Japan");
    expect(await warning.textContent()).toContain("whoever holds that device will be signed in as you");
    expect(await buttons(page)).toEqual(["Deny", "Continue anyway", "I didn't start this"]);
    // The primary (filled) button is Deny.
    expect(await page.getByRole("button", { name: "Deny" }).getAttribute("class")).toBe("primary");
    await shot("2-two-countries");
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("heading", { name: "Cancelled" }).waitFor();
    const error = (await outcome).error as client.ResponseBodyError | undefined;
    expect(error?.error).toBe("access_denied");
    expect(error?.error_description).toBe("The authorization request was denied.");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("two countries on a desktop and in Japanese: the same warning", async () => {
    for (const [kind, locale, heading] of [
      ["desktop", "en-US", "Be careful: this may not be your device"],
      ["phone", "ja-JP", "ご注意ください: お使いのデバイスではない可能性があります"],
    ] as const) {
      const { da } = await device({ ip: "198.51.100.22", cf: FRANKFURT });
      const { page, problems, shot, context } = await phone(kind, locale);
      await enter(page, da.user_code, locale === "ja-JP" ? "コード" : "Code", locale === "ja-JP" ? "続ける" : "Continue");
      await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
      if (locale === "ja-JP") expect(await page.getByText("ドイツ（Hesse）").first().isVisible()).toBe(true);
      await shot("2-two-countries");
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  it("a hosting network, even in the same city: the stronger warning names the data centre", async () => {
    const { da } = await device({ ip: "198.51.100.23", cf: AWS_TOKYO });
    const { page, problems, shot, context } = await phone();
    await enter(page, da.user_code);
    await page.getByRole("heading", { name: "Be careful: this may not be your device", level: 1 }).waitFor();
    expect(await page.getByText("The device asked from a data centre (Amazon.com, Inc.), not from a home or mobile network.").isVisible()).toBe(true);
    expect((await buttons(page))[0]).toBe("Deny");
    await shot("3-hosting");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an old code: the stronger warning with its age", async () => {
    const { da } = await device({ ip: "198.51.100.24", cf: TOKYO_HOME });
    // The Worker's clock cannot be moved from here, so the grant is issued again with the device's
    // record twelve minutes older, through the grants' seam the Worker itself uses (its polls then
    // go to Authlete: the planted grant does not know the client's credentials).
    const grants = await stack.server.grants();
    const { device: rec, clientId } = (await (await grants.byUserCode(da.user_code)).lookup(Date.now()))!;
    const older = { ...rec, requestedAt: rec.requestedAt - 12 * 60_000 };
    await (await grants.byDeviceCode(da.device_code)).issue(
      { device: older, clientId, client: "", interval: da.interval ?? null, expiresIn: da.expires_in },
      Date.now(),
    );
    const { page, problems, shot, context } = await phone();
    await enter(page, da.user_code);
    await page.getByRole("heading", { name: "Be careful: this may not be your device", level: 1 }).waitFor();
    expect(await page.getByText("Its code was made 12 minutes ago").isVisible()).toBe(true);
    expect(await page.getByText("12 minutes ago (").isVisible()).toBe(true);
    await shot("4-old-code");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a client whose policy blocks other countries: the page says why, the TV gets a neutral access_denied, and the reason goes to the log", async () => {
    const { da, outcome } = await device({ ip: "198.51.100.25", cf: FRANKFURT }, { id: "demo-confidential", auth: client.ClientSecretBasic("demo-secret") });
    const { page, problems, shot, context } = await phone();
    await enter(page, da.user_code);
    await page.getByRole("heading", { name: "This request was refused" }).waitFor();
    expect(await page.getByText("The request came from a device in Germany, and you appear to be in Japan.").isVisible()).toBe(true);
    await shot("5-blocked");
    const error = (await outcome).error as client.ResponseBodyError | undefined;
    expect(error?.error).toBe("access_denied");
    expect(error?.error_description).toBe("The authorization request was denied.");
    // The reason is the operator's to read: one warning, what was compared and why it blocked.
    expect(stack.takeLogs()).toEqual([
      expect.objectContaining({
        level: "warn",
        event: "proximity_blocked",
        clientId: 1002,
        risk: "block",
        reasons: "cross_country",
        deviceCountry: "DE",
        browserCountry: "JP",
      }),
    ]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
