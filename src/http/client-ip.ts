import type { Context } from "hono";

/**
 * The client address Cloudflare saw. Never X-Forwarded-For: any client can write that
 * header, so it must not choose a rate-limit bucket or the address shown to a user.
 */
export function clientIp(c: Context): string {
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}
