import { createMiddleware } from "hono/factory";
import { resolveLocale } from "./locale";
import type { PageEnv } from "./page-env";

function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/**
 * Headers on every /device response, error pages and redirects included, which is why this
 * runs first and writes after everything else. The only resource a page loads is its own
 * nonce'd <style> and, if configured, the logo; nothing may frame it (RFC 9700, clickjacking),
 * and no URL holding a user code leaks through Referer or a cache (RFC 9700, credential
 * leakage via Referer headers and browser history).
 */
export const pageHeaders = createMiddleware<PageEnv>(async (c, next) => {
  const nonce = newNonce();
  c.set("nonce", nonce);
  c.set("locale", resolveLocale(c));
  await next();
  const logo = c.var.page?.theme.logoUrl;
  const h = c.res.headers;
  h.set(
    "Content-Security-Policy",
    [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `img-src ${logo ? new URL(logo).origin : "'none'"}`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
  );
  h.set("X-Frame-Options", "DENY");
  h.set("Referrer-Policy", "no-referrer");
  h.set("Cache-Control", "no-store");
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Cross-Origin-Opener-Policy", "same-origin");
});
