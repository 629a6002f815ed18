import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { AuthleteClient } from "../authlete/client";
import { JSON_TYPE } from "../http/oauth-errors";

/**
 * Public metadata relayed from Authlete as is and kept in the edge cache for
 * DISCOVERY_CACHE_SECONDS: it changes rarely and every device fetches it.
 */
function cachedDocument(cacheKey: string, fetchDoc: (authlete: AuthleteClient) => Promise<string>) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const seconds = c.var.services.config.discoveryCacheSeconds;
    const headers = {
      "Content-Type": JSON_TYPE,
      "Cache-Control": seconds > 0 ? `public, max-age=${seconds}` : "no-store",
      // Public metadata; browser-based clients read it cross-origin.
      "Access-Control-Allow-Origin": "*",
    };
    const key = new Request(new URL(cacheKey, c.req.url).toString());
    const cache = seconds > 0 ? await caches.open("metadata") : undefined;
    const hit = await cache?.match(key);
    if (hit) return new Response(hit.body, { headers });
    const res = new Response(await fetchDoc(c.var.services.authlete), { headers });
    if (cache) c.executionCtx.waitUntil(cache.put(key, res.clone()));
    return res;
  };
}

/** RFC 8414 / OpenID Discovery → /service/configuration (docs/authlete-api.md §7.2). Both well-known paths share one cache entry. */
export const discovery = cachedDocument("/.well-known/openid-configuration", (a) => a.serviceConfiguration());

/** The keys ID tokens are signed with → /service/jwks/get. */
export const jwks = cachedDocument("/jwks", (a) => a.serviceJwks());
