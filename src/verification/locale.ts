import type { Context } from "hono";
import { getCookie } from "hono/cookie";

export const LOCALES = ["en", "ja"] as const;
export type Locale = (typeof LOCALES)[number];

/** Every piece of user-facing text exists in each locale; TypeScript enforces the same keys. */
export type Copy<T> = Record<Locale, T>;

export const LANG_COOKIE = "__Host-lang";

const supported = (tag: string): Locale | undefined => {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((l) => l === primary);
};

/** OIDC `ui_locales`: space-separated BCP 47 tags in order of preference. */
export function fromUiLocales(value: string | undefined | null): Locale | undefined {
  for (const tag of (value ?? "").split(" ")) {
    const l = tag && supported(tag);
    if (l) return l;
  }
  return undefined;
}

/** RFC 9110 §12.5.4, highest q first; ties keep header order. */
function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  const ranked = (header ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const l = supported(tag);
    if (l) return l;
  }
  return undefined;
}

/** `ui_locales` first (the device asked for it), then the visitor's own switch (cookie), then the browser. */
export function resolveLocale(c: Context): Locale {
  return fromUiLocales(c.req.query("ui_locales")) ?? supported(getCookie(c, LANG_COOKIE) ?? "") ?? fromAcceptLanguage(c.req.header("Accept-Language")) ?? "en";
}
