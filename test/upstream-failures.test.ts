import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { basic, control, postForm, resetEmulator, worker } from "./helpers";

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
    vi.spyOn(console, "error").mockImplementation(() => {});
    await control("faults", { api: "*", mode: "latency", latencyMs: 3000 });
    const started = Date.now();
    const res = await cc({ AUTHLETE_TIMEOUT_MS: "300" });
    const took = Date.now() - started;
    expect(res.status).toBe(504);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect((await res.json()) as object).toMatchObject({ error: "temporarily_unavailable" });
    // Not a timing assertion on speed: only that the timeout, not the upstream, ended the wait.
    expect(took).toBeLessThan(3000);
  });

  it("every Authlete-backed route maps failures the same way", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const call of [
      () => postForm("/device_authorization", { client_id: "demo-device" }),
      () => postForm("/revoke", { token: "t", client_id: "demo-device" }),
      () => worker("/.well-known/openid-configuration", {}, { DISCOVERY_CACHE_SECONDS: "0" }),
    ]) {
      await control("faults", { api: "*", mode: "non-json" });
      const res = await call();
      expect(res.status).toBe(502);
      expect((await res.json()) as object).toMatchObject({ error: "server_error" });
    }
  });
});
