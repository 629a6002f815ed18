// npm start's placing of requests (scripts/dev-place): the Worker that stands in front of the
// app under wrangler dev, run here in workerd through Miniflare with an app that echoes what it
// was handed, and the reading of .dev.cf.json that feeds it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPlaces, describePlaces, PLACEHOLDER, readPlaces } from "../../scripts/dev-place/places.mjs";
import { sideOf } from "../../scripts/dev-place/worker.mjs";
import { root, startMiniflare } from "../../scripts/lib/workers.mjs";

const TOKYO = { country: "JP", city: "Tokyo", asn: 2516, timezone: "Asia/Tokyo" };
const FRANKFURT = { country: "DE", region: "Hesse", city: "Frankfurt am Main", asn: 3320, timezone: "Europe/Berlin" };
/** What Miniflare gives a request nobody placed (here, the server's cf option). */
const SERVER_CF = { country: "US", city: "Austin" };

/** An app that answers with what it received: URL, method, body, request.cf and the address header. */
const ECHO = `export default { async fetch(req) {
  return Response.json({ url: req.url, method: req.method, body: await req.text(), cf: req.cf, ip: req.headers.get("CF-Connecting-IP"), ua: req.headers.get("User-Agent") });
} }`;

/** The front Worker in workerd with `places` (as npm start passes them), in front of ECHO. */
async function front(places?: unknown) {
  const mf = startMiniflare({
    cf: SERVER_CF,
    workers: [
      {
        name: "dev-place",
        modules: true,
        scriptPath: join(root, "scripts/dev-place/worker.mjs"),
        compatibilityDate: "2026-07-01",
        bindings: places === undefined ? {} : { PLACES: JSON.stringify(places) },
        serviceBindings: { APP: "app" },
      },
      { name: "app", modules: true, script: ECHO, compatibilityDate: "2026-07-01" },
    ],
  });
  const ask = async (path: string, init?: RequestInit) =>
    (await (await mf.dispatchFetch(`http://127.0.0.1:8787${path}`, init as never)).json()) as Record<string, unknown>;
  return { ask, stop: () => mf.dispose() };
}

describe("npm start's front Worker (scripts/dev-place/worker.mjs)", () => {
  let placed: Awaited<ReturnType<typeof front>>;
  let bare: Awaited<ReturnType<typeof front>>;
  beforeAll(async () => {
    [placed, bare] = await Promise.all([front({ device: { cf: TOKYO, ip: "203.0.113.50" }, browser: { cf: FRANKFURT } }), front()]);
  });
  afterAll(async () => {
    await Promise.all([placed?.stop(), bare?.stop()]);
  });

  it("places the device's endpoints and the pages apart, and hands the request on otherwise unchanged", async () => {
    const da = await placed.ask("/device_authorization?x=1", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "DemoTV/2.1" },
      body: "client_id=demo-device&scope=openid",
    });
    expect(da).toMatchObject({
      url: "http://127.0.0.1:8787/device_authorization?x=1",
      method: "POST",
      body: "client_id=demo-device&scope=openid",
      ua: "DemoTV/2.1",
    });
    expect(da["cf"]).toEqual(TOKYO);
    expect(da["ip"]).toBe("203.0.113.50");
    for (const path of ["/device", "/device?user_code=BCDFGHJK", "/device/callback?code=x&state=y"]) {
      const page = await placed.ask(path);
      expect(page["cf"], path).toEqual(FRANKFURT);
      // No address given for the browser: the one the request came with stays.
      expect(page["ip"], path).not.toBe("203.0.113.50");
    }
    expect((await placed.ask("/token", { method: "POST", body: "" }))["cf"]).toEqual(TOKYO);
    expect((await placed.ask("/devices"))["cf"]).toEqual(TOKYO);
  });

  it("without .dev.cf.json every request keeps the place it came with", async () => {
    // (Miniflare adds clientAcceptEncoding to the place it gives.)
    expect((await bare.ask("/device_authorization", { method: "POST", body: "" }))["cf"]).toMatchObject(SERVER_CF);
    expect((await bare.ask("/device"))["cf"]).toMatchObject(SERVER_CF);
  });

  it("tells the sides apart by path", () => {
    expect(["/device", "/device/", "/device/confirm", "/device/callback"].map(sideOf)).toEqual(["browser", "browser", "browser", "browser"]);
    expect(["/", "/device_authorization", "/token", "/revoke", "/.well-known/openid-configuration", "/devices"].map(sideOf)).toEqual(Array(6).fill("device"));
  });
});

describe(".dev.cf.json (scripts/dev-place/places.mjs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-place-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("is optional; the committed example is valid and places the two sides in two countries", () => {
    expect(readPlaces(join(dir, "absent.json"))).toBeNull();
    const example = readPlaces(join(root, ".dev.cf.example.json"));
    expect(example?.device?.cf?.["country"]).toBeDefined();
    expect(example?.browser?.cf?.["country"]).toBeDefined();
    expect(example?.device?.cf?.["country"]).not.toBe(example?.browser?.cf?.["country"]);
  });

  it("refuses a mistake with one line naming it", () => {
    expect(() => readPlaces(file("broken.json", "{ device: }"))).toThrow(/broken\.json: not JSON/);
    expect(() => checkPlaces([])).toThrow('.dev.cf.json: expected an object with "device" and/or "browser"');
    expect(() => checkPlaces({ phone: {} })).toThrow('unknown key "phone"');
    expect(() => checkPlaces({ device: "JP" })).toThrow('"device" must be an object');
    expect(() => checkPlaces({ device: { country: "JP" } })).toThrow('unknown key "device.country" (expected "cf" and/or "ip")');
    expect(() => checkPlaces({ browser: { cf: "JP" } })).toThrow('"browser.cf" must be an object');
    expect(() => checkPlaces({ browser: { ip: "somewhere" } })).toThrow('"browser.ip" must be an IPv4 or IPv6 address');
    expect(checkPlaces({ device: { ip: "2001:db8::1" }, browser: {} })).toEqual({ device: { ip: "2001:db8::1" }, browser: {} });
  });

  it("says on npm start's banner where each side stands, and when it is Miniflare's placeholder", () => {
    expect(describePlaces(null)).toEqual([
      `device  (/device_authorization, /token, …): ${PLACEHOLDER}`,
      `browser (/device, the pages):             ${PLACEHOLDER}`,
    ]);
    expect(PLACEHOLDER).toContain("Austin, Texas");
    const lines = describePlaces({ device: { cf: TOKYO, ip: "203.0.113.50" }, browser: { cf: FRANKFURT } });
    expect(lines[0]).toContain("Tokyo, JP (AS2516, Asia/Tokyo, from 203.0.113.50)");
    expect(lines[1]).toContain("Frankfurt am Main, Hesse, DE (AS3320, Europe/Berlin)");
  });
});
