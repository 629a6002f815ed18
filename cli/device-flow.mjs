// The device side of RFC 8628 with openid-client: small enough to copy into a device.
// Discovery → device authorization → polling (openid-client honours `interval` and
// `slow_down` itself) → one of four outcomes. No protocol logic is re-implemented here.
import * as oidc from "openid-client";

/** @typedef {{ status: "approved", tokens: import("openid-client").TokenEndpointResponse }
 *  | { status: "denied", description?: string }
 *  | { status: "expired" }
 *  | { status: "error", message: string }} Outcome */

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Reads the server's metadata (OpenID discovery, then RFC 8414). Plain http is accepted
 * for a loopback server only, so a typo cannot send codes over the network in clear.
 * @param {{ server: string, clientId: string, fetch?: typeof fetch }} options
 */
export async function connect({ server, clientId, fetch: customFetch }) {
  const url = new URL(server);
  const insecure = url.protocol === "http:";
  if (insecure && !LOOPBACK.has(url.hostname)) throw new Error(`Refusing plain http to ${url.host}: use https (http is allowed for 127.0.0.1/localhost only).`);
  /** @type {import("openid-client").DiscoveryRequestOptions} */
  const options = { execute: insecure ? [oidc.allowInsecureRequests] : [] };
  // The WHATWG fetch accepts everything openid-client sends; only the two libraries' typings differ.
  if (customFetch) options[oidc.customFetch] = /** @type {import("openid-client").CustomFetch} */ (customFetch);
  return oidc.discovery(url, clientId, undefined, oidc.None(), options);
}

/** @param {import("openid-client").Configuration} config @param {string} scope */
export function authorize(config, scope) {
  return oidc.initiateDeviceAuthorization(config, scope ? { scope } : {});
}

/**
 * Polls until the user decides or the code expires.
 * @param {import("openid-client").Configuration} config
 * @param {import("openid-client").DeviceAuthorizationResponse} authorization
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<Outcome>}
 */
export async function waitForApproval(config, authorization, { signal } = {}) {
  // openid-client keeps polling until the server says expired_token; the local deadline
  // is the backstop for a server that never does.
  const deadline = AbortSignal.timeout((authorization.expires_in + 5) * 1000);
  const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, authorization, undefined, { signal: both });
    return { status: "approved", tokens };
  } catch (err) {
    if (signal?.aborted) throw err;
    if (deadline.aborted) return { status: "expired" };
    return classify(err);
  }
}

/** @returns {Outcome} */
export function classify(err) {
  if (err instanceof oidc.ResponseBodyError) {
    if (err.error === "access_denied") return { status: "denied", description: err.error_description };
    if (err.error === "expired_token") return { status: "expired" };
    return { status: "error", message: `${err.error}${err.error_description ? `: ${err.error_description}` : ""} (HTTP ${err.status})` };
  }
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return { status: "error", message: `${err instanceof Error ? err.message : String(err)}${cause}` };
}
