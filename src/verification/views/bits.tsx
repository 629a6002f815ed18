import type { Copy } from "../locale";
import { clock, minutesLeft, relative, unbroken } from "../time";
import type { Frame } from "./layout";

/** Small pieces several pages share: a moment in the person's time, a code's remaining life. */
const copy: Copy<{ expires: (rel: string, time: string) => string; soon: (time: string) => string; open: string; close: string }> = {
  en: {
    expires: (rel, time) => `This code expires ${rel}, at ${time}.`,
    soon: (time) => `This code expires in less than a minute, at ${time}.`,
    open: " (",
    close: ")",
  },
  ja: {
    expires: (rel, time) => `このコードは${rel}（${time}）に有効期限が切れます。`,
    soon: (time) => `このコードは 1 分以内（${time}）に有効期限が切れます。`,
    open: "（",
    close: "）",
  },
};

/** "3 minutes ago (2 Dec 2026, 14:29)": relative, then the local date and time, neither broken inside. */
export const When = (props: { f: Frame; at: number; now: number }) => {
  const { locale, timeZone } = props.f;
  const t = copy[locale];
  const c = clock(props.at, locale, timeZone);
  return (
    <time datetime={new Date(props.at).toISOString()}>
      {relative(props.at, props.now, locale)}
      {t.open}
      <span class="nowrap">{c.date}</span> <span class="nowrap">{c.time}</span>
      {t.close}
    </time>
  );
};

/** "This code expires in 8 minutes, at 14:37.", rendered on the server: no script needed. */
export const Expiry = (props: { f: Frame; expiresAt: number; now: number }) => {
  const { locale, timeZone } = props.f;
  const t = copy[locale];
  const minutes = minutesLeft(props.expiresAt, props.now);
  const at = unbroken(clock(props.expiresAt, locale, timeZone).time);
  const rel = new Intl.RelativeTimeFormat(locale, { numeric: "always" }).format(minutes, "minute");
  return (
    <p class="expiry">
      <time datetime={new Date(props.expiresAt).toISOString()}>{minutes < 1 ? t.soon(at) : t.expires(rel, at)}</time>
    </p>
  );
};
