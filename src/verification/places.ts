import type { Place } from "../http/client-place";
import type { Locale } from "./locale";

/** A country code in the page's language ("JP" → "Japan" / "日本"); an unusual code (Cloudflare's "T1" for Tor, say) as it is. */
export function countryName(code: string | null, locale: Locale): string | null {
  if (!code) return null;
  try {
    return new Intl.DisplayNames([locale], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * City, region and country as the edge has them, coarse on purpose: never a street, never
 * coordinates. The country is in the page's language; city and region names come from the
 * edge in English, so in Japanese the country leads (large to small, as Japanese addresses
 * go) and the Latin names follow in brackets: 「ドイツ（Frankfurt am Main, Hesse）」.
 */
export function placeName(p: Pick<Place, "country" | "region" | "city">, locale: Locale): string | null {
  const local = [p.city, p.region && p.region !== p.city ? p.region : null].filter(Boolean).join(", ");
  const country = countryName(p.country, locale);
  if (locale === "ja" && country) return local ? `${country}（${local}）` : country;
  return [local, country].filter(Boolean).join(", ") || null;
}

/**
 * Region and country only ("Hesse, Germany", 「ドイツ（Hesse）」): how the page names the
 * device's place. Anyone holding a code sees that page, and a city says where the device's
 * owner lives; the region is enough to recognise one's own device and to compare with one's own.
 */
export function regionName(p: Pick<Place, "country" | "region">, locale: Locale): string | null {
  return placeName({ country: p.country, region: p.region, city: null }, locale);
}
