import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config";
import { ConfigError, loadConfig } from "../../src/config";
import { postForm, worker } from "../support/helpers";

const base: Env = { ...env };
const load = (over: Partial<Record<keyof Env, unknown>>) => () => loadConfig({ ...base, ...over } as Env);

describe("configuration", () => {
  afterEach(() => vi.restoreAllMocks());

  it("parses the local configuration (v3 against the emulator)", () => {
    const c = loadConfig({ ...base });
    expect(c.authlete).toMatchObject({ version: 3, baseUrl: "http://authlete-emulator", serviceId: "5550001", timeoutMs: 5000 });
    expect(c.discoveryCacheSeconds).toBe(300);
  });

  it("parses a v2 configuration with defaults for optional values", () => {
    const c = loadConfig({
      KV: env.KV,
      BUDGETS: env.BUDGETS,
      GRANTS: env.GRANTS,
      AUTHLETE_BASE_URL: "https://api.authlete.com/",
      AUTHLETE_API_VERSION: "2",
      EDGE_SECRET: "x".repeat(32),
      AUTHLETE_SERVICE_API_KEY: "k",
      AUTHLETE_SERVICE_API_SECRET: "s",
    });
    expect(c.authlete).toEqual({ version: 2, baseUrl: "https://api.authlete.com", apiKey: "k", apiSecret: "s", timeoutMs: 5000 });
    expect([c.pollMaxIntervalSeconds, c.pollPassThroughSeconds]).toEqual([60, 60]);
  });

  it.each([
    [{ AUTHLETE_API_VERSION: "4" }, /AUTHLETE_API_VERSION: must be "2" or "3"/],
    [{ AUTHLETE_API_VERSION: undefined }, /AUTHLETE_API_VERSION/],
    [{ AUTHLETE_BASE_URL: undefined }, /AUTHLETE_BASE_URL: is missing/],
    [{ AUTHLETE_BASE_URL: "ftp://x" }, /AUTHLETE_BASE_URL: must be an http\(s\) URL/],
    [{ AUTHLETE_SERVICE_ID: "abc" }, /AUTHLETE_SERVICE_ID: must be the numeric service id/],
    [{ AUTHLETE_SERVICE_ACCESS_TOKEN: "" }, /AUTHLETE_SERVICE_ACCESS_TOKEN/],
    [{ AUTHLETE_SERVICE_ACCESS_TOKEN: undefined }, /AUTHLETE_SERVICE_ACCESS_TOKEN: is missing/],
    [{ AUTHLETE_TIMEOUT_MS: "soon" }, /AUTHLETE_TIMEOUT_MS/],
    [{ AUTHLETE_TIMEOUT_MS: "10" }, /AUTHLETE_TIMEOUT_MS/],
    [{ DISCOVERY_CACHE_SECONDS: "-1" }, /DISCOVERY_CACHE_SECONDS/],
    [{ KV: undefined }, /KV: the KV namespace binding is missing/],
    [{ GRANTS: undefined }, /GRANTS: the Durable Object binding is missing/],
    [{ POLL_PASS_THROUGH_SECONDS: "-1" }, /POLL_PASS_THROUGH_SECONDS/],
    [{ POLL_PASS_THROUGH_SECONDS: "soon" }, /POLL_PASS_THROUGH_SECONDS/],
    [{ AUTHLETE_API_VERSION: "2", AUTHLETE_SERVICE_API_SECRET: undefined }, /AUTHLETE_SERVICE_API_SECRET: is missing/],
  ])("names the bad variable: %o", (over, message) => {
    expect(load(over)).toThrow(ConfigError);
    expect(load(over)).toThrow(message);
  });

  it("answers a generic 500 to the client and logs the precise message", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await postForm("/token", { grant_type: "client_credentials" }, {}, { AUTHLETE_SERVICE_ACCESS_TOKEN: undefined });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: "server_error", error_description: "The server could not process the request." });
    expect(JSON.stringify(body)).not.toContain("AUTHLETE");
    const logged = errors.mock.calls.map((c) => String(c[0])).join("\n");
    expect(logged).toContain("config_invalid");
    expect(logged).toContain("AUTHLETE_SERVICE_ACCESS_TOKEN: is missing");
  });

  it("does not need configuration to answer an unknown path", async () => {
    const res = await worker("/nope", {}, { AUTHLETE_API_VERSION: "9" });
    expect(res.status).toBe(404);
  });
});
