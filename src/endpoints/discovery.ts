import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { JSON_TYPE } from "../http/oauth-error";

/**
 * RFC 8414 / OpenID Discovery → Authlete /service/configuration (§7.2), relayed as is
 * and kept in the edge cache: metadata changes rarely and every device fetches it.
 */
export async function discovery(c: Context<AppEnv>): Promise<Response> {
  const seconds = c.var.config.discoveryCacheSeconds;
  const headers = {
    "Content-Type": JSON_TYPE,
    "Cache-Control": seconds > 0 ? `public, max-age=${seconds}` : "no-store",
    // Public metadata; browser-based clients read it cross-origin.
    "Access-Control-Allow-Origin": "*",
  };
  // Both well-known paths serve the same document, so they share one cache entry.
  const key = new Request(new URL("/.well-known/openid-configuration", c.req.url).toString());
  const cache = seconds > 0 ? await caches.open("discovery") : undefined;
  const hit = await cache?.match(key);
  if (hit) return new Response(hit.body, { headers });
  const doc = await c.var.authlete.serviceConfiguration();
  const res = new Response(doc, { headers });
  if (cache) c.executionCtx.waitUntil(cache.put(key, res.clone()));
  return res;
}
