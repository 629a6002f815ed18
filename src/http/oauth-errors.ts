/** Headers on every token-endpoint-style answer (RFC 6749 §5.1, RFC 8628 §3.2). */
export const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

export const JSON_TYPE = "application/json;charset=UTF-8";

type Headers = Record<string, string>;

/**
 * An OAuth error body (RFC 6749 §5.2) produced by this server itself. Extra members (the
 * `interval` of slow_down) follow the two standard ones.
 */
export function oauthError(status: number, error: string, description: string, headers: Headers = {}, extra: Record<string, unknown> = {}): Response {
  return new Response(JSON.stringify({ error, error_description: description, ...extra }), {
    status,
    headers: { "Content-Type": JSON_TYPE, ...NO_STORE, ...headers },
  });
}

/** Relays Authlete's `responseContent` byte for byte (docs/authlete-api.md §10.2): never parsed and re-serialised. */
export function relay(status: number, body: string | null | undefined, headers: Headers = {}): Response {
  return new Response(body ?? "", { status, headers: { "Content-Type": JSON_TYPE, ...NO_STORE, ...headers } });
}

// ------------------------------------------------------------ the answers this server makes itself

/** RFC 8628 §3.5, answered at the edge; the new interval is an extra member for clients that read it. */
export const slowDown = (interval: number) =>
  oauthError(400, "slow_down", `Polling too fast: wait at least ${interval} seconds between requests.`, {}, { interval });

/**
 * RFC 8628 §3.5, answered at the edge for an undecided grant (protection/polling.ts) with the
 * status and headers Authlete's own answer has when this Worker relays it (400, JSON, no-store).
 * `authlete` is the body of such an answer seen earlier (the service's own wording, result
 * code and URI), replayed byte for byte; until one has been seen, a body of our own.
 */
export const authorizationPending = (authlete: string | null) =>
  authlete === null ? oauthError(400, "authorization_pending", "The end-user has not completed the authorization yet.") : relay(400, authlete);

/**
 * RFC 9449 §5: a token request whose DPoP proof is invalid gets the token endpoint's error shape
 * of RFC 6749 §5.2 (400, JSON) with `invalid_dpop_proof`; `WWW-Authenticate` belongs to a
 * resource server's 401 (§7.1), not to this answer. The device authorization endpoint answers the
 * same way (draft-parecki-oauth-dpop-device-flow, "Device Authorization Request").
 */
export const invalidDpopProof = (description: string) => oauthError(400, "invalid_dpop_proof", description);

/**
 * What the device hears at its next poll (`error_description`), whichever way the request was
 * refused: RFC 8628's own words for `access_denied`. One sentence for every reason, because the
 * device may be a phishing kit, and "reported" or "another country" would tell it what to change
 * (send codes to someone else, rent an address in the victim's country) before the next victim.
 */
export const DENIED_DESCRIPTION = "The authorization request was denied.";

/**
 * RFC 8628 §3.5 `access_denied`, answered at the edge for an approval the person undid ("That
 * wasn't me", protection/polling.ts): Authlete still holds the approval and would issue tokens.
 */
export const approvalWithdrawn = () => oauthError(400, "access_denied", DENIED_DESCRIPTION);

export const tooManyRequests = (retryAfter: number) =>
  oauthError(429, "invalid_request", `Too many requests. Try again in ${retryAfter} seconds.`, { "Retry-After": String(retryAfter) });

export const unsupportedGrantType = (headers: Headers = {}) =>
  oauthError(400, "unsupported_grant_type", "This grant type is not supported by this server.", headers);

/** RFC 6749 §5.2: 401 with a challenge for the realm the client tried. */
export const invalidClient = (realm: string, description: string) =>
  oauthError(401, "invalid_client", description, { "WWW-Authenticate": `Basic realm="${realm}"` });

export const invalidRequest = (description: string, status = 400) => oauthError(status, "invalid_request", description);

export const methodNotAllowed = (method: string, allowed: string[]) =>
  oauthError(405, "invalid_request", `Method ${method} is not allowed here; use ${allowed.join(" or ")}.`, { Allow: allowed.join(", ") });

export const notFound = () =>
  new Response(JSON.stringify({ error: "not_found", error_description: "No such endpoint." }), { status: 404, headers: { "Content-Type": JSON_TYPE } });

export const serverError = (status = 500, description = "The server could not process the request.") => oauthError(status, "server_error", description);

export const temporarilyUnavailable = (status: 503 | 504, description: string) =>
  oauthError(status, "temporarily_unavailable", description, { "Retry-After": "5" });
