// Every screen of the verification page, error pages included, in real Chromium: axe-core's
// WCAG 2.2 AA rules in light and dark schemes, and reflow (nothing scrolls sideways, nothing is
// clipped, the language links stay whole) at 100 % and 200 % text size, on a 390 px phone, at
// 320 px and on a 1280 px desktop, in English and Japanese.
//
// These contexts run JavaScript, and bypass the page's CSP, for the measuring only: axe is
// injected as a script and the sizes are read from the DOM. The pages themselves have no
// script (test/e2e/verification.test.ts drives them with JavaScript off).
//
// 200 % text size is the browser's own setting: CDP Page.setFontSizes doubles Chromium's
// default font sizes (16 → 32 px, monospace 13 → 26 px), which is what Settings › Appearance ›
// Font size does and what a person with low vision uses. Everything sized in rem grows with it
// and nothing sized in px does, exactly as for that person; page zoom would enlarge px too
// and is covered by the 320 px width (WCAG 1.4.10: 1280 px at 400 % is 320 CSS px).
import { mkdirSync, writeFileSync } from "node:fs";
import axe from "axe-core";
import * as client from "openid-client";
import { type BrowserContext, type CDPSession, devices, type Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { placedAt } from "./local-server";
import { e2eStack } from "./stack";
import { tv } from "./tv";

const OUT = "test-output";
// demo-confidential (1002) refuses other countries; demo-kiosk (1006) is offered openid alone and
// warns a second person who enters the same code.
const POLICY = { "1002": { proximity: { crossCountry: "block" } }, "1006": { scopes: ["openid"], oneCodeOnePerson: "warn" } };
const KIOSK = { id: "demo-kiosk", auth: client.None() };
const stack = e2eStack(async () => ({ server: { vars: { CLIENT_POLICY: JSON.stringify(POLICY) } } }));
beforeAll(() => mkdirSync(`${OUT}/screenshots`, { recursive: true }));

const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const FRANKFURT = { country: "DE", region: "Hesse", city: "Frankfurt am Main", asn: 3320, latitude: "50.11552", longitude: "8.68417", colo: "FRA" };
const PHONE = { ...devices["Pixel 7"], viewport: { width: 390, height: 844 } };
const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };
const WIDTHS = { phone: [390, 320], desktop: [1280] } as const;

const LABELS = {
  en: {
    code: "Code",
    go: "Continue",
    username: "Username",
    password: "Password",
    signIn: "Sign in",
    approve: "Approve",
    deny: "Deny",
    report: "I didn't start this",
    undo: "That wasn't me",
    notOffered: "Not offered",
    sharedCode: "Someone else, in another browser on another network, has entered this same code.",
  },
  ja: {
    code: "コード",
    go: "続ける",
    username: "ユーザー名",
    password: "パスワード",
    signIn: "サインイン",
    approve: "許可する",
    deny: "拒否する",
    report: "自分で始めていません",
    undo: "自分ではありません",
    notOffered: "提供されない内容",
    sharedCode: "別のネットワークの別のブラウザーで、誰かがこれと同じコードを入力しています。",
  },
};

/** The screens a tour visits, in order; the test fails if any is skipped. */
const SCREENS = [
  "enter",
  "enter: a vowel",
  "enter: unknown code",
  "enter: prefilled by a link",
  "confirm",
  "sign-in",
  "sign-in: wrong password",
  "consent",
  "done: connected",
  "done: undone",
  "confirm: stronger warning",
  "done: reported",
  "done: cancelled",
  "done: blocked",
  "done: denied",
  "consent: a scope not offered",
  "confirm: someone else entered the code",
  "409 out of date",
  "410 used",
  "403 start again",
  "410 expired",
  "503 unavailable (Try again keeps the code)",
  "500 something went wrong",
  "enter: tries left",
  "429 code entry paused",
  "429 sign-in paused",
];

let ips = 0;
const nextIp = (net: number) => `198.51.${net}.${++ips % 250}`;

/** The TV (tv.ts) from an address of its own, placed at `cf` when given; only its code is needed. */
async function device(cf?: Record<string, unknown>, who?: { id: string; auth: client.ClientAuth }) {
  return (await tv(stack.server.origin, { client: who, at: { ip: nextIp(100), ...(cf ? { cf } : {}) } })).da;
}

/** What cannot reflow: sideways scrolling, controls past the edge or with clipped text, a language name broken over lines. */
function reflowProblems(): string[] {
  const out: string[] = [];
  const de = document.documentElement;
  const vw = de.clientWidth;
  if (de.scrollWidth > vw) out.push(`scrolls sideways (${de.scrollWidth} > ${vw})`);
  const name = (el: Element) => `${el.tagName.toLowerCase()} "${(el.textContent || (el as HTMLInputElement).value || "").trim().slice(0, 24)}"`;
  for (const el of document.querySelectorAll("button, a.button, input:not([type=hidden]), h1, .code-display, .lang a, .lang span, .nowrap")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < -0.5 || r.right > vw + 0.5))
      out.push(`${name(el)} reaches past the edge (${Math.round(r.left)}–${Math.round(r.right)} of ${vw})`);
    if (/^(BUTTON|INPUT)$/.test(el.tagName) || el.classList.contains("button")) {
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} clipped (${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  for (const el of document.querySelectorAll(".lang a, .lang span, .nowrap")) {
    if (el.getClientRects().length > 1) out.push(`${name(el)} broken over lines`);
  }
  return out;
}

interface Finding {
  screen: string;
  condition: string;
  problem: string;
}

/** One tour: a browser context of `kind` in `locale`, visiting every screen and checking each. */
async function tour(kind: "phone" | "desktop", locale: "en" | "ja") {
  const findings: Finding[] = [];
  const visited: string[] = [];
  const conditions: string[] = [];
  let axeRuns = 0;
  /** Rules axe could not decide (it asks a person to look); reported, not failed. */
  const incomplete = new Set<string>();
  const t = LABELS[locale];
  const contexts: BrowserContext[] = [];
  const open = async () => {
    const context = await stack.browser.newContext({
      ...(kind === "phone" ? PHONE : DESKTOP),
      locale: locale === "ja" ? "ja-JP" : "en-US",
      bypassCSP: true,
      extraHTTPHeaders: placedAt({ ip: nextIp(101) }),
    });
    contexts.push(context);
    const page = await context.newPage();
    return { context, page, cdp: await context.newCDPSession(page) };
  };

  async function check(page: Page, cdp: CDPSession, screen: string) {
    await page.getByRole("heading", { level: 1 }).waitFor();
    visited.push(screen);
    const size = page.viewportSize()!;
    for (const width of WIDTHS[kind]) {
      await page.setViewportSize({ width, height: size.height });
      for (const text of [100, 200]) {
        await cdp.send("Page.setFontSizes", { fontSizes: { standard: (16 * text) / 100, fixed: (13 * text) / 100 } });
        const condition = `${width} px, ${text} % text`;
        if (!conditions.includes(condition)) conditions.push(condition);
        for (const problem of await page.evaluate(reflowProblems)) findings.push({ screen, condition, problem });
      }
    }
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 16, fixed: 13 } });
    await page.setViewportSize(size);
    if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axe.source });
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      const result = await page.evaluate(
        (tags) => (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: "tag", values: tags } }),
        WCAG_22_AA,
      );
      axeRuns++;
      // axe really looked: colour contrast was among the rules that passed.
      if (!result.passes.some((r) => r.id === "color-contrast"))
        findings.push({ screen, condition: `axe, ${colorScheme}`, problem: "color-contrast was not checked" });
      for (const r of result.incomplete) {
        for (const n of r.nodes)
          incomplete.add(
            `${r.id} ${n.target.join(" ")}: ${n.any.map((a) => (a.data as { messageKey?: string } | null)?.messageKey ?? a.id).join(",")} (${screen}, ${colorScheme})`,
          );
      }
      for (const v of result.violations) {
        findings.push({ screen, condition: `axe, ${colorScheme}`, problem: `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}` });
      }
    }
    await page.emulateMedia({ colorScheme: "light" });
  }

  const enter = async (page: Page, code: string) => {
    await page.goto(`${stack.server.origin}/device`);
    await page.getByLabel(t.code).fill(code);
    await page.getByRole("button", { name: t.go }).click();
  };
  const click = (page: Page, name: string) => page.getByRole("button", { name, exact: true }).click();

  const { context, page, cdp } = await open();
  await page.goto(`${stack.server.origin}/device`);
  // The code box is measured with a code in it: it once showed only "-MJHT".
  await page.getByLabel(t.code).fill("WDJB-MJHT");
  await check(page, cdp, "enter");
  await enter(page, "BCDF-GHJA");
  await check(page, cdp, "enter: a vowel");
  await enter(page, "BCDF-BCDF");
  await check(page, cdp, "enter: unknown code");

  const first = await device();
  await page.goto(first.verification_uri_complete!);
  await check(page, cdp, "enter: prefilled by a link");
  await click(page, t.go);
  await check(page, cdp, "confirm");
  await click(page, t.go);
  await check(page, cdp, "sign-in");
  await page.getByLabel(t.username).fill("demo");
  await page.getByLabel(t.password).fill("not-the-password");
  await click(page, t.signIn);
  await check(page, cdp, "sign-in: wrong password");
  await page.getByLabel(t.password).fill("demo");
  await click(page, t.signIn);
  await check(page, cdp, "consent");
  await click(page, t.approve);
  await check(page, cdp, "done: connected");
  await click(page, t.undo);
  await check(page, cdp, "done: undone");

  await enter(page, (await device(FRANKFURT)).user_code);
  await check(page, cdp, "confirm: stronger warning");
  if (locale === "en" && kind === "phone") {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: `${OUT}/screenshots/phone-en-dark-proximity-warning.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
  }
  await click(page, t.report);
  await check(page, cdp, "done: reported");
  await enter(page, (await device(FRANKFURT)).user_code);
  await click(page, t.deny);
  await check(page, cdp, "done: cancelled");
  await enter(page, (await device(FRANKFURT, { id: "demo-confidential", auth: client.ClientSecretBasic("demo-secret") })).user_code);
  await check(page, cdp, "done: blocked");
  await enter(page, (await device()).user_code);
  await click(page, t.go);
  await click(page, t.deny);
  await check(page, cdp, "done: denied");
  await enter(page, (await device(undefined, KIOSK)).user_code);
  await click(page, t.go);
  expect(await page.getByText(t.notOffered, { exact: true }).isVisible()).toBe(true);
  await check(page, cdp, "consent: a scope not offered");
  await click(page, t.deny);
  // One code, two people: this browser is still at it when another network's enters it.
  const shared = await device(undefined, KIOSK);
  await enter(page, shared.user_code);
  const second = await open();
  await enter(second.page, shared.user_code);
  expect(await second.page.getByText(t.sharedCode).isVisible()).toBe(true);
  await check(second.page, second.cdp, "confirm: someone else entered the code");
  // The first person goes on and says no, so this browser holds no flow.
  await click(page, t.go);
  await click(page, t.deny);

  // Two tabs on one flow: the second one's Continue is out of date once the first went on.
  const used = await device();
  await enter(page, used.user_code);
  const other = await context.newPage();
  const otherCdp = await context.newCDPSession(other);
  await other.goto(`${stack.server.origin}/device`);
  await click(page, t.go);
  await click(other, t.go);
  await check(other, otherCdp, "409 out of date");
  await other.close();
  // Decided elsewhere while this tab shows consent.
  const { AUTHLETE_SERVICE_ID, AUTHLETE_SERVICE_ACCESS_TOKEN } = readDevVars();
  await stack.server.emulator(`/api/${AUTHLETE_SERVICE_ID}/device/complete`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${AUTHLETE_SERVICE_ACCESS_TOKEN}` },
    body: JSON.stringify({ userCode: used.user_code, result: "ACCESS_DENIED" }),
  });
  await click(page, t.approve);
  await check(page, cdp, "410 used");

  await enter(page, (await device()).user_code);
  await context.clearCookies();
  await click(page, t.go);
  await check(page, cdp, "403 start again");

  await stack.control("service", { deviceFlowCodeDuration: 2 });
  await enter(page, (await device()).user_code);
  await stack.control("service", { deviceFlowCodeDuration: 600 });
  await page.waitForTimeout(2100);
  await page.reload();
  await check(page, cdp, "410 expired");

  await stack.control("faults", { api: "device/verification", mode: "action", action: "SERVER_ERROR" });
  await enter(page, (await device()).user_code);
  await check(page, cdp, "503 unavailable (Try again keeps the code)");
  await stack.control("faults", { api: "device/verification", mode: "unknown-action" });
  await enter(page, (await device()).user_code);
  await check(page, cdp, "500 something went wrong");

  // Guessing, from browsers of their own (budgets are per network and per session).
  const guesser = await open();
  for (let i = 0; i < 3; i++) await enter(guesser.page, "BCDF-BCDF");
  await check(guesser.page, guesser.cdp, "enter: tries left");
  for (let i = 0; i < 3; i++) await enter(guesser.page, "BCDF-BCDF");
  await check(guesser.page, guesser.cdp, "429 code entry paused");
  const signer = await open();
  await enter(signer.page, (await device()).user_code);
  await click(signer.page, t.go);
  for (let i = 0; i < 6; i++) {
    await signer.page.getByLabel(t.username).fill("nobody");
    await signer.page.getByLabel(t.password).fill(`guess-${i}`);
    await click(signer.page, t.signIn);
  }
  await check(signer.page, signer.cdp, "429 sign-in paused");

  for (const c of contexts) await c.close();
  return { findings, visited, conditions, axeRuns, incomplete: [...incomplete] };
}

describe("every screen, both languages, phone and desktop: axe-core WCAG 2.2 AA, light and dark; reflow at 200 % text and 320 px", () => {
  const summary: Record<string, unknown> = {};
  it.each([
    ["phone", "en"],
    ["phone", "ja"],
    ["desktop", "en"],
    ["desktop", "ja"],
  ] as const)(
    "%s, %s",
    async (kind, locale) => {
      const { findings, visited, conditions, axeRuns, incomplete } = await tour(kind, locale);
      summary[`${kind} ${locale}`] = { screens: visited.length, conditions, axeRuns, findings, incomplete };
      writeFileSync(`${OUT}/accessibility.json`, `${JSON.stringify(summary, null, 2)}\n`);
      expect(visited).toEqual(SCREENS);
      expect(findings).toEqual([]);
      // The screens that are warnings or failures on purpose, each logged as such, in the tour's order.
      expect(stack.takeLogs().map((l) => [l.level, l.event, l["via"] ?? l["outcome"] ?? l["kind"] ?? null])).toEqual([
        ["warn", "reported_network_listed", "undo"],
        ["warn", "approval_undone", null],
        ["warn", "reported_network_listed", "report"],
        ["warn", "phishing_reported", null],
        ["warn", "proximity_blocked", null],
        ["warn", "shared_code", null],
        ["warn", "decision", "unavailable"],
        ["error", "authlete_failure", "unknown_action"],
        ["warn", "decision", "aborted"],
      ]);
    },
    300_000,
  );
});

/** Where Tab goes from the focused element on: each stop's name and position, until focus leaves the card. */
async function tabStops(page: Page, count: number) {
  const stops: { name: string; x: number; y: number }[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement!;
      const r = el.getBoundingClientRect();
      return {
        name: (el.textContent || el.getAttribute("name") || "").trim().slice(0, 30),
        x: Math.round(r.left),
        y: Math.round(r.top + window.scrollY),
        inCard: !!el.closest(".card"),
      };
    });
    if (!stop.inCard) break;
    stops.push({ name: stop.name, x: stop.x, y: stop.y });
  }
  return stops;
}

/** Reading order: each stop is below the last, or on the same row to its right. */
const readingOrder = (stops: { x: number; y: number }[]) =>
  stops.every((b, i) => i === 0 || b.y > stops[i - 1]!.y + 2 || (Math.abs(b.y - stops[i - 1]!.y) <= 2 && b.x > stops[i - 1]!.x));

describe("keyboard: focus starts where the page does and follows the visual order", () => {
  it("desktop: confirm, the stronger warning, sign-in and consent Tab left to right, top to bottom; confirm, consent and done focus their heading", async () => {
    const context = await stack.browser.newContext({ ...DESKTOP, bypassCSP: true, extraHTTPHeaders: placedAt({ ip: nextIp(102) }) });
    const page = await context.newPage();
    const focused = async () => {
      await page.waitForLoadState();
      await page.getByRole("heading", { level: 1 }).waitFor();
      return page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim()}`);
    };
    const t = LABELS.en;
    const enter = async (code: string) => {
      await page.goto(`${stack.server.origin}/device`);
      await page.getByLabel(t.code).fill(code);
      await page.getByRole("button", { name: t.go }).click();
    };

    await enter((await device()).user_code);
    expect(await focused()).toBe("H1 Is this your device?");
    const confirm = await tabStops(page, 8);
    expect(confirm.map((s) => s.name)).toEqual(["Continue", "Cancel", "I didn't start this"]);
    expect(confirm[0]!.y).toBe(confirm[1]!.y);
    expect(readingOrder(confirm)).toBe(true);

    await page.getByRole("button", { name: t.go }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const signIn = await tabStops(page, 8);
    expect(signIn.map((s) => s.name)).toEqual(["password", "Sign in", "Cancel"]);
    expect(signIn[1]!.y).toBe(signIn[2]!.y);
    expect(readingOrder(signIn)).toBe(true);
    await page.getByLabel(t.username).fill("demo");
    await page.getByLabel(t.password).fill("demo");
    await page.getByRole("button", { name: t.signIn, exact: true }).click();
    expect(await focused()).toBe("H1 Allow access?");
    const consent = await tabStops(page, 8);
    expect(consent.slice(-2).map((s) => s.name)).toEqual(["Approve", "Deny"]);
    expect(readingOrder(consent)).toBe(true);
    await page.getByRole("button", { name: t.approve }).click();
    await page.getByRole("heading", { name: "Your device is connected" }).waitFor();
    expect(await focused()).toBe("H1 Your device is connected");

    await enter((await device(FRANKFURT)).user_code);
    expect(await focused()).toBe("H1 Be careful: this may not be your device");
    const warning = await tabStops(page, 8);
    expect(warning.map((s) => s.name)).toEqual(["Deny", "Continue anyway", "I didn't start this"]);
    expect(readingOrder(warning)).toBe(true);
    await context.close();
  });
});
