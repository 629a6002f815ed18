import { describe, expect, it } from "vitest";
import { faviconIco } from "../../src/verification/favicon";
import { worker } from "../support/helpers";
import { captureLogs } from "../support/logs";

describe("GET /favicon.ico", () => {
  it("answers a 16×16 ICO in the accent colour, cached for a day, under the same security headers", async () => {
    const res = await worker("/favicon.ico");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/x-icon");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=86400");
    expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const ico = new Uint8Array(await res.arrayBuffer());
    const v = new DataView(ico.buffer);
    expect([v.getUint16(0, true), v.getUint16(2, true), v.getUint16(4, true)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7], v.getUint16(12, true)]).toEqual([16, 16, 32]);
    expect(v.getUint32(14, true) + 22).toBe(ico.length);
    // A pixel of the screen (x 7, y 6 from the top) is the accent #1a56db, as BGRA.
    const at = 62 + ((15 - 6) * 16 + 7) * 4;
    expect([...ico.slice(at, at + 4)]).toEqual([0xdb, 0x56, 0x1a, 255]);
    // A corner is transparent.
    expect(ico[62 + 3]).toBe(0);
    expect((await worker("/favicon.ico", { method: "HEAD" })).status).toBe(200);
  });

  it("follows ACCENT_COLOR, and still answers when a page variable is broken", async () => {
    const logs = captureLogs();
    const red = faviconIco("#e11d48");
    const at = 62 + ((15 - 6) * 16 + 7) * 4;
    expect([...red.slice(at, at + 3)]).toEqual([0x48, 0x1d, 0xe1]);
    const broken = await worker("/favicon.ico", {}, { USERS: "not json" });
    expect(broken.status).toBe(200);
    // The icon reads no page configuration, so a broken one is not its failure to report.
    expect(logs.warned()).toEqual([]);
    logs.restore();
  });
});
