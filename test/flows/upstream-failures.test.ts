import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { basic, control, postForm, resetEmulator, worker } from "../support/helpers";
import { tenant } from "../support/issuer";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

const cc = (over = {}) => postForm("/token", { grant_type: "client_credentials" }, { Authorization: basic("demo-confidential", "demo-secret") }, over);

describe("Authlete infrastructure failures become clear 5xx with an OAuth body", () => {
  it.each([
    ["HTTP 500 from Authlete", { mode: "status", status: 500 }, 503, "temporarily_unavailable"],
    ["HTTP 503 from Authlete", { mode: "status", status: 503 }, 503, "temporarily_unavailable"],
    ["HTTP 401 (our API credentials are wrong)", { mode: "status", status: 401 }, 500, "server_error"],
    ["a body that is not JSON", { mode: "non-json" }, 502, "server_error"],
    ["a truncated body", { mode: "truncated" }, 502, "server_error"],
    ["an unknown action", { mode: "unknown-action" }, 500, "server_error"],
    ["a dropped connection", { mode: "drop" }, 503, "temporarily_unavailable"],
  ])("%s", async (_, fault, status, error) => {
    const logs = vi.spyOn(console, "error").mockImplementation(() => {});
    await control("faults", { api: "*", ...fault });
    const res = await cc();
    expect(res.status).toBe(status);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe(error);
    // Nothing of Authlete's internals reaches the client; the cause is logged once.
    expect(body.error_description).not.toMatch(/A\d{6}|authlete-emulator|Error:/);
    const lines = logs.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(lines.filter((l) => l.event === "authlete_failure")).toHaveLength(1);
    if (status === 503) expect(res.headers.get("Retry-After")).toBe("5");
  });

  it("Authlete's resultCode goes to the log only", async () => {
    const logs = vi.spyOn(console, "error").mockImplementation(() => {});
    await control("faults", { api: "*", mode: "status", status: 403 });
    const res = await cc();
    expect(res.status).toBe(500);
    const line = JSON.parse(String(logs.mock.calls[0]![0]));
    expect(line).toMatchObject({ event: "authlete_failure", kind: "rejected", status: 403 });
    expect(String(line.resultCode)).toBeTruthy();
    expect(await res.text()).not.toContain(String(line.resultCode));
  });

  it("a slow Authlete → 504 temporarily_unavailable within the configured timeout", async () => {
    const logs = captureLogs();
    await control("faults", { api: "*", mode: "latency", latencyMs: 3000 });
    const started = Date.now();
    const res = await cc({ AUTHLETE_TIMEOUT_MS: "300" });
    const took = Date.now() - started;
    expect(res.status).toBe(504);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect((await res.json()) as object).toMatchObject({ error: "temporarily_unavailable" });
    // Not a timing assertion on speed: only that the timeout, not the upstream, ended the wait.
    expect(took).toBeLessThan(3000);
    expect(logs.of("authlete_failure")).toEqual([
      expect.objectContaining({ level: "error", api: "/auth/token", kind: "timeout", detail: "no answer within 300 ms" }),
    ]);
  });

  const FAULTS = [
    [{ mode: "status", status: 500 }, 503],
    [{ mode: "status", status: 401 }, 500],
    [{ mode: "non-json" }, 502],
    [{ mode: "truncated" }, 502],
    [{ mode: "unknown-action" }, 500],
    [{ mode: "drop" }, 503],
    [{ mode: "latency", latencyMs: 2000 }, 504],
  ] as const;
  const ROUTES = {
    "POST /device_authorization": () => postForm("/device_authorization", { client_id: "demo-device" }, { "CF-Connecting-IP": "198.51.100.77" }, FAST),
    "POST /token": () => cc(FAST),
    "POST /revoke": () => postForm("/revoke", { token: "t", client_id: "demo-device" }, {}, FAST),
    "GET /.well-known/openid-configuration": () => worker("/.well-known/openid-configuration", {}, { ...FAST, DISCOVERY_CACHE_SECONDS: "0" }),
    "GET /jwks": () => worker("/jwks", {}, { ...FAST, DISCOVERY_CACHE_SECONDS: "0" }),
  };
  const FAST = { AUTHLETE_TIMEOUT_MS: "300", LIMIT_DEVICE_AUTHORIZATION_PER_IP: "999999/60" };

  it.each(Object.keys(ROUTES))("%s: every fault → the right 5xx, an OAuth body, the cause logged once, nothing written to KV", async (route) => {
    const logs = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const [fault, status] of FAULTS) {
      // Metadata documents are not action envelopes: an unknown action cannot occur there.
      if (fault.mode === "unknown-action" && route.startsWith("GET")) continue;
      logs.mockClear();
      await control("faults", { api: "*", ...fault });
      const keysBefore = (await env.KV.list()).keys.length;
      const res = await ROUTES[route as keyof typeof ROUTES]();
      expect(res.status, `${route} ${fault.mode}`).toBe(status);
      expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: string }).error).toBe(status === 500 || status === 502 ? "server_error" : "temporarily_unavailable");
      if (status !== 500 && status !== 502) expect(res.headers.get("Retry-After")).toBe("5");
      expect(logs.mock.calls.filter((c) => String(c[0]).includes("authlete_failure"))).toHaveLength(1);
      // Only the request budget counter may be new: no poll or device record for codes the device never got.
      const added = (await env.KV.list()).keys.slice(keysBefore).map((k) => k.name);
      expect(added).toEqual([]);
      await control("faults");
    }
  });
});

describe("Authlete's answers are bounded (1 MiB), read as a stream whatever they declare", () => {
  const TOKEN = `/api/${env.AUTHLETE_SERVICE_ID}/auth/token`;
  const JWKS = `/api/${env.AUTHLETE_SERVICE_ID}/service/jwks/get`;
  const OK = { resultCode: "A050001", resultMessage: "ok", action: "OK", responseContent: '{"access_token":"x","token_type":"Bearer"}' };
  /** The Worker reaching "Authlete" over HTTP at a tenant of the test issuer, which answers `bodies` as told. */
  async function authleteAt(options: Parameters<typeof tenant>[0]) {
    const base = await tenant({ bodies: { [TOKEN]: OK, [JWKS]: { keys: [] } }, ...options });
    return { AUTHLETE: undefined, AUTHLETE_BASE_URL: base, AUTHLETE_TIMEOUT_MS: "2000", DISCOVERY_CACHE_SECONDS: "0" };
  }

  it("an answer just under the bound is an answer", async () => {
    const res = await cc(await authleteAt({ pad: { [TOKEN]: 900 * 1024 } }));
    expect(res.status).toBe(200);
  });

  it.each<[string, string, () => Promise<Response>]>([
    ["POST /token", TOKEN, async () => cc(await authleteAt({ pad: { [TOKEN]: 3 * 1024 * 1024 } }))],
    ["GET /jwks", JWKS, async () => worker("/jwks", {}, await authleteAt({ pad: { [JWKS]: 3 * 1024 * 1024 } }))],
  ])("%s: an answer of 3 MiB (no Content-Length) → 502 server_error, the cause logged once", async (_, api, call) => {
    const logs = captureLogs();
    const res = await call();
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toBe("server_error");
    const lines = logs.lines.filter((l) => l.level === "error" && l.event === "authlete_failure");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: "malformed", detail: "response body over 1048576 bytes", api: api.replace(`/api/${env.AUTHLETE_SERVICE_ID}`, "") });
  });

  it("an answer that sends its headers and then stalls → 504 temporarily_unavailable (a timeout, as documented), not 502", async () => {
    const logs = captureLogs();
    const res = await cc({ ...(await authleteAt({ stall: [TOKEN] })), AUTHLETE_TIMEOUT_MS: "300" });
    expect(res.status).toBe(504);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(logs.lines.find((l) => l.level === "error" && l.event === "authlete_failure")).toMatchObject({ kind: "timeout" });
  });
});
