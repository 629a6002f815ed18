import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEmulator, startFlow, worker } from "../support/helpers";

/**
 * Property-based, over the verification page: forged and oversized cookies, missing or
 * wrong CSRF tokens, foreign Origins, hostile form bodies and user codes in every
 * alphabet. While Authlete and KV are healthy: never a 5xx, never an unhandled error,
 * always the page's security headers, and input never comes back unescaped.
 */
const RUNS = Number((env as { FUZZ_RUNS?: string }).FUZZ_RUNS ?? 60);
// Large runs (npm run fuzz) take longer than vitest's default 5 s per test.
const TIMEOUT = 5_000 + RUNS * 25;
const MARK = "<script>x</script>";
const UNLIMITED = {
  LIMIT_CODE_ENTRY_FAILURES_PER_IP: "999999/60",
  LIMIT_CODE_ENTRY_FAILURES_PER_SESSION: "999999/60",
  LIMIT_SIGN_IN_FAILURES_PER_IP: "999999/60",
  LIMIT_SIGN_IN_FAILURES_PER_USER: "999999/60",
};

const info = vi.spyOn(console, "log").mockImplementation(() => {});
// Hostile input is refused quietly: a warning here (a decision that failed, an outage) is a
// finding, so it is printed and fails the property, like an error.
const warn = vi.spyOn(console, "warn");
afterAll(() => {
  info.mockRestore();
  warn.mockRestore();
});

let liveCode = "";
beforeAll(async () => {
  await resetEmulator();
  liveCode = (await startFlow()).user_code;
});

const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(MARK, "%zz", "\u0000", "ＷＤＪＢ－ＭＪＨＴ", "wdjb mjht", "ВСDF-GНJК", "🙂🙂", "demo", "approve", "deny"),
);
const userCode = fc.oneof(text, fc.constant("LIVE"));
const cookieValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("a".repeat(5000), MARK, "%", ""), fc.base64String({ maxLength: 60 }));
const cookie = fc
  .record({ flow: fc.option(cookieValue), signin: fc.option(cookieValue), lang: fc.option(fc.oneof(cookieValue, fc.constantFrom("ja", "en"))) })
  .map(({ flow, signin, lang }) =>
    [flow !== null && `__Host-device-flow=${flow}`, signin !== null && `__Host-device-signin=${signin}`, lang !== null && `__Host-lang=${lang}`]
      .filter(Boolean)
      .join("; "),
  );
const origin = fc.constantFrom(undefined, "http://127.0.0.1:8787", "https://evil.example", "null", "");
const path = fc.constantFrom("/device", "/device/confirm", "/device/cancel", "/device/sign-in", "/device/sign-out", "/device/consent", "/device/nope");
const form = fc.dictionary(fc.constantFrom("csrf", "user_code", "code", "username", "password", "action", "x"), userCode, { maxKeys: 5 });

async function check(res: Response) {
  expect(res.status).toBeLessThan(500);
  const body = await res.text();
  expect(body).not.toContain(MARK);
  const type = res.headers.get("Content-Type") ?? "";
  if (type.startsWith("text/html")) {
    expect(res.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  }
}

describe("fuzz: the verification page", () => {
  it(
    "POSTs with forged cookies, CSRF tokens, Origins and hostile fields",
    async () => {
      const errors = vi.spyOn(console, "error");
      await fc.assert(
        fc.asyncProperty(path, cookie, origin, form, async (p, c, o, f) => {
          const fields = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v === "LIVE" ? liveCode : v]));
          const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
          if (c) headers.Cookie = c;
          if (o !== undefined) headers.Origin = o;
          await check(await worker(p, { method: "POST", headers, body: new URLSearchParams(fields).toString() }, UNLIMITED));
        }),
        { numRuns: RUNS },
      );
      expect(errors).not.toHaveBeenCalled();
      expect(warn).not.toHaveBeenCalled();
      errors.mockRestore();
    },
    TIMEOUT,
  );

  it(
    "GET /device with any user_code, ui_locales and cookies",
    async () => {
      const errors = vi.spyOn(console, "error");
      await fc.assert(
        fc.asyncProperty(userCode, fc.option(text), cookie, fc.option(fc.constantFrom("ja", "en", "fr", "ja-JP en", MARK)), async (code, extra, c, locales) => {
          const q = new URLSearchParams({ user_code: code === "LIVE" ? liveCode : code });
          if (extra !== null) q.set("x", extra);
          if (locales !== null) q.set("ui_locales", locales);
          await check(await worker(`/device?${q}`, { headers: c ? { Cookie: c } : {} }, UNLIMITED));
        }),
        { numRuns: RUNS },
      );
      expect(errors).not.toHaveBeenCalled();
      expect(warn).not.toHaveBeenCalled();
      errors.mockRestore();
    },
    TIMEOUT,
  );
});
