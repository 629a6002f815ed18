import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CLIENT_TEXT_MAX, clientText, LOG_FIELD_MAX, log } from "../src/log";
import { control, relay, resetEmulator } from "./support/helpers";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

/** Every JSON line printed to one console method while `run` ran. */
async function linesOf(method: "log" | "warn" | "error", run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const spy = vi.spyOn(console, method).mockImplementation(() => {});
  await run();
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

// an ANSI colour, a bidi override, NUL, a line break, a zero-width joiner.
const NASTY = "\u001b[31mred\u202Egnp.exe\u0000a\r\nfake=\u200Dline";

describe("clientText: bounded, normalised client text for the log", () => {
  it("control and format characters out: line breaks as a space, the rest as U+FFFD", () => {
    expect(clientText(NASTY)).toBe("\uFFFD[31mred\uFFFDgnp.exe\uFFFDa fake=\uFFFDline");
    expect(clientText("urn:ietf:params:oauth:grant-type:device_code")).toBe("urn:ietf:params:oauth:grant-type:device_code");
    expect(clientText("日本語のテキスト")).toBe("日本語のテキスト");
    expect(clientText(null)).toBeNull();
    expect(clientText(undefined)).toBeNull();
  });

  it("at most the bound, whole code points, the cut said with the original length", () => {
    expect(clientText("x".repeat(CLIENT_TEXT_MAX))).toBe("x".repeat(CLIENT_TEXT_MAX));
    expect(clientText("x".repeat(16_000))).toBe(`${"x".repeat(CLIENT_TEXT_MAX)}… (16000 chars)`);
    // Surrogate pairs are never split: 101 emoji are 202 UTF-16 units, 100 of them kept.
    const cut = clientText("😀".repeat(CLIENT_TEXT_MAX + 1))!;
    expect(Array.from(cut.split("…")[0]!)).toHaveLength(CLIENT_TEXT_MAX);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(clientText("abcdef", 3)).toBe("abc… (6 chars)");
  });

  it("log() bounds and cleans every string field, whoever forgot to", async () => {
    const [line] = await linesOf("warn", async () => log("warn", "test_event", { detail: `${NASTY}${"y".repeat(5000)}`, n: 3, ok: true, none: null }));
    expect(line).toMatchObject({ level: "warn", event: "test_event", n: 3, ok: true, none: null });
    const detail = String(line!["detail"]);
    expect(detail).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(detail.length).toBeLessThan(LOG_FIELD_MAX + 30);
    expect(detail).toMatch(/… \(\d+ chars\)$/);
  });
});

describe("client text reaches the log bounded and normalised", () => {
  it("a grant_type of 10 000 characters with escape sequences: its decision line keeps a clean, short grantType", async () => {
    const grantType = `${NASTY}${"g".repeat(10_000)}`;
    const lines = await linesOf("log", () => relay.postForm("/token", { grant_type: grantType, client_id: "demo-device" }));
    const decision = lines.find((l) => l["event"] === "decision" && l["route"] === "/token")!;
    expect(decision["outcome"]).toBe("unsupported_grant_type");
    const logged = String(decision["grantType"]);
    expect(logged.startsWith("\uFFFD[31mred\uFFFDgnp.exe")).toBe(true);
    expect(logged).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(logged).toMatch(/… \(\d+ chars\)$/);
    expect(logged.length).toBeLessThanOrEqual(CLIENT_TEXT_MAX + 20);
  });

  it("an action nobody knows, as long as Authlete's answer can make it: the failure line names it, cut and cleaned", async () => {
    await control("faults", { api: "auth/token", mode: "action", action: `EVIL\u001b]8;;https://evil.example\u0007${"A".repeat(4000)}` });
    const lines = await linesOf("error", () => relay.postForm("/token", { grant_type: "client_credentials", client_id: "demo-device" }));
    const failure = lines.find((l) => l["event"] === "authlete_failure")!;
    expect(failure["kind"]).toBe("unknown_action");
    const detail = String(failure["detail"]);
    expect(detail.startsWith('unhandled action "EVIL\uFFFD]8;;https://evil.example\uFFFDAAA')).toBe(true);
    expect(detail).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(detail.length).toBeLessThanOrEqual(CLIENT_TEXT_MAX + 40);
  });
});
