/** Headers on every token-endpoint-style answer (RFC 6749 §5.1, RFC 8628 §3.2). */
export const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

export const JSON_TYPE = "application/json;charset=UTF-8";

/** An OAuth error body (RFC 6749 §5.2) produced by this server itself. */
export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { "Content-Type": JSON_TYPE, ...NO_STORE, ...headers },
  });
}

/** Relays Authlete's `responseContent` byte for byte (§10.2): never parsed and re-serialised. */
export function relay(status: number, body: string | null | undefined, headers: Record<string, string> = {}): Response {
  return new Response(body ?? "", { status, headers: { "Content-Type": JSON_TYPE, ...NO_STORE, ...headers } });
}
