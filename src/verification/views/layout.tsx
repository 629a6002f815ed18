import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { type Copy, LOCALES, type Locale } from "../locale";
import type { Theme } from "../theme";
import { stylesheet } from "./style";

/** What every page needs from the request. */
export interface Frame {
  locale: Locale;
  theme: Theme;
  nonce: string;
  /** The browser's IANA time zone from `request.cf`, or null (times are then shown in UTC, said so). */
  timeZone: string | null;
}

const copy: Copy<{ language: string; error: string }> = {
  en: { language: "Language", error: "Error: " },
  ja: { language: "言語", error: "エラー: " },
};

const LANGUAGE_NAMES: Record<Locale, string> = { en: "English", ja: "日本語" };

/** A device glyph in the accent colour, inline so the default page loads nothing. */
const DefaultLogo = () => (
  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <rect x="2" y="4" width="20" height="13" rx="2" fill="var(--accent)" />
    <rect x="8" y="19" width="8" height="2" rx="1" fill="var(--accent)" />
  </svg>
);

/**
 * `error`: the page shows a field error, so the title says so first (what a screen reader announces on load).
 * `refresh`: a same-page handoff to an upstream sign-in (views/handoff.tsx).
 */
export const Layout = (props: { f: Frame; title: string; error?: boolean | undefined; children: Child; refresh?: string }) => {
  const { f } = props;
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={f.locale}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          {props.refresh && <meta http-equiv="refresh" content={`0;url=${props.refresh}`} />}
          <title>{`${props.error ? copy[f.locale].error : ""}${props.title} – ${f.theme.productName}`}</title>
          <style nonce={f.nonce}>{stylesheet(f.theme)}</style>
        </head>
        <body>
          <header class="top">
            <span class="brand">
              {f.theme.logoUrl ? <img src={f.theme.logoUrl} alt="" width="28" height="28" /> : <DefaultLogo />}
              <span>{f.theme.productName}</span>
            </span>
            {/* A plain link: switching language works without JavaScript and keeps the flow. */}
            <nav class="lang" aria-label={copy[f.locale].language}>
              {LOCALES.map((l) =>
                l === f.locale ? (
                  <span aria-current="true" lang={l}>
                    {LANGUAGE_NAMES[l]}
                  </span>
                ) : (
                  <a href={`/device?ui_locales=${l}`} lang={l} hreflang={l}>
                    {LANGUAGE_NAMES[l]}
                  </a>
                ),
              )}
            </nav>
          </header>
          <main>
            <div class="card">{props.children}</div>
          </main>
        </body>
      </html>
    </>
  );
};

/**
 * A page's heading that takes focus when the page loads (confirm, consent, done): a screen
 * reader starts reading there and the next Tab goes to the first control. No script: autofocus
 * on an element made focusable by tabindex=-1.
 */
export const FocusHeading = (props: { children: Child }) => (
  <h1 tabindex={-1} autofocus>
    {props.children}
  </h1>
);

/** The CSRF token every form carries (see verification/form.ts). */
export const Csrf = (props: { token: string }) => <input type="hidden" name="csrf" value={props.token} />;
