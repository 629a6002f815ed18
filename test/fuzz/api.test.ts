import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEmulator, worker } from "../support/helpers";

/**
 * Property-based: whatever arrives at the JSON routes, while Authlete (the emulator) and KV
 * are healthy the Worker never answers 5xx, never throws, always answers JSON and never
 * reflects the input. FUZZ_RUNS raises the count (npm run fuzz).
 */
const RUNS = Number((env as { FUZZ_RUNS?: string }).FUZZ_RUNS ?? 60);
// Large runs (npm run fuzz) take longer than vitest's default 5 s per test.
const TIMEOUT = 5_000 + RUNS * 25;

const MARK = "<script>x</script>";
const routes = ["/device_authorization", "/token", "/revoke", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/jwks"];
const names = fc.constantFrom(
  "client_id",
  "client_secret",
  "scope",
  "grant_type",
  "device_code",
  "refresh_token",
  "token",
  "code",
  "resource",
  "authorization_details",
  "acr_values",
  "x",
);
const values = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "demo-device",
    "demo-confidential",
    "urn:ietf:params:oauth:grant-type:device_code",
    "client_credentials",
    "refresh_token",
    "openid profile",
    MARK,
    "%zz",
    "%",
    "\u0000",
    "ＷＤＪＢ－ＭＪＨＴ",
    '{"type":1}',
    "[]",
  ),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer().map(String),
);
// Bodies: well-formed pairs (with duplicates), raw junk, or broken percent-encoding.
const formBody = fc.oneof(
  fc.array(fc.tuple(names, values), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")),
  fc.string({ maxLength: 200 }),
  fc.array(fc.tuple(names, fc.constantFrom("%", "%G1", "%C3%28", "%00", "+%2B+"))).map((p) => p.map(([k, v]) => `${k}=${v}`).join("&")),
);
const formType = fc.constantFrom("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8");
const contentType = fc.oneof(
  { arbitrary: formType, weight: 4 },
  fc.constantFrom(
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "APPLICATION/X-WWW-FORM-URLENCODED",
    "application/json",
    "text/plain",
    "",
    "multipart/form-data; boundary=--x",
    ";;;",
  ),
);
const authorization = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  fc.constantFrom(
    "Basic",
    "Basic ",
    "Basic ====",
    "Bearer x",
    "Basic Og==",
    `Basic ${btoa("demo-confidential:demo-secret")}`,
    `Basic ${btoa("%E0%A4%A:x")}`,
    `Basic ${btoa(`${MARK}:x`)}`,
  ),
  fc.string({ maxLength: 60 }).map((s) => `Basic ${s}`),
);
// Mostly what the routes accept, so most cases get past the first checks to Authlete.
const method = fc.oneof({ arbitrary: fc.constant("POST"), weight: 4 }, fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"));

// This suite is about input handling: budgets would turn most cases into early 429s.
const UNLIMITED = {
  LIMIT_DEVICE_AUTHORIZATION_PER_IP: "999999/60",
  LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "999999/60",
  LIMIT_UNKNOWN_DEVICE_CODE_PER_IP: "999999/60",
  DISCOVERY_CACHE_SECONDS: "0",
};

beforeAll(resetEmulator);
const info = vi.spyOn(console, "log").mockImplementation(() => {});
// Hostile input is refused quietly: a warning here (a decision that failed, an outage) is a
// finding, so it is printed and fails the property, like an error.
const warn = vi.spyOn(console, "warn");
afterAll(() => {
  info.mockRestore();
  warn.mockRestore();
});

async function check(res: Response) {
  expect(res.status).toBeLessThan(500);
  const type = res.headers.get("Content-Type") ?? "";
  const text = await res.text();
  if (text) {
    expect(type).toMatch(/^application\/json/);
    expect(() => JSON.parse(text)).not.toThrow();
  }
  // Authlete's error descriptions may quote what the client sent (e.g. a client id), and its
  // responseContent is relayed byte for byte. That is safe only as JSON data that no browser
  // will sniff into HTML: so input may come back inside JSON string values, never anywhere else.
  if (text.includes(MARK)) {
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const outside = stringValues(JSON.parse(text)).reduce((rest, s) => rest.replaceAll(JSON.stringify(s), ""), text);
    expect(outside).not.toContain(MARK);
  }
}

/** Every string value in a JSON document (not its member names). */
function stringValues(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(stringValues);
  if (v && typeof v === "object") return Object.values(v).flatMap(stringValues);
  return [];
}

describe("fuzz: the JSON routes", () => {
  it(
    "random methods, content types, Authorization headers and form bodies",
    async () => {
      const errors = vi.spyOn(console, "error");
      info.mockClear();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), method, contentType, authorization, formBody, async (path, m, type, auth, body) => {
          const headers: Record<string, string> = {};
          if (type) headers["Content-Type"] = type;
          if (auth !== undefined) headers.Authorization = auth;
          const hasBody = m !== "GET" && m !== "HEAD";
          const res = await worker(path, { method: m, headers, body: hasBody ? body : null }, UNLIMITED);
          await check(res);
        }),
        { numRuns: RUNS },
      );
      // Healthy upstream: not a single Authlete failure or unhandled error was logged.
      expect(errors).not.toHaveBeenCalled();
      expect(warn).not.toHaveBeenCalled();
      // The cases really exercised Authlete, not only the edge's own 4xx.
      const calls = info.mock.calls.filter((c) => String(c[0]).includes('"authlete":true')).length;
      expect(calls).toBeGreaterThan(RUNS / 10);
      errors.mockRestore();
    },
    TIMEOUT,
  );

  it(
    "absurd paths and methods",
    async () => {
      // Paths that carry markup, so an answer that echoed its path would show it.
      const paths = fc.oneof(
        fc.webPath(),
        fc.tuple(fc.webPath(), fc.constantFrom(MARK, encodeURIComponent(MARK))).map(([p, m]) => `${p}/${m}`),
      );
      await fc.assert(
        fc.asyncProperty(paths, fc.constantFrom("GET", "POST", "PROPFIND", "TRACE", "CONNECT-ISH"), async (path, m) => {
          let res: Response;
          try {
            res = await worker(path || "/", { method: m });
          } catch (err) {
            // Only the Request constructor may refuse (e.g. forbidden methods): that never reaches the Worker.
            expect(String(err)).toMatch(/TypeError|method/i);
            return;
          }
          expect(res.status).toBeLessThan(500);
          const body = await res.text();
          expect(body).not.toContain(MARK);
          expect(body).not.toContain(encodeURIComponent(MARK));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    "bodies in invalid UTF-8, with NULs and full-width look-alikes",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("/device_authorization", "/token", "/revoke"), fc.uint8Array({ maxLength: 64 }), async (path, bytes) => {
          const res = await worker(path, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: bytes });
          await check(res);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );
});

describe("cases the fuzzer found, kept as regression tests", () => {
  it("markup in a Basic client id comes back only as JSON data, never as a sniffable document", async () => {
    const res = await worker(
      "/device_authorization",
      {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${btoa(`${MARK}:x`)}` },
        body: "",
      },
      UNLIMITED,
    );
    expect(res.status).toBe(401);
    await check(res);
  });
});
