// The device side of RFC 8628 with openid-client: small enough to copy into a device.
// Discovery → device authorization → polling (openid-client honours `interval` and
// `slow_down` itself) → one of four outcomes. No protocol logic is re-implemented here: with
// DPoP, openid-client proves the key on the polls and jose signs the one proof it does not send.
import { exportJWK, SignJWT } from "jose";
import * as oidc from "openid-client";

/** @typedef {{ status: "approved", tokens: import("openid-client").TokenEndpointResponse }
 *  | { status: "denied", description?: string }
 *  | { status: "expired" }
 *  | { status: "error", message: string }} Outcome */

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A fresh DPoP key for this device (RFC 9449), to pass to `connect` and `waitForApproval`: the
 * device authorization request carries a proof of it, so a server that binds device codes to a
 * key (draft-parecki-oauth-dpop-device-flow) binds this one, and every poll proves it, so the
 * tokens are bound to it too. A real device keeps its key for as long as it keeps its tokens.
 */
export const dpopKey = () => oidc.randomDPoPKeyPair("ES256");

/**
 * Reads the server's metadata (OpenID discovery, then RFC 8414). Plain http is accepted
 * for a loopback server only, so a typo cannot send codes over the network in clear.
 * @param {{ server: string, clientId: string, fetch?: typeof fetch, dpop?: CryptoKeyPair }} options
 */
export async function connect({ server, clientId, fetch: send = fetch, dpop }) {
  const url = new URL(server);
  const insecure = url.protocol === "http:";
  if (insecure && !LOOPBACK.has(url.hostname)) throw new Error(`Refusing plain http to ${url.host}: use https (http is allowed for 127.0.0.1/localhost only).`);
  /** Known once the metadata is read: where the device authorization request goes. */
  let deviceEndpoint = "";
  /** @type {import("openid-client").DiscoveryRequestOptions} */
  const options = {
    execute: insecure ? [oidc.allowInsecureRequests] : [],
    // openid-client proves the key on token requests only; the device authorization request's
    // proof (the draft's binding) is added here. The WHATWG fetch accepts everything
    // openid-client sends; only the two libraries' typings differ.
    [oidc.customFetch]: /** @type {import("openid-client").CustomFetch} */ (
      async (target, options) => {
        const init = /** @type {RequestInit} */ (options);
        if (!dpop || init.method !== "POST" || target !== deviceEndpoint) return send(target, init);
        const headers = new Headers(init.headers);
        headers.set("DPoP", await dpopProof(dpop, "POST", target));
        return send(target, { ...init, headers });
      }
    ),
  };
  const config = await oidc.discovery(url, clientId, undefined, oidc.None(), options);
  deviceEndpoint = config.serverMetadata().device_authorization_endpoint ?? "";
  return config;
}

/**
 * A DPoP proof (RFC 9449 §4.2) of `keyPair` (ES256) for one request, signed with jose.
 * @param {CryptoKeyPair} keyPair @param {string} htm @param {string} htu
 */
export async function dpopProof(keyPair, htm, htu) {
  const jwk = await exportJWK(keyPair.publicKey);
  return new SignJWT({ htm, htu, jti: crypto.randomUUID() })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } })
    .setIssuedAt()
    .sign(keyPair.privateKey);
}

/** @param {import("openid-client").Configuration} config @param {string} scope */
export function authorize(config, scope) {
  return oidc.initiateDeviceAuthorization(config, scope ? { scope } : {});
}

/**
 * Polls until the user decides or the code expires.
 * @param {import("openid-client").Configuration} config
 * @param {import("openid-client").DeviceAuthorizationResponse} authorization
 * @param {{ signal?: AbortSignal, dpop?: CryptoKeyPair }} [options] `dpop`: the key given to `connect`, proved on every poll
 * @returns {Promise<Outcome>}
 */
export async function waitForApproval(config, authorization, { signal, dpop } = {}) {
  // openid-client keeps polling until the server says expired_token; the local deadline
  // is the backstop for a server that never does.
  const deadline = AbortSignal.timeout((authorization.expires_in + 5) * 1000);
  const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, authorization, undefined, {
      signal: both,
      ...(dpop ? { DPoP: oidc.getDPoPHandle(config, dpop) } : {}),
    });
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
