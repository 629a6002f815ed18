import type { ProximityPolicy } from "../config";
import { networkOf } from "../http/client-ip";
import type { Place } from "../http/client-place";

/**
 * Is the person approving near the device that asked? (RFC 8628 §5.4; the cross-device
 * security BCP asks servers to establish proximity.) Device-code phishing works because the
 * attacker's device and the victim's browser are far apart: the attacker asks for a code from
 * their own infrastructure and sends it to the victim, who enters it minutes or hours later.
 * Both sides are placed by Cloudflare's edge (`request.cf`), which is coarse: a city, a
 * network, an estimate of coordinates. These signals are compared here, purely; the page
 * shows the outcome and the person decides, except where the client's policy blocks.
 */

/** One side: the address it came from and where the edge places it. */
export interface Vantage extends Place {
  ip: string;
}

/** The device's side also says whether its network was on the watch list when it asked (protection/reported-networks.ts). */
export interface DeviceVantage extends Vantage {
  reportedNetwork?: boolean | undefined;
}

export interface Signals {
  /** The same IPv4 address, or the same IPv6 /64 (one household or phone), on a network that is not shared (`sharedAsn`). */
  sameNetwork: boolean;
  /** The same autonomous system (ISP or carrier), both known. */
  sameAsn: boolean;
  /**
   * The device's or the browser's network is one that strangers share across places (global
   * anycast, VPN and relay services, satellite): being on it together says nothing about being near.
   */
  sharedAsn: boolean;
  /** The same city in the same country (and region, when both are known). */
  sameCity: boolean;
  /** Both countries known, and different. */
  crossCountry: boolean;
  /** Great-circle distance, rounded to 10 km; null when either side has no coordinates. */
  distanceKm: number | null;
  /** The device's network is a hosting or cloud provider's, where no TV lives. */
  hostingAsn: boolean;
  /** Seconds from the device's request to the code being entered here. */
  codeAgeSeconds: number;
  /** The edge could not place the device in a country (no country, `XX`, or Tor's `T1`). */
  unknownPlace: boolean;
  /** The device asked from a network someone recently reported (the watch list, REPORTED_NETWORK_HOURS). */
  reportedNetwork: boolean;
}

/**
 * Why the stronger warning (or a block) applies. `unknown_place`: the device's country is
 * unknown, and an unknown place is never "near". `unknown_device`: there is no record of the
 * device at all (a code from before the grants' objects, from another deployment, or an
 * object that could not be reached), so nothing can be compared. `shared_code`: another person
 * (another browser on another network) entered the same code while it was live, the mark of
 * a code sent to many people (RFC 10027's unique codes; CLIENT_POLICY's `oneCodeOnePerson`).
 * `reported_network`: someone said "I didn't start this" (or "That wasn't me") about a request
 * from the device's network lately, so the next person to get a code from there is warned too.
 */
export type Reason = "cross_country" | "far" | "hosting" | "old_code" | "unknown_place" | "unknown_device" | "shared_code" | "reported_network";

export interface Assessment {
  /** normal: the usual page; warn: the stronger warning, Deny first; block: refused outright. */
  level: "normal" | "warn" | "block";
  reasons: Reason[];
  /** Null when there was no record of the device to compare. */
  signals: Signals | null;
}

/** Farther than this within one country is "a large distance" (Tokyo–Osaka is 400 km, New York–Chicago 1 150 km). */
export const FAR_KM = 1000;

/**
 * Well-known hosting and cloud networks: where device-code phishing kits run, and where no
 * television or console sits. Operators add their own with HOSTING_ASNS; AS organisation
 * names that say hosting or data centre count too (HOSTING_WORDS).
 */
export const HOSTING_ASNS: readonly number[] = [
  16509, // Amazon Web Services
  14618, // Amazon Web Services
  8075, // Microsoft Azure
  15169, // Google (Cloud)
  396982, // Google Cloud
  31898, // Oracle Cloud
  14061, // DigitalOcean
  16276, // OVHcloud
  24940, // Hetzner
  63949, // Akamai Connected Cloud (Linode)
  20473, // Vultr (Choopa)
  12876, // Scaleway
  51167, // Contabo
  60781, // Leaseweb
  45102, // Alibaba Cloud
  132203, // Tencent Cloud
  36352, // ColoCrossing
  9009, // M247 (VPN exits)
  212238, // Datacamp (VPN exits)
];

export const HOSTING_WORDS = /hosting|data ?cent(?:er|re)|\bvps\b|colocation/i;

/**
 * Networks that strangers share across countries and continents: a privacy relay or VPN that
 * hands one exit to many people (and lets anyone choose where to exit), a satellite operator
 * whose customers on one continent share one ASN. Both sides on one of these prove nothing
 * about distance, and neither does one address or /64 on it: a WARP or Private Relay exit
 * address carries many unrelated people at once. Operators add their own with SHARED_ASNS.
 * (A shared network is not a hosting one: a person at home may use it, so it alone warns of nothing.)
 */
export const SHARED_ASNS: readonly number[] = [
  13335, // Cloudflare (WARP, 1.1.1.1)
  209242, // Cloudflare London (WARP)
  36183, // Akamai (iCloud Private Relay)
  54113, // Fastly (iCloud Private Relay)
  53813, // Zscaler (a cloud proxy many companies share)
  14593, // SpaceX Starlink
  7155, // Viasat
  6621, // HughesNet
];

const same = (a: string | null, b: string | null) => a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
/** Cloudflare writes XX when it does not know the country, and T1 for Tor, which is no place at all. */
const country = (p: Place) => (p.country && !/^(XX|T1)$/i.test(p.country) ? p.country.toUpperCase() : null);

/** Haversine distance between two points given in degrees, in km (mean Earth radius). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A hosting or cloud network: a listed ASN (built in or the operator's), or an AS organisation that says so. */
export function isHosting(p: Pick<Place, "asn" | "asOrganization">, hostingAsns: ReadonlySet<number>): boolean {
  return (p.asn !== null && hostingAsns.has(p.asn)) || HOSTING_WORDS.test(p.asOrganization ?? "");
}

export function signals(
  device: DeviceVantage,
  browser: Vantage,
  codeAgeSeconds: number,
  hostingAsns: ReadonlySet<number>,
  sharedAsns: ReadonlySet<number>,
): Signals {
  const [dc, bc] = [country(device), country(browser)];
  const { latitude: la, longitude: lo } = device;
  const { latitude: lb, longitude: lob } = browser;
  const distance = la !== null && lo !== null && lb !== null && lob !== null ? Math.round(distanceKm(la, lo, lb, lob) / 10) * 10 : null;
  // Either side's: one address on a shared network is one network for both, and so is one ASN.
  const shared = [device.asn, browser.asn].some((asn) => asn !== null && sharedAsns.has(asn));
  return {
    sameNetwork: !shared && device.ip !== "unknown" && networkOf(device.ip) === networkOf(browser.ip),
    sameAsn: device.asn !== null && device.asn === browser.asn,
    sharedAsn: shared,
    sameCity:
      same(device.city, browser.city) && dc !== null && dc === bc && (device.region === null || browser.region === null || same(device.region, browser.region)),
    crossCountry: dc !== null && bc !== null && dc !== bc,
    distanceKm: distance,
    hostingAsn: isHosting(device, hostingAsns),
    codeAgeSeconds: Math.max(0, Math.round(codeAgeSeconds)),
    unknownPlace: dc === null,
    reportedNetwork: device.reportedNetwork === true,
  };
}

/**
 * The rule, in order:
 * 1. block when the client's policy blocks cross-country requests and the countries differ,
 *    or the device's country is unknown (an attacker can hide it; then nothing shows the
 *    countries are the same); block too when it blocks reported networks and the device's is one;
 * 2. normal when both sides share an address or /64 (on a network strangers do not share): the
 *    person is at the device, unless that
 *    network was reported (a phishing kit's own network is where its victims' codes come from;
 *    a person there is warned like everyone else);
 * 3. warn when the device's network was reported, it is a hosting network, the code is older
 *    than the policy's maximum, or its country is unknown: none is explained by being nearby (a phishing kit
 *    can rent an address in the victim's own city and ISP, but not make an old code fresh or
 *    a data centre a home, and an unknown place is never near);
 * 4. warn when the countries differ (policy `warn`): nothing about the network outweighs a
 *    border, since an ISP, a carrier or a VPN spans several countries, and one in Russia and
 *    one in Japan on Cloudflare WARP share an ASN and nothing else;
 * 5. within one country, warn when they are FAR_KM or more apart, unless they share the city or
 *    an ASN that is neither a hosting nor a shared one (a carrier places its customers' addresses
 *    coarsely, often at a gateway far from the phone; Starlink's customers in New York and in
 *    California share an ASN and nothing else);
 * 6. normal.
 */
export function assess(s: Signals, policy: ProximityPolicy): Assessment {
  const result = (level: Assessment["level"], reasons: Reason[] = []): Assessment => ({ level, reasons, signals: s });
  if (policy.crossCountry === "block" && (s.crossCountry || s.unknownPlace)) return result("block", [s.crossCountry ? "cross_country" : "unknown_place"]);
  if (policy.reportedNetwork === "block" && s.reportedNetwork) return result("block", ["reported_network"]);
  if (s.sameNetwork && !s.reportedNetwork) return result("normal");
  const reasons: Reason[] = [];
  if (s.reportedNetwork) reasons.push("reported_network");
  if (s.hostingAsn) reasons.push("hosting");
  if (s.codeAgeSeconds > policy.maxCodeAgeSeconds) reasons.push("old_code");
  if (s.unknownPlace) reasons.push("unknown_place");
  if (s.crossCountry && policy.crossCountry === "warn") reasons.push("cross_country");
  // A network only ever counts against distance, and only within one country.
  const nearby = (s.sameAsn && !s.hostingAsn && !s.sharedAsn) || s.sameCity;
  if (!s.crossCountry && !nearby && s.distanceKm !== null && s.distanceKm >= FAR_KM) reasons.push("far");
  return result(reasons.length ? "warn" : "normal", reasons);
}

/**
 * No record of the device to compare with: the page cannot tell where the request came from,
 * which is never a reason to look reassuring. The stronger warning, or refused outright when
 * the client's policy blocks requests from another country (it cannot be shown they are not).
 */
export function assessUnknownDevice(policy: ProximityPolicy): Assessment {
  return { level: policy.crossCountry === "block" ? "block" : "warn", reasons: ["unknown_device"], signals: null };
}

/**
 * Another person entered the same code (grant/record.ts `enter`), under the client's
 * `oneCodeOnePerson`: `warn` gives the stronger warning with that reason, `block` refuses.
 * An assessment that already refuses stays as it is.
 */
export function withSharedCode(a: Assessment, mode: "warn" | "block"): Assessment {
  if (a.level === "block") return a;
  return { ...a, level: mode, reasons: [...a.reasons, "shared_code"] };
}
