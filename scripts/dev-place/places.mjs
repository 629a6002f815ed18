// Where `npm start` places requests: .dev.cf.json (git-ignored; .dev.cf.example.json is the
// committed example) names a place for each side, the device's and the browser's (worker.mjs
// tells them apart by path). Read once at start, checked here so that a mistake is one line at
// start rather than a wrong place in the middle of a try.
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";

/** The file a developer writes; absent, every request keeps Miniflare's placeholder. */
export const PLACES_FILE = ".dev.cf.json";

/** Where Miniflare puts every request it is not told about: its placeholder `request.cf`. */
export const PLACEHOLDER = "Austin, Texas, US (Miniflare's placeholder request.cf; times in US Central)";

/** .dev.cf.json is not what it should be: said in one line naming the field. */
export class PlacesError extends Error {}

const SIDES = ["device", "browser"];

/**
 * The places in `file`, checked; null when there is no such file.
 * @param {string} [file]
 * @returns {import("./worker.mjs").Places | null}
 */
export function readPlaces(file = PLACES_FILE) {
  if (!existsSync(file)) return null;
  let value;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new PlacesError(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return checkPlaces(value, file);
}

/**
 * @param {unknown} value
 * @param {string} [file] named in errors
 * @returns {import("./worker.mjs").Places}
 */
export function checkPlaces(value, file = PLACES_FILE) {
  const isObject = (/** @type {unknown} */ v) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new PlacesError(`${file}: expected an object with "device" and/or "browser"`);
  /** @type {import("./worker.mjs").Places} */
  const places = {};
  for (const [side, place] of Object.entries(/** @type {Record<string, unknown>} */ (value))) {
    if (!SIDES.includes(side)) throw new PlacesError(`${file}: unknown key "${side}" (expected "device" and/or "browser")`);
    if (!isObject(place)) throw new PlacesError(`${file}: "${side}" must be an object with "cf" and/or "ip"`);
    const { cf, ip, ...rest } = /** @type {Record<string, unknown>} */ (place);
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new PlacesError(`${file}: unknown key "${side}.${extra}" (expected "cf" and/or "ip")`);
    if (cf !== undefined && !isObject(cf)) throw new PlacesError(`${file}: "${side}.cf" must be an object, as request.cf is`);
    if (ip !== undefined && (typeof ip !== "string" || !isIP(ip))) throw new PlacesError(`${file}: "${side}.ip" must be an IPv4 or IPv6 address`);
    places[/** @type {"device" | "browser"} */ (side)] = {
      ...(cf === undefined ? {} : { cf: /** @type {Record<string, unknown>} */ (cf) }),
      ...(ip === undefined ? {} : { ip: /** @type {string} */ (ip) }),
    };
  }
  return places;
}

/**
 * One line per side for npm start's banner: where its requests come from.
 * @param {import("./worker.mjs").Places | null} places
 * @returns {string[]}
 */
export function describePlaces(places) {
  const where = (/** @type {import("./worker.mjs").Place | undefined} */ at) => {
    const cf = at?.cf ?? {};
    const str = (/** @type {string} */ k) => (typeof cf[k] === "string" && String(cf[k]).trim() ? String(cf[k]).trim() : null);
    const parts = [str("city"), str("region"), str("country")].filter((p, i, all) => p !== null && all.indexOf(p) === i);
    const label = at?.cf ? parts.join(", ") || "a place with no city, region or country" : PLACEHOLDER;
    const extras = [typeof cf["asn"] === "number" ? `AS${cf["asn"]}` : null, str("timezone"), at?.ip ? `from ${at.ip}` : null].filter(Boolean);
    return extras.length ? `${label} (${extras.join(", ")})` : label;
  };
  return [`device  (/device_authorization, /token, …): ${where(places?.device)}`, `browser (/device, the pages):             ${where(places?.browser)}`];
}
