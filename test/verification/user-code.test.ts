import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { codeProblem, formatUserCode, normalizeUserCode } from "../../src/verification/user-code";
import { browser, startDevice, text } from "../support/browser";
import { bind, control, resetEmulator } from "../support/helpers";

describe("user codes: lenient input, strict output", () => {
  const BASE20 = { charset: "BASE20", length: 8 } as const;
  const NUMERIC = { charset: "NUMERIC", length: 9 } as const;
  it.each<[string, typeof BASE20 | typeof NUMERIC, string | null]>([
    ["wdjb-mjht", BASE20, "WDJBMJHT"],
    ["WDJB MJHT", BASE20, "WDJBMJHT"],
    ["wdjb_mjht", BASE20, "WDJBMJHT"],
    ["w.d.j.b.m.j.h.t", BASE20, "WDJBMJHT"],
    ["ＷＤＪＢ－ＭＪＨＴ", BASE20, "WDJBMJHT"],
    ["WDJB-MJHA", BASE20, null],
    ["WDJB-MJH", BASE20, null],
    ["WDJB-MJHT-B", BASE20, null],
    ["019-450-730", NUMERIC, "019450730"],
    ["０１９ ４５０ ７３０", NUMERIC, "019450730"],
    ["019-450-73O", NUMERIC, null],
    // A pasted link gives its code; invisible characters from chat apps are dropped.
    ["https://tv.example/device?user_code=WDJBMJHT", BASE20, "WDJBMJHT"],
    ["http://127.0.0.1:8787/device?ui_locales=ja&user_code=wdjb-mjht#top", BASE20, "WDJBMJHT"],
    ["/device?user_code=WDJB%20MJHT", BASE20, "WDJBMJHT"],
    ["WDJB\u200b-\u200cMJHT\ufeff", BASE20, "WDJBMJHT"],
    ["\u2060W\u00adDJBMJHT", BASE20, "WDJBMJHT"],
    ["https://tv.example/device?user_code=%E0%A4%A", BASE20, null],
    [`https://tv.example/device?user_code=${"B".repeat(80)}`, BASE20, null],
  ])("%j → %j", (input, format, expected) => {
    expect(normalizeUserCode(input, format)).toBe(expected);
  });

  it("says what is wrong: a character codes never use (a vowel, a digit among letters), or the length", () => {
    expect(codeProblem("WDJB-MJHA", BASE20)).toBe("charset");
    expect(codeProblem("WDJB-MJH1", BASE20)).toBe("charset");
    expect(codeProblem("WDJB-MJH", BASE20)).toBe("length");
    expect(codeProblem("", BASE20)).toBe("length");
    expect(codeProblem("019-450-73O", NUMERIC)).toBe("charset");
    expect(codeProblem("WDJB-MJHT", BASE20)).toBeNull();
  });

  it("shows codes in groups of four, or of three when only three divides the length", () => {
    expect(formatUserCode("WDJBMJHT")).toBe("WDJB-MJHT");
    expect(formatUserCode("019450730")).toBe("019-450-730");
    expect(formatUserCode("BCDFGHJKLM")).toBe("BCDF-GHJK-LM");
  });

  it("a NUMERIC service works end to end through the page", async () => {
    await resetEmulator();
    await control("service", { userCodeCharset: "NUMERIC", userCodeLength: 9 });
    const w = bind(createApp());
    const flow = await startDevice(w);
    const b = browser(w, { env: { USER_CODE_CHARSET: "NUMERIC" } });
    const enter = await b.get("/device");
    expect(enter.html).toContain('inputmode="numeric"');
    expect(text(enter.html)).toContain("9 digits, like 019-450-730.");
    const p = await b.submit("/device", { user_code: `${flow.user_code.slice(0, 3)} ${flow.user_code.slice(3, 6)}-${flow.user_code.slice(6)}` });
    expect(text(p.html)).toContain(`${flow.user_code.slice(0, 3)}-${flow.user_code.slice(3, 6)}-${flow.user_code.slice(6)}`);
  });
});
