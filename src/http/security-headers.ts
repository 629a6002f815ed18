import { createMiddleware } from "hono/factory";
import { randomToken } from "../crypto";

/**
 * Headers on every answer, JSON and HTML alike, error pages and redirects included, which is
 * why this runs first and writes after everything else. The only resource a page may load is
 * its own nonce'd <style> and, if configured, the logo (`imageOrigin`, set by the page);
 * nothing may frame anything (RFC 9700, clickjacking), and no URL holding a user code leaks
 * through Referer (RFC 9700, credential leakage via Referer headers), and nothing is ever
 * fetched over plain HTTP once a browser has seen the host (HSTS). Answers that chose their
 * own caching (discovery) keep it; everything else is no-store.
 */
export const securityHeaders = createMiddleware<{ Variables: { nonce: string; imageOrigin?: string } }>(async (c, next) => {
  const nonce = randomToken(16);
  c.set("nonce", nonce);
  await next();
  const h = c.res.headers;
  h.set(
    "Content-Security-Policy",
    [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `img-src ${c.get("imageOrigin") ?? "'none'"}`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
  );
  h.set("X-Frame-Options", "DENY");
  h.set("Referrer-Policy", "no-referrer");
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Cross-Origin-Opener-Policy", "same-origin");
  // HTTPS only, for a year. Not includeSubDomains: the operator's other hosts are theirs to decide.
  h.set("Strict-Transport-Security", "max-age=31536000");
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
});
