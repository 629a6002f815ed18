// CLIENT_POLICY in real Chromium (JavaScript off), the device side being openid-client: one code
// entered by two people on two networks (RFC 10027's unique codes), and a client whose scopes
// and token lifetimes are limited (what consent shows, what the TV's tokens carry). Each browser
// and the TV placed per request through Miniflare's MF-CF-Blob (local-server.ts placedAt).
import * as client from "openid-client";
import { devices } from "playwright-core";
import { describe, expect, it } from "vitest";
import { placedAt } from "./local-server";
import { e2eStack } from "./stack";
import { tv } from "./tv";

// demo-device (Authlete client id 1001): one code, one person, with the stronger warning;
// demo-confidential (1002): openid and profile only, access tokens of ten minutes.
const POLICY = {
  "1001": { oneCodeOnePerson: "warn" },
  "1002": { scopes: ["openid", "profile"], tokens: { accessTokenSeconds: 600 } },
};
const stack = e2eStack(async () => ({ server: { vars: { CLIENT_POLICY: JSON.stringify(POLICY) } } }));

type Cf = Record<string, unknown>;
const TOKYO: Cf = { country: "JP", region: "Tokyo", city: "Tokyo", asn: 2516, asOrganization: "KDDI CORPORATION", colo: "NRT", timezone: "Asia/Tokyo" };
const OSAKA: Cf = { country: "JP", region: "Osaka", city: "Osaka", asn: 17676, asOrganization: "SoftBank Corp.", colo: "KIX", timezone: "Asia/Tokyo" };

/** The TV (tv.ts) at a home in Tokyo, polling from the moment it has its code. */
async function device(who: { id: string; auth: client.ClientAuth }, scope: string) {
  const { da, poll } = await tv(stack.server.origin, { client: who, at: { ip: "198.51.100.40", cf: TOKYO }, scope });
  return { da, outcome: poll() };
}

/** A phone's browser of its own (cookies and all) on the network `at`. */
async function phone(at: { ip: string; cf: Cf }) {
  const context = await stack.browser.newContext({ ...devices["Pixel 7"], javaScriptEnabled: false, extraHTTPHeaders: placedAt(at) });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  return { context, page, problems };
}

async function enter(page: import("playwright-core").Page, code: string) {
  await page.goto(`${stack.server.origin}/device`);
  await page.getByLabel("Code").fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
}

describe("CLIENT_POLICY in Chromium", () => {
  it("one code, two people: the second browser, on another network, gets the stronger warning saying someone else entered it", async () => {
    const { da, outcome } = await device({ id: "demo-device", auth: client.None() }, "openid profile");
    const first = await phone({ ip: "203.0.113.60", cf: TOKYO });
    await enter(first.page, da.user_code);
    await first.page.getByRole("heading", { name: "Is this your device?", level: 1 }).waitFor();

    const second = await phone({ ip: "192.0.2.61", cf: OSAKA });
    await enter(second.page, da.user_code);
    await second.page.getByRole("heading", { name: "Be careful: this may not be your device", level: 1 }).waitFor();
    const warning = second.page.getByRole("region", { name: "Why we are warning you" });
    expect(await warning.textContent()).toContain("Someone else, in another browser on another network, has entered this same code.");
    expect(await second.page.getByRole("button").allTextContents()).toEqual(["Deny", "Continue anyway", "I didn't start this"]);
    // The first person's page is as it was.
    await first.page.reload();
    expect(await first.page.getByText("Someone else").count()).toBe(0);
    // Deny, the primary action, tells the TV no at once.
    await second.page.getByRole("button", { name: "Deny" }).click();
    await second.page.getByRole("heading", { name: "Cancelled" }).waitFor();
    expect(((await outcome).error as client.ResponseBodyError | undefined)?.error).toBe("access_denied");
    // A code entered by a second person is the mark of one sent to many: a warning for the operator.
    expect(stack.takeLogs()).toEqual([expect.objectContaining({ level: "warn", event: "shared_code", clientId: 1001, policy: "warn", risk: "warn" })]);
    expect([...first.problems, ...second.problems]).toEqual([]);
    await Promise.all([first.context.close(), second.context.close()]);
  });

  it("limited scopes and a short lifetime: consent names what is not offered; the TV's tokens carry only the rest, for ten minutes", async () => {
    const { da, outcome } = await device({ id: "demo-confidential", auth: client.ClientSecretBasic("demo-secret") }, "openid profile email");
    const { page, problems, context } = await phone({ ip: "203.0.113.62", cf: TOKYO });
    await enter(page, da.user_code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Username").fill("demo");
    await page.getByLabel("Password").fill("demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Allow access?", level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Not offered", level: 2 }).waitFor();
    expect(await page.getByText("See your email address").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: "Your device is connected" }).waitFor();
    const { tokens } = await outcome;
    expect(tokens?.scope).toBe("openid profile");
    expect(tokens?.expires_in).toBe(600);
    expect(tokens?.claims()).not.toHaveProperty("email");
    expect(problems).toEqual([]);
    await context.close();
  });
});
