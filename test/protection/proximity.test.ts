import { describe, expect, it } from "vitest";
import { DEFAULT_PROXIMITY_POLICY, type ProximityPolicy } from "../../src/config";
import { NOWHERE } from "../../src/http/client-place";
import {
  assess,
  assessUnknownDevice,
  distanceKm,
  FAR_KM,
  HOSTING_ASNS,
  SHARED_ASNS,
  type Signals,
  signals,
  type Vantage,
} from "../../src/protection/proximity";

const hosting = new Set(HOSTING_ASNS);
const shared = new Set(SHARED_ASNS);
const at = (ip: string, p: Partial<Vantage> = {}): Vantage => ({ ...NOWHERE, ip, ...p });
const TOKYO = { country: "JP", region: "Tokyo", city: "Tokyo", latitude: 35.7, longitude: 139.7 };
const OSAKA = { country: "JP", region: "Osaka", city: "Osaka", latitude: 34.7, longitude: 135.5 };
const SAPPORO = { country: "JP", region: "Hokkaido", city: "Sapporo", latitude: 43.1, longitude: 141.4 };
const NAHA = { country: "JP", region: "Okinawa", city: "Naha", latitude: 26.2, longitude: 127.7 };
const FRANKFURT = { country: "DE", region: "Hesse", city: "Frankfurt am Main", latitude: 50.1, longitude: 8.7 };
const KDDI = { asn: 2516, asOrganization: "KDDI CORPORATION" };
const DOCOMO = { asn: 9605, asOrganization: "NTT DOCOMO, INC." };
const AWS = { asn: 16509, asOrganization: "Amazon.com, Inc." };
const WARP = { asn: 13335, asOrganization: "Cloudflare, Inc." };
const STARLINK = { asn: 14593, asOrganization: "SpaceX Services, Inc." };
const MOSCOW = { country: "RU", region: "Moscow", city: "Moscow", latitude: 55.8, longitude: 37.6 };
const NEW_YORK = { country: "US", region: "New York", city: "New York", latitude: 40.7, longitude: -74.0 };
const LOS_ANGELES = { country: "US", region: "California", city: "Los Angeles", latitude: 34.1, longitude: -118.2 };
const SYDNEY = { country: "AU", region: "New South Wales", city: "Sydney", latitude: -33.9, longitude: 151.2 };

const base: Signals = {
  sameNetwork: false,
  sameAsn: false,
  sharedAsn: false,
  sameCity: false,
  crossCountry: false,
  distanceKm: null,
  hostingAsn: false,
  codeAgeSeconds: 30,
  unknownPlace: false,
  reportedNetwork: false,
};
const judge = (s: Partial<Signals>, policy: Partial<ProximityPolicy> = {}) => {
  const a = assess({ ...base, ...s }, { ...DEFAULT_PROXIMITY_POLICY, ...policy });
  return [a.level, ...a.reasons].join(" ");
};

describe("proximity signals from two requests' request.cf", () => {
  it("haversine distance in km: Tokyo–Osaka about 400, Tokyo–Frankfurt about 9 300, a point to itself 0", () => {
    expect(distanceKm(35.7, 139.7, 34.7, 135.5)).toBeGreaterThan(380);
    expect(distanceKm(35.7, 139.7, 34.7, 135.5)).toBeLessThan(410);
    expect(Math.round(distanceKm(35.7, 139.7, 50.1, 8.7) / 100) * 100).toBe(9300);
    expect(distanceKm(1, 2, 1, 2)).toBe(0);
  });

  it("same address, and the same IPv6 /64, are one network; another /64 is not", () => {
    expect(signals(at("198.51.100.7"), at("198.51.100.7"), 0, hosting, shared).sameNetwork).toBe(true);
    expect(signals(at("198.51.100.7"), at("198.51.100.8"), 0, hosting, shared).sameNetwork).toBe(false);
    expect(signals(at("2001:db8:1:2::a"), at("2001:db8:1:2:ffff::1"), 0, hosting, shared).sameNetwork).toBe(true);
    expect(signals(at("2001:db8:1:2::a"), at("2001:db8:1:3::a"), 0, hosting, shared).sameNetwork).toBe(false);
    expect(signals(at("unknown"), at("unknown"), 0, hosting, shared).sameNetwork).toBe(false);
  });

  it("same ASN, same city (within one country and region), another country, a rounded distance", () => {
    const s = signals(at("198.51.100.1", { ...TOKYO, ...KDDI }), at("203.0.113.1", { ...TOKYO, ...KDDI }), 0, hosting, shared);
    expect(s).toMatchObject({ sameAsn: true, sameCity: true, crossCountry: false, distanceKm: 0 });
    const far = signals(at("198.51.100.1", { ...FRANKFURT, asn: 3320 }), at("203.0.113.1", { ...TOKYO, ...DOCOMO }), 0, hosting, shared);
    expect(far).toMatchObject({ sameAsn: false, sameCity: false, crossCountry: true });
    expect(far.distanceKm! % 10).toBe(0);
    // A Portland is not every Portland.
    expect(
      signals(at("a", { city: "Portland", country: "US", region: "Oregon" }), at("b", { city: "Portland", country: "US", region: "Maine" }), 0, hosting, shared)
        .sameCity,
    ).toBe(false);
  });

  it("unknowns prove nothing: no country, XX (unknown to Cloudflare), T1 (Tor) or no coordinates give no cross-country and no distance, and an unknown place", () => {
    const s = signals(at("a", { country: "XX" }), at("b", { country: "JP" }), 0, hosting, shared);
    expect(s).toMatchObject({ crossCountry: false, sameCity: false, sameAsn: false, distanceKm: null, unknownPlace: true });
    expect(signals(at("a"), at("b"), 0, hosting, shared)).toMatchObject({ crossCountry: false, unknownPlace: true });
    expect(signals(at("a", { country: "T1" }), at("b", { country: "JP" }), 0, hosting, shared).unknownPlace).toBe(true);
    expect(signals(at("a", { country: "JP" }), at("b"), 0, hosting, shared).unknownPlace).toBe(false);
  });

  it("hosting networks: a built-in ASN, an operator's own, or an AS organisation that says so", () => {
    expect(signals(at("a", AWS), at("b"), 0, hosting, shared).hostingAsn).toBe(true);
    expect(signals(at("a", { asn: 64500 }), at("b"), 0, hosting, shared).hostingAsn).toBe(false);
    expect(signals(at("a", { asn: 64500 }), at("b"), 0, new Set([...HOSTING_ASNS, 64500]), shared).hostingAsn).toBe(true);
    expect(signals(at("a", { asn: 64501, asOrganization: "Example Hosting Ltd" }), at("b"), 0, hosting, shared).hostingAsn).toBe(true);
    expect(signals(at("a", { asn: 64502, asOrganization: "Example Data Center" }), at("b"), 0, hosting, shared).hostingAsn).toBe(true);
    expect(signals(at("a", KDDI), at("b"), 0, hosting, shared).hostingAsn).toBe(false);
  });

  it("shared networks (anycast, VPN and relay exits, satellite): built in, an operator's own, either side; one address on one is not one network", () => {
    expect(signals(at("a", WARP), at("b", WARP), 0, hosting, shared)).toMatchObject({ sameAsn: true, sharedAsn: true });
    expect(signals(at("a", STARLINK), at("b", KDDI), 0, hosting, shared).sharedAsn).toBe(true);
    expect(signals(at("a", KDDI), at("b", STARLINK), 0, hosting, shared).sharedAsn).toBe(true);
    expect(signals(at("a", KDDI), at("b", KDDI), 0, hosting, shared).sharedAsn).toBe(false);
    expect(signals(at("a", { asn: 64500 }), at("b", { asn: 64500 }), 0, hosting, new Set([...SHARED_ASNS, 64500])).sharedAsn).toBe(true);
    // A WARP exit carries strangers at once: the same address there is not the same household.
    expect(signals(at("104.28.1.1", WARP), at("104.28.1.1", WARP), 0, hosting, shared).sameNetwork).toBe(false);
    expect(signals(at("2a09:bac1:1:2::a", WARP), at("2a09:bac1:1:2::b", WARP), 0, hosting, shared).sameNetwork).toBe(false);
    // A shared network is not a hosting one: a person at home may use it.
    expect(signals(at("a", WARP), at("b"), 0, hosting, shared).hostingAsn).toBe(false);
  });

  it("a reported network is the device record's mark, never the browser's", () => {
    const device = { ...at("198.51.100.1", TOKYO), reportedNetwork: true };
    expect(signals(device, at("203.0.113.1", TOKYO), 10, hosting, shared).reportedNetwork).toBe(true);
    expect(signals(at("198.51.100.1", TOKYO), { ...at("203.0.113.1", TOKYO), reportedNetwork: true } as Vantage, 10, hosting, shared).reportedNetwork).toBe(
      false,
    );
  });

  it("the code's age, in whole seconds", () => {
    expect(signals(at("a"), at("b"), 412.6, hosting, shared).codeAgeSeconds).toBe(413);
  });
});

describe("the rule: normal, the stronger warning, or block", () => {
  it.each<[string, Partial<Signals>, Partial<ProximityPolicy>, string]>([
    ["nothing known but the device's country", {}, {}, "normal"],
    ["the device's place unknown", { unknownPlace: true }, {}, "warn unknown_place"],
    ["the device's place unknown, even with the same ASN", { unknownPlace: true, sameAsn: true }, {}, "warn unknown_place"],
    ["the device's place unknown, policy block", { unknownPlace: true }, { crossCountry: "block" }, "block unknown_place"],
    ["the device's place unknown, but the same network", { unknownPlace: true, sameNetwork: true }, {}, "normal"],
    ["same city", { sameCity: true, distanceKm: 10 }, {}, "normal"],
    ["same ASN", { sameAsn: true }, {}, "normal"],
    ["another city in the same country, near", { distanceKm: 400 }, {}, "normal"],
    ["another city in the same country, far", { distanceKm: FAR_KM }, {}, "warn far"],
    ["another country", { crossCountry: true, distanceKm: 9300 }, {}, "warn cross_country"],
    ["another country, but the same (non-hosting) ASN: no network outweighs a border", { crossCountry: true, sameAsn: true }, {}, "warn cross_country"],
    ["another country on one shared network (WARP, Starlink)", { crossCountry: true, sameAsn: true, sharedAsn: true }, {}, "warn cross_country"],
    ["far apart in one country, the same carrier", { sameAsn: true, distanceKm: 1500 }, {}, "normal"],
    ["far apart in one country, one shared network", { sameAsn: true, sharedAsn: true, distanceKm: 1500 }, {}, "warn far"],
    ["near in one country, one shared network", { sameAsn: true, sharedAsn: true, distanceKm: 400 }, {}, "normal"],
    ["another country, policy allow", { crossCountry: true, distanceKm: 9300 }, { crossCountry: "allow" }, "normal"],
    ["another country, policy block", { crossCountry: true }, { crossCountry: "block" }, "block cross_country"],
    ["a hosting ASN, even in the same city", { hostingAsn: true, sameCity: true }, {}, "warn hosting"],
    ["a hosting ASN shared by both sides", { hostingAsn: true, sameAsn: true, distanceKm: 2000 }, {}, "warn hosting far"],
    ["an old code, even in the same city", { codeAgeSeconds: 301, sameCity: true }, {}, "warn old_code"],
    ["a code exactly at the maximum age", { codeAgeSeconds: 300 }, {}, "normal"],
    ["an old code under a longer maximum", { codeAgeSeconds: 301 }, { maxCodeAgeSeconds: 900 }, "normal"],
    ["everything at once", { hostingAsn: true, codeAgeSeconds: 4000, crossCountry: true }, {}, "warn hosting old_code cross_country"],
    ["the same network outweighs a hosting ASN and an old code", { sameNetwork: true, hostingAsn: true, codeAgeSeconds: 4000 }, {}, "normal"],
    ["a reported network, even in the same city", { reportedNetwork: true, sameCity: true }, {}, "warn reported_network"],
    ["a reported network outweighs the same network", { reportedNetwork: true, sameNetwork: true }, {}, "warn reported_network"],
    ["a reported hosting network", { reportedNetwork: true, hostingAsn: true }, {}, "warn reported_network hosting"],
    [
      "a reported network, policy blocks reported networks",
      { reportedNetwork: true, sameNetwork: true },
      { reportedNetwork: "block" },
      "block reported_network",
    ],
    ["policy blocks reported networks, none reported", { sameCity: true }, { reportedNetwork: "block" }, "normal"],
    [
      "another country and a reported network, policy blocks both",
      { crossCountry: true, reportedNetwork: true },
      { crossCountry: "block", reportedNetwork: "block" },
      "block cross_country",
    ],
  ])("%s → %s", (_, s, policy, expected) => {
    expect(judge(s, policy)).toBe(expected);
  });

  it("no record of the device: the stronger warning, or block under a blocking policy; never the usual page", () => {
    expect(assessUnknownDevice(DEFAULT_PROXIMITY_POLICY)).toEqual({ level: "warn", reasons: ["unknown_device"], signals: null });
    expect(assessUnknownDevice({ ...DEFAULT_PROXIMITY_POLICY, crossCountry: "allow" }).level).toBe("warn");
    expect(assessUnknownDevice({ ...DEFAULT_PROXIMITY_POLICY, crossCountry: "block" }).level).toBe("block");
  });

  it("with real places: Tokyo and Osaka are near, Sapporo and Naha are far apart, Frankfurt is abroad", () => {
    const run = (a: object, b: object) => {
      const x = assess(signals(at("198.51.100.1", a), at("203.0.113.1", b), 10, hosting, shared), DEFAULT_PROXIMITY_POLICY);
      return [x.level, ...x.reasons].join(" ");
    };
    expect(run(TOKYO, OSAKA)).toBe("normal");
    expect(run(SAPPORO, NAHA)).toBe("warn far");
    expect(run({ ...FRANKFURT, asn: 3320 }, { ...TOKYO, ...DOCOMO })).toBe("warn cross_country");
    expect(run({ ...TOKYO, ...AWS }, { ...TOKYO, ...DOCOMO })).toBe("warn hosting");
  });

  it("a shared network is not proximity across borders: WARP in Russia and Japan, Starlink in the US and Australia; within one country it is distance that counts", () => {
    const run = (a: object, b: object, ip = "203.0.113.1") => {
      const x = assess(signals(at("198.51.100.1", a), at(ip, b), 10, hosting, shared), DEFAULT_PROXIMITY_POLICY);
      return [x.level, ...x.reasons].join(" ");
    };
    expect(run({ ...MOSCOW, ...WARP }, { ...TOKYO, ...WARP })).toBe("warn cross_country");
    // Even behind one exit address.
    expect(run({ ...MOSCOW, ...WARP }, { ...TOKYO, ...WARP }, "198.51.100.1")).toBe("warn cross_country");
    expect(run({ ...NEW_YORK, ...STARLINK }, { ...SYDNEY, ...STARLINK })).toBe("warn cross_country");
    expect(
      assess(signals(at("a", { ...NEW_YORK, ...STARLINK }), at("b", { ...SYDNEY, ...STARLINK }), 10, hosting, shared), {
        ...DEFAULT_PROXIMITY_POLICY,
        crossCountry: "block",
      }).level,
    ).toBe("block");
    // One country: near on a shared network is the usual page, far is the stronger warning.
    expect(run({ ...TOKYO, ...STARLINK }, { ...OSAKA, ...STARLINK })).toBe("normal");
    expect(run({ ...NEW_YORK, ...STARLINK }, { ...LOS_ANGELES, ...STARLINK })).toBe("warn far");
    // One carrier across one country still outweighs its coarse placing.
    expect(run({ ...SAPPORO, ...KDDI }, { ...NAHA, ...KDDI })).toBe("normal");
  });
});
