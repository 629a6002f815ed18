/**
 * Where Cloudflare's edge places a request (`request.cf`): country, region and city as its
 * geolocation database has them, the network (ASN and its organisation) and the data centre
 * that took the request. Coordinates are rounded to 0.1° (about 11 km north–south) as they are
 * read, so nothing downstream, stored or shown, ever holds more than a district-sized guess;
 * that is ample for the only use they have, a distance judged against hundreds of kilometres.
 */
export interface Place {
  country: string | null;
  region: string | null;
  city: string | null;
  asn: number | null;
  asOrganization: string | null;
  latitude: number | null;
  longitude: number | null;
  colo: string | null;
}

export const NOWHERE: Place = { country: null, region: null, city: null, asn: null, asOrganization: null, latitude: null, longitude: null, colo: null };

const text = (v: unknown, max = 100): string | null => (typeof v === "string" && v.trim() ? v.trim().slice(0, max) : null);

function coordinate(v: unknown, limit: number): number | null {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() ? Number(v) : Number.NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? Math.round(n * 10) / 10 : null;
}

export function placeOf(req: Request): Place {
  const cf = ((req as { cf?: unknown }).cf ?? {}) as Record<string, unknown>;
  const asn = typeof cf["asn"] === "number" && Number.isInteger(cf["asn"]) && cf["asn"] > 0 ? cf["asn"] : null;
  return {
    country: text(cf["country"], 8),
    region: text(cf["region"]),
    city: text(cf["city"]),
    asn,
    asOrganization: text(cf["asOrganization"]),
    latitude: coordinate(cf["latitude"], 90),
    longitude: coordinate(cf["longitude"], 180),
    colo: text(cf["colo"], 8),
  };
}

/** The IANA time zone Cloudflare gives for the request, when the runtime knows it; null otherwise. */
export function timeZoneOf(req: Request): string | null {
  const tz = text(((req as { cf?: unknown }).cf as Record<string, unknown> | undefined)?.["timezone"], 64);
  if (!tz) return null;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return tz;
  } catch {
    return null;
  }
}
