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

/** City and country as the edge has them, coarse on purpose: never a street, never coordinates. */
export function placeName(p: Pick<Place, "country" | "region" | "city">, locale: Locale): string | null {
  return [p.city, countryName(p.country, locale)].filter(Boolean).join(", ") || null;
}
