import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { atConfirm, atConsent, browser, calls, startDevice, text } from "../support/browser";
import { type Cf, nextIp, type Overrides, resetEmulator, twoPlaces, unreachableGrants } from "../support/helpers";
import { captureLogs } from "../support/logs";

beforeEach(resetEmulator);
afterEach(() => vi.restoreAllMocks());

/**
 * The device asks and polls in one Cloudflare location, the person enters the code in another
 * (storage/memory.ts: the browser's location sees none of the device's KV writes for a minute),
 * as in device-code phishing; every case below holds there.
 */
const { device: w, browser: web, clock } = twoPlaces();
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

/** `request.cf` as Cloudflare's edge gives it (coordinates are strings there). */
const TOKYO_HOME: Cf = {
  country: "JP",
  region: "Tokyo",
  city: "Tokyo",
  asn: 2516,
  asOrganization: "KDDI CORPORATION",
  latitude: "35.68950",
  longitude: "139.69170",
  colo: "NRT",
  timezone: "Asia/Tokyo",
};
const TOKYO_PHONE: Cf = { ...TOKYO_HOME, asn: 9605, asOrganization: "NTT DOCOMO, INC.", latitude: "35.65800", longitude: "139.70160" };
const FRANKFURT: Cf = {
  country: "DE",
  region: "Hesse",
  city: "Frankfurt am Main",
  asn: 3320,
  asOrganization: "Deutsche Telekom AG",
  latitude: "50.11552",
  longitude: "8.68417",
  colo: "FRA",
  timezone: "Europe/Berlin",
};
const AWS_TOKYO: Cf = { ...TOKYO_HOME, asn: 16509, asOrganization: "Amazon.com, Inc.", latitude: "35.68360", longitude: "139.75390" };

/** Cloudflare WARP and Starlink: one ASN each for strangers on several continents. */
const WARP = { asn: 13335, asOrganization: "Cloudflare, Inc." };
const STARLINK = { asn: 14593, asOrganization: "SpaceX Services, Inc." };
const MOSCOW: Cf = { country: "RU", region: "Moscow", city: "Moscow", latitude: "55.75580", longitude: "37.61730", colo: "DME", timezone: "Europe/Moscow" };
const NEW_YORK: Cf = {
  country: "US",
  region: "New York",
  city: "New York",
  latitude: "40.71280",
  longitude: "-74.00600",
  colo: "EWR",
  timezone: "America/New_York",
};
const SYDNEY: Cf = {
  country: "AU",
  region: "New South Wales",
  city: "Sydney",
  latitude: "-33.86880",
  longitude: "151.20930",
  colo: "SYD",
  timezone: "Australia/Sydney",
};
const OSAKA: Cf = { country: "JP", region: "Osaka", city: "Osaka", latitude: "34.69370", longitude: "135.50230", colo: "KIX", timezone: "Asia/Tokyo" };

const primary = (html: string) => /<button type="submit" class="primary"[^>]*>([^<]+)<\/button>/.exec(html)?.[1];
const policy = (p: object): Overrides => ({ PROXIMITY_POLICY: JSON.stringify(p) });

describe("proximity: the device's request.cf against the browser's, at the confirm step", () => {
  it("same city, different networks → the usual page: Continue first, no stronger warning", async () => {
    const b = browser(web, { cf: TOKYO_PHONE });
    const { page } = await atConfirm(w, b, undefined, { cf: TOKYO_HOME });
    const t = text(page.html);
    expect(t).toContain("Is this your device?");
    expect(t).not.toContain("Be careful");
    expect(primary(page.html)).toBe("Continue");
  });

  it("two countries → the stronger warning: a heading, why, both places, the consequence, and Deny first", async () => {
    const b = browser(web, { cf: TOKYO_PHONE });
    const { page } = await atConfirm(w, b, undefined, { cf: FRANKFURT });
    const t = text(page.html);
    expect(page.html).toContain('<h1 tabindex="-1" autofocus="">Be careful: this may not be your device</h1>');
    expect(page.html).toContain("<title>Be careful: this may not be your device");
    expect(t).toContain("Why we are warning you");
    expect(t).toContain("The device asked from another country (Germany) than the one you appear to be in (Japan).");
    expect(t).toContain("That device Hesse, Germany");
    expect(t).toContain("You Tokyo, Japan");
    expect(t).toContain(
      "If you continue, whoever holds that device will be signed in as you. If someone sent you this code or a link to this page, choose Deny.",
    );
    expect(page.html).toMatch(/<button type="submit" class="primary" formaction="\/device\/cancel">Deny<\/button>/);
    expect(page.html).toMatch(/<button type="submit" class="secondary">Continue anyway<\/button>/);
    // No false precision: no coordinates, no street-level detail, the distance only in hundreds of km.
    expect(t).not.toMatch(/50\.1|8\.68|139\.69|35\.68/);
  });

  it("the stronger warning's Deny denies: the device's next poll gets access_denied", async () => {
    const b = browser(web, { cf: TOKYO_PHONE });
    const { flow } = await atConfirm(w, b, undefined, { cf: FRANKFURT });
    expect(text((await b.submit("/device/cancel", {})).html)).toContain("Cancelled");
    expect(await json(await w.poll(flow.device_code))).toMatchObject({
      error: "access_denied",
      error_description: "The authorization request was denied.",
    });
  });

  it("Continue anyway goes on to sign in: the person decides", async () => {
    const b = browser(web, { cf: TOKYO_PHONE });
    await atConfirm(w, b, undefined, { cf: FRANKFURT });
    expect((await b.submit("/device/confirm", {})).html).toContain('action="/device/sign-in"');
  });

  it("a hosting ASN, even in the same city → the stronger warning naming the data centre", async () => {
    const b = browser(web, { cf: TOKYO_PHONE });
    const { page } = await atConfirm(w, b, undefined, { cf: AWS_TOKYO });
    const t = text(page.html);
    expect(t).toContain("Be careful: this may not be your device");
    expect(t).toContain("The device asked from a data centre (Amazon.com, Inc.), not from a home or mobile network.");
    expect(primary(page.html)).toBe("Deny");
  });

  it("an old code (entered long after the device asked) → the stronger warning with its age", async () => {
    const b = browser(web, { cf: TOKYO_PHONE });
    const flow = await startDevice(w, undefined, { cf: TOKYO_HOME });
    clock.advance(6 * 60_000);
    await b.get("/device");
    const page = await b.submit("/device", { user_code: flow.user_code });
    expect(text(page.html)).toContain("Its code was made 6 minutes ago. A code you start yourself is usually entered within a few minutes.");
    expect(primary(page.html)).toBe("Deny");
  });

  it("the same address outweighs everything: a device and a browser behind one address get the usual page", async () => {
    const ip = nextIp();
    const b = browser(web, { ip, cf: TOKYO_PHONE });
    const { page } = await atConfirm(w, b, undefined, { ip, cf: AWS_TOKYO });
    expect(primary(page.html)).toBe("Continue");
  });

  it.each<[string, Cf, Cf, string]>([
    ["WARP: a device in Russia, a browser in Japan", { ...MOSCOW, ...WARP }, { ...TOKYO_PHONE, ...WARP }, "(Russia) than the one you appear to be in (Japan)"],
    [
      "Starlink: a device in the US, a browser in Australia",
      { ...NEW_YORK, ...STARLINK },
      { ...SYDNEY, ...STARLINK },
      "(United States) than the one you appear to be in (Australia)",
    ],
  ])("a shared network is not proximity across borders (%s) → the stronger warning", async (_, device, here, countries) => {
    const b = browser(web, { cf: here });
    const { page } = await atConfirm(w, b, undefined, { cf: device });
    expect(text(page.html)).toContain(`The device asked from another country ${countries}.`);
    expect(primary(page.html)).toBe("Deny");
  });

  it("one shared network within one country: near is the usual page; an operator's SHARED_ASNS counts as one", async () => {
    const b = browser(web, { cf: { ...OSAKA, ...STARLINK } });
    expect(primary((await atConfirm(w, b, undefined, { cf: { ...TOKYO_HOME, ...STARLINK } })).page.html)).toBe("Continue");
    // Two ends of one exit address of the operator's own shared network, in two countries: not one household.
    const ip = nextIp();
    const relay = { asn: 64500, asOrganization: "Example Relay" };
    const shared = browser(web, { ip, cf: { ...TOKYO_PHONE, ...relay }, env: { SHARED_ASNS: "AS64500" } });
    expect(primary((await atConfirm(w, shared, undefined, { ip, cf: { ...FRANKFURT, ...relay } })).page.html)).toBe("Deny");
    const unlisted = browser(web, { ip, cf: { ...TOKYO_PHONE, ...relay } });
    expect(primary((await atConfirm(w, unlisted, undefined, { ip, cf: { ...FRANKFURT, ...relay } })).page.html)).toBe("Continue");
  });

  it("PROXIMITY_POLICY allow for this client (by Authlete's numeric client id) → two countries get the usual page", async () => {
    const b = browser(web, { cf: TOKYO_PHONE, env: policy({ "1001": { crossCountry: "allow" } }) });
    const { page } = await atConfirm(w, b, undefined, { cf: FRANKFURT });
    expect(primary(page.html)).toBe("Continue");
    // Another client keeps the default (warn).
    const other = browser(web, { cf: TOKYO_PHONE, env: policy({ "1001": { crossCountry: "allow" } }) });
    const { page: warned } = await atConfirm(w, other, { client_id: "demo-post", client_secret: "demo-post-secret" }, { cf: FRANKFURT });
    expect(primary(warned.html)).toBe("Deny");
  });

  it("PROXIMITY_POLICY block → a page that says why, ACCESS_DENIED at the device's next poll (the reason in the log only), and a log line", async () => {
    const lines: string[] = [];
    for (const level of ["log", "warn"] as const) vi.spyOn(console, level).mockImplementation((line) => void lines.push(String(line)));
    const b = browser(web, { cf: TOKYO_PHONE, env: policy({ default: { crossCountry: "block" } }) });
    const flow = await startDevice(w, undefined, { cf: FRANKFURT, userAgent: "DemoTV/2.1 (Tizen 8.0)" });
    await b.get("/device");
    const res = await b.post("/device", { user_code: flow.user_code });
    expect([res.status, res.location]).toEqual([303, "/device"]);
    const page = await b.get("/device");
    const t = text(page.html);
    expect(t).toContain("This request was refused");
    expect(t).toContain("The request came from a device in Germany, and you appear to be in Japan.");
    expect(t).toContain(
      "Demo TV can only be connected from the same country as the person approving it, so nothing was approved and the device has been told no. If it is your device, start again on it when you are with it.",
    );
    expect((await calls("device/complete")).map((r) => r.body)).toEqual([
      {
        userCode: flow.user_code,
        result: "ACCESS_DENIED",
        errorDescription: "The authorization request was denied.",
      },
    ]);
    expect(await json(await w.poll(flow.device_code))).toMatchObject({
      error: "access_denied",
      error_description: "The authorization request was denied.",
    });
    const blocked = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["event"] === "proximity_blocked")!;
    expect(blocked).toMatchObject({
      level: "warn",
      risk: "block",
      reasons: "cross_country",
      crossCountry: true,
      deviceCountry: "DE",
      browserCountry: "JP",
      clientId: 1001,
    });
    const all = lines.join("\n");
    for (const secret of [flow.user_code, flow.device_code, b.ip, "DemoTV"]) expect(all).not.toContain(secret);
  });

  it("a device the edge cannot place (country XX, or none) is never near: the stronger warning saying so, even in the same network", async () => {
    for (const cf of [{ ...FRANKFURT, country: "XX" }, { colo: "FRA" }]) {
      const b = browser(web, { cf: TOKYO_PHONE });
      const { page } = await atConfirm(w, b, undefined, { cf });
      const t = text(page.html);
      expect(t).toContain("Be careful: this may not be your device");
      expect(t).toContain("We cannot tell which country the device asked from, so we cannot tell whether it is near you.");
      expect(primary(page.html)).toBe("Deny");
    }
  });

  it("no record of the device (its grant's object unreachable from here) → the page says it cannot tell where the request came from, with the stronger warning", async () => {
    const logs = captureLogs();
    const b = browser(web, { cf: TOKYO_PHONE, env: { GRANTS: unreachableGrants() } });
    const { page } = await atConfirm(w, b, undefined, { cf: TOKYO_HOME });
    const t = text(page.html);
    expect(t).toContain("Be careful: this may not be your device");
    expect(t).toContain("We cannot tell where this request came from: there is no record of the device that asked.");
    expect(t).toContain("Details about the device that asked are unavailable.");
    expect(primary(page.html)).toBe("Deny");
    expect(logs.warned()).toEqual([expect.objectContaining({ level: "warn", event: "grant_unavailable", op: "lookup" })]);
  });

  it.each([
    // Unreachable from the page, the object does not hear the decision either: the device hears it from Authlete at the next pass-through.
    ["no record of the device", { cf: TOKYO_HOME }, { GRANTS: unreachableGrants() }, 60_000, "unknown_device"],
    ["a device the edge cannot place", { cf: { ...FRANKFURT, country: "XX" } }, {}, 5_000, "unknown_place"],
  ] as const)("PROXIMITY_POLICY block with %s → refused: the device is told no", async (_, at, env, heardAfter, reasons) => {
    const logs = captureLogs();
    const b = browser(web, { cf: TOKYO_PHONE, env: { ...policy({ default: { crossCountry: "block" } }), ...env } });
    const flow = await startDevice(w, undefined, at);
    await b.get("/device");
    const res = await b.post("/device", { user_code: flow.user_code });
    expect([res.status, res.location]).toEqual([303, "/device"]);
    const t = text((await b.get("/device")).html);
    expect(t).toContain("This request was refused");
    expect(t).toContain("We could not tell where the device asked from.");
    const why = "The authorization request was denied.";
    expect((await calls("device/complete")).map((r) => r.body)).toEqual([{ userCode: flow.user_code, result: "ACCESS_DENIED", errorDescription: why }]);
    clock.advance(heardAfter);
    expect(await json(await w.poll(flow.device_code))).toMatchObject({ error: "access_denied", error_description: why });
    const blocked = expect.objectContaining({ level: "warn", event: "proximity_blocked", risk: "block", reasons, browserCountry: "JP" });
    // Unreachable, the grant's object could neither be read nor told the decision: each is said once.
    const outage = [
      expect.objectContaining({ level: "warn", event: "grant_unavailable", op: "lookup" }),
      blocked,
      expect.objectContaining({ level: "warn", event: "grant_decision_unrecorded" }),
    ];
    expect(logs.warned()).toEqual(reasons === "unknown_device" ? outage : [blocked]);
  });

  it("a malformed PROXIMITY_POLICY is a configuration error naming it", async () => {
    const logs = captureLogs();
    const p = await browser(web, { env: { PROXIMITY_POLICY: '{"demo-device":{"crossCountry":"block"}}' } }).get("/device");
    expect(p.status).toBe(500);
    expect(logs.warned()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "config_invalid",
        detail: "Invalid configuration: PROXIMITY_POLICY.demo-device: is not `default` or a numeric Authlete client id",
      }),
      expect.objectContaining({ level: "warn", event: "decision", route: "/device", outcome: "aborted", detail: "ConfigError" }),
    ]);
  });
});

describe('"I didn\'t start this" on the confirm page', () => {
  it("its own form, bound like the others: denies, the device's next poll says so, and phishing_reported carries the signals and keyed tags only", async () => {
    const lines: string[] = [];
    for (const level of ["log", "warn"] as const) vi.spyOn(console, level).mockImplementation((line) => void lines.push(String(line)));
    const b = browser(web, { cf: TOKYO_PHONE });
    const { flow, page } = await atConfirm(w, b, undefined, { cf: FRANKFURT, userAgent: "DemoTV/2.1 (Tizen 8.0)" });
    expect(page.html).toMatch(/<form method="post" action="\/device\/report" class="report"><input type="hidden" name="csrf" value="[^"]+"\/>/);
    expect(page.html).toContain("I didn&#39;t start this</button>");
    expect(text(page.html)).toContain("Didn't ask to connect anything? Someone may be trying to get into your account: tell us, and we refuse the request.");
    const done = await b.submit("/device/report", {});
    expect(text(done.html)).toContain("Thank you: the request was refused");
    expect(text(done.html)).toContain(
      "Nothing was approved, the device has been told no, and we have recorded your report. If someone sent you a code or a link to enter here, do not enter codes from them again. You can close this page.",
    );
    expect((await calls("device/complete")).map((r) => r.body)).toEqual([
      { userCode: flow.user_code, result: "ACCESS_DENIED", errorDescription: "The authorization request was denied." },
    ]);
    expect(await json(await w.poll(flow.device_code))).toMatchObject({
      error: "access_denied",
      error_description: "The authorization request was denied.",
    });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const reported = parsed.find((l) => l["event"] === "phishing_reported")!;
    expect(reported).toMatchObject({
      level: "warn",
      risk: "warn",
      reasons: "cross_country",
      sameNetwork: false,
      sameAsn: false,
      sameCity: false,
      crossCountry: true,
      distanceKm: expect.any(Number),
      hostingAsn: false,
      codeAgeSeconds: expect.any(Number),
      deviceAsn: 3320,
      deviceCountry: "DE",
      browserCountry: "JP",
      clientId: 1001,
    });
    expect(reported["code"]).toMatch(/^[\w-]{12}$/);
    expect(reported["deviceNetwork"]).toMatch(/^[\w-]{12}$/);
    expect(reported["browserNetwork"]).toMatch(/^[\w-]{12}$/);
    expect(parsed.some((l) => l["event"] === "decision" && l["outcome"] === "reported" && l["code"] === reported["code"])).toBe(true);
    const all = lines.join("\n");
    for (const secret of [flow.user_code, flow.device_code, b.ip, "DemoTV", "Frankfurt", "50.1"]) expect(all).not.toContain(secret);
  });

  it("only from the confirm page: after sign-in it is refused as out of date, and nothing reaches Authlete", async () => {
    const b = browser(web);
    await atConsent(w, b);
    expect((await b.post("/device/report", {})).status).toBe(409);
    expect(await calls("device/complete")).toHaveLength(0);
  });
});

describe("the device learns access_denied, not why", () => {
  /** What every refused device reads: RFC 8628's own words, the same for every reason. */
  const DENIED = { error: "access_denied", error_description: "The authorization request was denied." };
  const blocking = policy({ default: { crossCountry: "block" } });

  it.each<[string, string, Overrides, Cf, (b: ReturnType<typeof browser>) => Promise<unknown>]>([
    ["Deny on the consent page", "denied", {}, TOKYO_HOME, (b) => b.submit("/device/consent", { action: "deny" })],
    ["Cancel on the confirm page", "cancelled", {}, TOKYO_HOME, (b) => b.submit("/device/cancel", {})],
    ["Deny on the stronger warning", "cancelled", {}, FRANKFURT, (b) => b.submit("/device/cancel", {})],
    ["I didn't start this", "reported", {}, FRANKFURT, (b) => b.submit("/device/report", {})],
    ["a policy that blocks another country", "blocked", blocking, FRANKFURT, async () => {}],
    ["a policy that blocks a place it cannot establish", "unplaced", blocking, { ...FRANKFURT, country: "XX" }, async () => {}],
  ])("%s: the device hears one neutral access_denied; the reason is in the decision line only", async (how, reason, env, cf, act) => {
    const logs = captureLogs();
    const b = browser(web, { cf: TOKYO_PHONE, env });
    const flow = await startDevice(w, undefined, { cf });
    await b.get("/device");
    await b.submit("/device", { user_code: flow.user_code });
    if (how.startsWith("Deny on the consent")) {
      await b.submit("/device/confirm", {});
      await b.submit("/device/sign-in", { username: "demo", password: "demo" });
    }
    await act(b);
    // What Authlete was told, and so what the device reads: the same words whatever happened.
    expect((await calls("device/complete")).map((r) => r.body)).toEqual([
      { userCode: flow.user_code, result: "ACCESS_DENIED", errorDescription: DENIED.error_description },
    ]);
    clock.advance(5_000);
    // Beside Authlete's own error_uri (its result code for any ACCESS_DENIED), nothing else.
    const { error_uri: _, ...heard } = await json(await w.poll(flow.device_code));
    expect(heard).toEqual(DENIED);
    const decided = logs.of("decision").find((l) => l["reason"] !== undefined);
    expect(decided).toMatchObject({ route: expect.stringMatching(/^\/device/), reason, authlete: true });
  });
});
