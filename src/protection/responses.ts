import { oauthError } from "../http/oauth-error";

/** RFC 8628 §3.5 slow_down, answered at the edge; the new interval is an extra member for clients that read it. */
export function slowDown(interval: number): Response {
  return new Response(
    JSON.stringify({ error: "slow_down", error_description: `Polling too fast: wait at least ${interval} seconds between requests.`, interval }),
    { status: 400, headers: { "Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", Pragma: "no-cache" } },
  );
}

export function tooManyRequests(retryAfter: number): Response {
  return oauthError(429, "invalid_request", `Too many requests. Try again in ${retryAfter} seconds.`, { "Retry-After": String(retryAfter) });
}
