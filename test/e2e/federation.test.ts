// Sign in with the operator's own IdP, in real Chromium with JavaScript off: node-oidc-provider
// (a certified OP) is the IdP, under its own host name idp.localhost (Chromium's
// --host-resolver-rules for the browser, Miniflare's outbound service for the Worker's back
// channel), so the round trip is cross-site as in production: two ports of 127.0.0.1 would be
// one site and hide SameSite mistakes.
import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { startIdp } from "../../scripts/idp.mjs";
import { freePort } from "./local-server";
import { e2eStack } from "./stack";
import { tv } from "./tv";

const IDP_HOST = "idp.localhost";
const SHOTS = "test-output/screenshots";

const stack = e2eStack(async () => {
  const port = await freePort();
  // The provider's own redirect URI, the one registered at it: OIDC_REDIRECT_URI with its id.
  const callback = `http://127.0.0.1:${port}/device/callback/example`;
  const idp = await startIdp({ issuerHost: IDP_HOST, redirectUris: [callback] });
  return {
    server: {
      port,
      hosts: { [IDP_HOST]: "127.0.0.1" },
      vars: {
        AUTHENTICATOR: "oidc",
        OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/device/callback/{id}`,
        OIDC_PROVIDERS: JSON.stringify([{ id: "example", label: "Example IdP", issuer: idp.issuer, client_id: idp.clientId, userinfo: true }]),
        OIDC_CLIENT_SECRET_EXAMPLE: idp.clientSecret,
      },
    },
    chromium: { hostResolverRules: `MAP ${IDP_HOST} 127.0.0.1` },
    teardown: idp.stop,
  };
});

/** The TV (tv.ts), polling from the moment it has its code. */
async function device() {
  const { da, poll } = await tv(stack.server.origin);
  return { da, outcome: poll() };
}

const heading = (page: Page, name: string) => page.getByRole("heading", { name, level: 1 }).waitFor();

async function open() {
  const context = await stack.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", javaScriptEnabled: false });
  const page = await context.newPage();
  const problems: string[] = [];
  // Our pages only: the IdP's development pages ask for web fonts from the internet, which this machine cannot reach.
  page.on("console", (m) => {
    if (
      m.type() === "error" &&
      m.location().url.startsWith(stack.server.origin) &&
      !m.text().startsWith("Failed to load resource: the server responded with a status of")
    )
      problems.push(m.text());
  });
  const callbacks: Request[] = [];
  page.on("request", (r) => {
    if (r.url().startsWith(`${stack.server.origin}/device/callback/example?`)) callbacks.push(r);
  });
  return { context, page, problems, callbacks };
}

/** To the sign-in page of a fresh code, by its prefilled link. */
async function toSignIn(page: Page, link: string) {
  await page.goto(link);
  // The link fills in the code; Continue sends it.
  await heading(page, "Connect this device?");
  await page.getByRole("button", { name: "Continue" }).click();
  await heading(page, "Is this your device?");
  await page.getByRole("button", { name: "Continue" }).click();
  await heading(page, "Sign in");
}

describe("sign in with the operator's own IdP (node-oidc-provider), cross-site, in Chromium with JavaScript off", () => {
  it("code on the device → confirm → Sign in with Example IdP → the IdP's own login and consent → back → consent → approve: the device's subject is the IdP's user, in the provider's namespace", async () => {
    const { da, outcome } = await device();
    const { context, page, problems, callbacks } = await open();
    await toSignIn(page, da.verification_uri_complete!);
    // The password form is there too: USERS is still set (.dev.vars.example).
    expect(await page.getByLabel("Username").isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/federation-1-sign-in.png`, fullPage: true });
    await page.getByRole("button", { name: "Sign in with Example IdP" }).click();

    // The IdP's own pages, on its own host.
    await page.waitForURL((u) => u.hostname === IDP_HOST);
    await page.locator('input[name="login"]').fill("alice");
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();

    await heading(page, "Allow access?");
    expect(page.url()).toBe(`${stack.server.origin}/device`);
    expect(await page.getByText("Signed in as Alice Example with Example IdP").isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/federation-2-consent.png`, fullPage: true });
    // The way back was a cross-site navigation, and the Lax login cookie came along.
    expect(callbacks).toHaveLength(1);
    const sent = await callbacks[0]!.allHeaders();
    expect(sent["sec-fetch-site"]).toBe("cross-site");
    expect(sent["cookie"]).toContain("__Host-device-login=");

    await page.getByRole("button", { name: "Approve" }).click();
    await heading(page, "Your device is connected");
    const { tokens, error } = await outcome;
    expect(error).toBeUndefined();
    expect(tokens!.claims()).toMatchObject({ sub: "example:alice", name: "Alice Example" });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("cancel at the IdP: back on the sign-in page with a message, and the device is still waiting", async () => {
    const { da } = await device();
    const { context, page, problems } = await open();
    await toSignIn(page, da.verification_uri_complete!);
    await page.getByRole("button", { name: "Sign in with Example IdP" }).click();
    await page.waitForURL((u) => u.hostname === IDP_HOST);
    await page.getByRole("link", { name: "[ Cancel ]" }).click();
    await heading(page, "Sign in");
    expect(await page.getByRole("alert").textContent()).toContain("Sign-in was cancelled, so nothing was connected.");
    const state = (await (await stack.server.emulator(`/_emulator/state/user-code/${da.user_code}`)).json()) as { state: string };
    expect(state.state).toBe("PENDING");
    expect(problems).toEqual([]);
    await context.close();
  });
});
