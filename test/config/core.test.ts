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
      REPORTED_NETWORKS: env.REPORTED_NETWORKS,
      AUTHLETE_BASE_URL: "https://api.authlete.com/",
      AUTHLETE_API_VERSION: "2",
      EDGE_SECRET: "lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=",
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
    [{ REPORTED_NETWORKS: undefined }, /REPORTED_NETWORKS: the Durable Object binding is missing \(class ReportedNetwork/],
    [{ POLL_PASS_THROUGH_SECONDS: "-1" }, /POLL_PASS_THROUGH_SECONDS/],
    [{ POLL_PASS_THROUGH_SECONDS: "soon" }, /POLL_PASS_THROUGH_SECONDS/],
    [{ AUTHLETE_API_VERSION: "2", AUTHLETE_SERVICE_API_SECRET: undefined }, /AUTHLETE_SERVICE_API_SECRET: is missing/],
  ])("names the bad variable: %o", (over, message) => {
    expect(load(over)).toThrow(ConfigError);
    expect(load(over)).toThrow(message);
  });

  it("defaults when a whole-number variable is unset or blank: 5000 ms, 300 s of cache, a 60 s cap on the polling interval", () => {
    for (const value of [undefined, "", "  "]) {
      const c = loadConfig({ ...base, AUTHLETE_TIMEOUT_MS: value, DISCOVERY_CACHE_SECONDS: value, POLL_MAX_INTERVAL_SECONDS: value } as Env);
      expect([c.authlete.timeoutMs, c.discoveryCacheSeconds, c.pollMaxIntervalSeconds]).toEqual([5000, 300, 60]);
    }
  });

  it.each([
    ["AUTHLETE_TIMEOUT_MS", 100, 60_000],
    ["DISCOVERY_CACHE_SECONDS", 0, 86_400],
    ["POLL_MAX_INTERVAL_SECONDS", 5, 3_600],
  ] as const)("%s: %i to %i, each end included; one message past either", (variable, min, max) => {
    const value = (c: ReturnType<typeof loadConfig>) =>
      variable === "AUTHLETE_TIMEOUT_MS" ? c.authlete.timeoutMs : variable === "DISCOVERY_CACHE_SECONDS" ? c.discoveryCacheSeconds : c.pollMaxIntervalSeconds;
    expect(value(loadConfig({ ...base, [variable]: String(min) }))).toBe(min);
    expect(value(loadConfig({ ...base, [variable]: ` ${max} ` }))).toBe(max);
    for (const bad of [String(min - 1), String(max + 1), "1.5", "many"])
      expect(load({ [variable]: bad })).toThrow(`Invalid configuration: ${variable}: must be a whole number between ${min} and ${max}`);
  });

  it("AUTHLETE_API_VERSION is trimmed; absent it is missing, anything but 2 or 3 says so", () => {
    expect(loadConfig({ ...base, AUTHLETE_API_VERSION: " 3 " }).authlete.version).toBe(3);
    expect(load({ AUTHLETE_API_VERSION: undefined })).toThrow("Invalid configuration: AUTHLETE_API_VERSION: is missing");
    expect(load({ AUTHLETE_API_VERSION: "3.0" })).toThrow('Invalid configuration: AUTHLETE_API_VERSION: must be "2" or "3"');
  });

  it("each version needs exactly its own credentials; a v3 service id is a number of at most 19 digits", () => {
    const v2 = { AUTHLETE_API_VERSION: "2", AUTHLETE_SERVICE_API_KEY: "k", AUTHLETE_SERVICE_API_SECRET: "s" };
    expect(load({ ...v2, AUTHLETE_SERVICE_ID: undefined, AUTHLETE_SERVICE_ACCESS_TOKEN: undefined })).not.toThrow();
    expect(load({ ...v2, AUTHLETE_SERVICE_API_KEY: " " })).toThrow("Invalid configuration: AUTHLETE_SERVICE_API_KEY: is missing");
    expect(loadConfig({ ...base, AUTHLETE_SERVICE_ID: "9".repeat(19) }).authlete).toMatchObject({ serviceId: "9".repeat(19) });
    expect(load({ AUTHLETE_SERVICE_ID: "9".repeat(20) })).toThrow("AUTHLETE_SERVICE_ID: must be the numeric service id");
    expect(loadConfig({ ...base, AUTHLETE_SERVICE_ACCESS_TOKEN: " token " }).authlete).toMatchObject({ accessToken: "token" });
  });

  it("EDGE_SECRET: at least 32 characters and not obviously weak, said with the command that makes one", () => {
    const strong = "lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=";
    expect(loadConfig({ ...base, EDGE_SECRET: strong }).secret).toBe(strong);
    expect(load({ EDGE_SECRET: "x".repeat(31) })).toThrow("Invalid configuration: EDGE_SECRET: must be at least 32 characters (openssl rand -base64 32)");
    expect(load({ EDGE_SECRET: "x".repeat(32) })).toThrow("Invalid configuration: EDGE_SECRET: must not be one character repeated (openssl rand -base64 32)");
    expect(load({ EDGE_SECRET: "" })).toThrow("Invalid configuration: EDGE_SECRET: is missing");
    // The demo value of .dev.vars.example, which npm start and the tests use, passes.
    expect(loadConfig({ ...base, EDGE_SECRET: "local-edge-secret-not-for-production-0123456789" }).secret).toMatch(/^local-/);
  });

  it("EDGE_SECRET_PREVIOUS: unset is none; the same rule as EDGE_SECRET; equal to it is none", () => {
    const [current, previous] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];
    expect(loadConfig({ ...base, EDGE_SECRET: current }).previousSecret).toBeNull();
    expect(loadConfig({ ...base, EDGE_SECRET: current, EDGE_SECRET_PREVIOUS: " " }).previousSecret).toBeNull();
    expect(loadConfig({ ...base, EDGE_SECRET: current, EDGE_SECRET_PREVIOUS: previous }).previousSecret).toBe(previous);
    expect(loadConfig({ ...base, EDGE_SECRET: current, EDGE_SECRET_PREVIOUS: current }).previousSecret).toBeNull();
    expect(load({ EDGE_SECRET: current, EDGE_SECRET_PREVIOUS: "passwordpasswordpasswordpassword" })).toThrow(
      "Invalid configuration: EDGE_SECRET_PREVIOUS: must use at least 8 different characters (it uses 7)",
    );
  });

  it("AUTHLETE_BASE_URL loses its trailing slash, so paths can be appended; a query is refused", () => {
    expect(loadConfig({ ...base, AUTHLETE_BASE_URL: "https://jp.authlete.com/" }).authlete.baseUrl).toBe("https://jp.authlete.com");
    expect(load({ AUTHLETE_BASE_URL: "https://jp.authlete.com/?x=1" })).toThrow("AUTHLETE_BASE_URL: must be an http(s) URL without query or fragment");
  });

  it("the bindings: KV and BUDGETS, each missing one named with what to do", () => {
    expect(load({ BUDGETS: undefined })).toThrow(
      "Invalid configuration: BUDGETS: the Durable Object binding is missing (class BudgetCounter, declared in wrangler.toml)",
    );
    expect(load({ KV: { put: () => null } })).toThrow("Invalid configuration: KV: the KV namespace binding is missing");
    const c = loadConfig({ ...base });
    expect(c.kv).toBe(env.KV);
    expect(c.budgets).toBe(env.BUDGETS);
  });

  it("every problem at once, as a list of issues whose paths start with the variable; the message is the same list on one line", () => {
    let error: unknown;
    try {
      loadConfig({ ...base, KV: undefined, EDGE_SECRET: "short", AUTHLETE_SERVICE_ID: "abc", LIMIT_SIGN_IN_FAILURES_PER_IP: "0/900" } as unknown as Env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => i.path)).toEqual([["EDGE_SECRET"], ["KV"], ["LIMIT_SIGN_IN_FAILURES_PER_IP"], ["AUTHLETE_SERVICE_ID"]]);
    expect((error as ConfigError).message).toBe(`Invalid configuration: ${issues.map((i) => `${i.path[0]}: ${i.message}`).join("; ")}`);
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
