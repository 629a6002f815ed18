import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { atConfirm, browser, calls, startDevice, text } from "../support/browser";
import { type Cf, control, nextIp, type Overrides, resetEmulator, twoPlaces, unreachableReportedNetworks } from "../support/helpers";
import { captureLogs, linesPrintedBy } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

/**
 * A phishing kit asks for one code per victim from its own machines and sends each to someone
 * else. The first victim who says "I didn't start this" puts the kit's network on the watch list;
 * the next victims, whose codes come from there, get the stronger warning (or are refused). The
 * kit and its victims are in two Cloudflare locations, as in twoPlaces().
 */
const { device: w, browser: web, clock } = twoPlaces();
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
const primary = (html: string) => /<button type="submit" class="primary"[^>]*>([^<]+)<\/button>/.exec(html)?.[1];

const TOKYO_HOME: Cf = { country: "JP", region: "Tokyo", city: "Tokyo", asn: 2516, asOrganization: "KDDI CORPORATION", colo: "NRT", timezone: "Asia/Tokyo" };
const TOKYO_PHONE: Cf = { ...TOKYO_HOME, asn: 9605, asOrganization: "NTT DOCOMO, INC." };
const AWS_TOKYO: Cf = { ...TOKYO_HOME, asn: 16509, asOrganization: "Amazon.com, Inc." };
const HOUR = 3_600_000;

const WARNING = "Someone recently told us that a request from the network this device asked from was not theirs";
const WARNING_JA = "このデバイスが接続を求めたネットワークからのリクエストについて、最近「自分で始めていない」という報告がありました。";

/** The kit's first code, reported by its first victim. */
async function reportFrom(at: { ip: string; cf: Cf }, env: Overrides = {}) {
  const victim = browser(web, { cf: TOKYO_PHONE, env });
  const { flow } = await atConfirm(w, victim, undefined, at);
  expect(text((await victim.submit("/device/report", {})).html)).toContain("Thank you: the request was refused");
  return flow;
}

describe("a reported network warns the next victims", () => {
  it("a second code from the reported network gets the stronger warning, even in the victim's own city, in English and Japanese; logged with keyed tags only", async () => {
    const kit = nextIp();
    let second: { user_code: string; device_code: string } | undefined;
    let page = "";
    const lines = await linesPrintedBy(async () => {
      await reportFrom({ ip: kit, cf: TOKYO_HOME });
      const next = browser(web, { cf: TOKYO_PHONE });
      const at = await atConfirm(w, next, undefined, { ip: kit, cf: TOKYO_HOME });
      second = at.flow;
      page = at.page.html;
    });
    expect(text(page)).toContain("Be careful: this may not be your device");
    expect(text(page)).toContain(WARNING);
    expect(primary(page)).toBe("Deny");
    // Without the report the same two places get the usual page.
    const unreported = browser(web, { cf: TOKYO_PHONE });
    expect(primary((await atConfirm(w, unreported, undefined, { ip: nextIp(), cf: TOKYO_HOME })).page.html)).toBe("Continue");
    const ja = browser(web, { cf: TOKYO_PHONE, headers: { "Accept-Language": "ja" } });
    const again = captureLogs();
    expect(text((await atConfirm(w, ja, undefined, { ip: kit, cf: TOKYO_HOME })).page.html)).toContain(WARNING_JA);
    again.restore();

    const reported = lines.find((l) => l["event"] === "phishing_reported")!;
    const listed = lines.find((l) => l["event"] === "reported_network_listed")!;
    const seen = lines.find((l) => l["event"] === "reported_network_seen")!;
    expect(listed).toMatchObject({
      level: "warn",
      via: "report",
      reports: 1,
      hours: 24,
      network: reported["deviceNetwork"],
      asn: null,
      code: reported["code"],
    });
    expect(seen).toMatchObject({ level: "warn", clientId: 1001, network: reported["deviceNetwork"], asn: null });
    // The Japanese page's code was seen from that network too: one more line, the same network.
    expect(again.warned()).toEqual([expect.objectContaining({ level: "warn", event: "reported_network_seen", network: reported["deviceNetwork"] })]);
    // The second code's tag, as the page's decision line for it has it.
    const entered = lines.filter((l) => l["event"] === "decision" && l["outcome"] === "VALID").at(-1)!;
    expect(seen["code"]).toBe(entered["code"]);
    expect(entered).toMatchObject({ proximity: "warn", reasons: "reported_network" });
    const all = JSON.stringify(lines);
    for (const secret of [kit, second!.user_code, second!.device_code]) expect(all).not.toContain(secret);
  });

  it("a hosting network's ASN is watched too: a code from another address in that cloud gets the warning", async () => {
    const logs = captureLogs();
    await reportFrom({ ip: nextIp(), cf: AWS_TOKYO });
    const next = browser(web, { cf: TOKYO_PHONE });
    const { page } = await atConfirm(w, next, undefined, { ip: nextIp(), cf: AWS_TOKYO });
    expect(text(page.html)).toContain(WARNING);
    expect(text(page.html)).toContain("The device asked from a data centre (Amazon.com, Inc.)");
    // Seen by its ASN: another address, another network tag, the same (keyed) ASN tag as the report listed.
    expect(logs.warned().map((l) => l.event)).toEqual(["reported_network_listed", "phishing_reported", "reported_network_seen"]);
    const [listed, , seen] = logs.warned();
    expect(listed).toMatchObject({ via: "report", asn: expect.any(String) });
    expect(seen).toMatchObject({ asn: listed!["asn"], network: expect.not.stringMatching(String(listed!["network"])) });
  });

  it('under CLIENT_POLICY proximity.reportedNetwork "block": refused with a page that says why, the device told access_denied, and logged', async () => {
    const env = { CLIENT_POLICY: '{"default":{"proximity":{"reportedNetwork":"block"}}}' };
    const kit = nextIp();
    const lines = await linesPrintedBy(async () => {
      await reportFrom({ ip: kit, cf: TOKYO_HOME }, env);
      const next = browser(web, { cf: TOKYO_PHONE, env });
      const flow = await startDevice(w, undefined, { ip: kit, cf: TOKYO_HOME });
      await next.get("/device");
      const res = await next.post("/device", { user_code: flow.user_code });
      expect([res.status, res.location]).toEqual([303, "/device"]);
      const t = text((await next.get("/device")).html);
      expect(t).toContain("This request was refused");
      expect(t).toContain(
        "Someone recently told us that a request from the network this device asked from was not theirs, so Demo TV refuses codes from there for now. Nothing was approved, and the device has been told no. If it is your device, try again later.",
      );
      // The device learns no, never why (the reason is in the log).
      const why = "The authorization request was denied.";
      expect((await calls("device/complete")).map((r) => r.body).at(-1)).toEqual({ userCode: flow.user_code, result: "ACCESS_DENIED", errorDescription: why });
      clock.advance(5_000);
      expect(await json(await w.poll(flow.device_code))).toMatchObject({ error: "access_denied", error_description: why });
    });
    expect(lines.find((l) => l["event"] === "proximity_blocked")).toMatchObject({ risk: "block", reasons: "reported_network", reportedNetwork: true });
  });

  it("the list forgets a network after REPORTED_NETWORK_HOURS (the Worker's clock)", async () => {
    const logs = captureLogs();
    const places = twoPlaces({ REPORTED_NETWORK_HOURS: "1" });
    const kit = nextIp();
    const first = browser(places.browser, { cf: TOKYO_PHONE });
    await atConfirm(places.device, first, undefined, { ip: kit, cf: TOKYO_HOME });
    await first.submit("/device/report", {});
    // Both clocks, so that codes asked for then are fresh at Authlete as at the Worker.
    const later = async (ms: number) => {
      places.clock.advance(ms);
      await control("clock", { advanceMs: ms });
    };
    await later(HOUR - 60_000);
    const within = browser(places.browser, { cf: TOKYO_PHONE });
    expect(text((await atConfirm(places.device, within, undefined, { ip: kit, cf: TOKYO_HOME })).page.html)).toContain(WARNING);
    await later(60_000);
    const after = browser(places.browser, { cf: TOKYO_PHONE });
    const { page } = await atConfirm(places.device, after, undefined, { ip: kit, cf: TOKYO_HOME });
    expect(text(page.html)).not.toContain(WARNING);
    expect(primary(page.html)).toBe("Continue");
    // Seen once, within the hour; not after it.
    expect(logs.warned().map((l) => l.event)).toEqual(["reported_network_listed", "phishing_reported", "reported_network_seen"]);
    expect(logs.of("reported_network_listed")[0]).toMatchObject({ level: "warn", hours: 1 });
  });

  it("REPORTED_NETWORK_HOURS=0: no watch list; a report still refuses, the next code is not marked", async () => {
    const logs = captureLogs();
    const places = twoPlaces({ REPORTED_NETWORK_HOURS: "0" });
    const kit = nextIp();
    const first = browser(places.browser, { cf: TOKYO_PHONE });
    await atConfirm(places.device, first, undefined, { ip: kit, cf: TOKYO_HOME });
    expect(text((await first.submit("/device/report", {})).html)).toContain("Thank you: the request was refused");
    const next = browser(places.browser, { cf: TOKYO_PHONE });
    expect(primary((await atConfirm(places.device, next, undefined, { ip: kit, cf: TOKYO_HOME })).page.html)).toBe("Continue");
    expect(logs.warned().map((l) => l.event)).toEqual(["phishing_reported"]);
  });

  it("a Durable Object outage fails open: the report still refuses, devices still get codes, each failure is logged", async () => {
    const places = twoPlaces({ REPORTED_NETWORKS: unreachableReportedNetworks() });
    const kit = nextIp();
    const lines = await linesPrintedBy(async () => {
      const first = browser(places.browser, { cf: TOKYO_PHONE });
      const { flow } = await atConfirm(places.device, first, undefined, { ip: kit, cf: TOKYO_HOME });
      expect(text((await first.submit("/device/report", {})).html)).toContain("Thank you: the request was refused");
      places.clock.advance(5_000);
      expect((await json(await places.device.poll(flow.device_code)))["error"]).toBe("access_denied");
      const next = browser(places.browser, { cf: TOKYO_PHONE });
      const res = await places.device.postForm("/device_authorization", { client_id: "demo-device" }, { "CF-Connecting-IP": kit }, {}, TOKYO_HOME);
      expect(res.status).toBe(200);
      await next.get("/device");
      const page = await next.submit("/device", { user_code: ((await res.json()) as { user_code: string }).user_code });
      expect(primary(page.html)).toBe("Continue");
    });
    const failures = lines.filter((l) => l["event"] === "reported_network_unavailable");
    expect(failures.map((l) => [l["level"], l["op"]])).toEqual([
      ["warn", "seen"],
      ["warn", "list"],
      ["warn", "seen"],
    ]);
    expect(failures.every((l) => typeof l["requestId"] === "string")).toBe(true);
  });
});
