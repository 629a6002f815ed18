import type { Locale } from "./locale";

/**
 * Times as the person reads them: in the page's language and, when Cloudflare told us the
 * browser's time zone (`request.cf.timezone`), in their local time; otherwise in UTC, said so.
 * The page has no script, so the server is the only place this can happen.
 */
export interface Clock {
  date: string;
  time: string;
}

export function clock(at: number, locale: Locale, timeZone: string | null): Clock {
  const zone = timeZone ?? "UTC";
  const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: zone }).format(at);
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "short", timeZone: zone }).format(at);
  return { date, time: timeZone ? time : `${time} UTC` };
}

/** "3 minutes ago", "in 8 minutes": whole minutes towards now, seconds under one minute, hours past sixty. */
export function relative(at: number, now: number, locale: Locale): string {
  const seconds = Math.round((at - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const whole = (n: number) => (n < 0 ? Math.ceil(n) : Math.floor(n));
  if (Math.abs(seconds) < 60) return rtf.format(seconds, "second");
  if (Math.abs(seconds) < 3600) return rtf.format(whole(seconds / 60), "minute");
  return rtf.format(whole(seconds / 3600), "hour");
}

/** A time inside a sentence, never broken between "4:05" and "PM". */
export const unbroken = (s: string) => s.replace(/ /g, "\u00a0");

/** Whole minutes left, rounded down so the page never promises more time than there is. */
export const minutesLeft = (until: number, now: number) => Math.max(0, Math.floor((until - now) / 60_000));
