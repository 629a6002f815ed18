// The service credentials that guard every API (§1), by the version of the path.
import { type ApiResult, apiFailure } from "./errors";
import type { ServiceSettings } from "./types";

/** Which version a path is (§1): v3 paths carry the service ID, which the credentials must match. */
export interface Route {
  version: 2 | 3;
  /** The {serviceId} segment of a v3 path. */
  serviceId: string | null;
}

function decodeBasic(value: string): { user: string; pass: string } | null {
  try {
    const decoded = atob(value.trim());
    const i = decoded.indexOf(":");
    if (i < 0) return null;
    return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
  } catch {
    return null;
  }
}

/**
 * [U] §2.2/§12.5: Authlete's codes for wrong credentials and for a body that is not JSON are
 * not documented. Placeholders: the Worker only logs a resultCode, it never branches on one.
 */
export const WRONG_CREDENTIALS_CODE = "A001203";
export const INVALID_JSON_CODE = "A001206";

/**
 * Returns the 401/403 failure, or null when the caller may use the API. `owner`: the v2 API
 * is account-level and needs the service owner's key and secret (§13.1); v3 has one Bearer
 * token for everything.
 */
export function checkApiCredentials(route: Route, api: string, authorization: string | null, svc: ServiceSettings, owner = false): ApiResult | null {
  if (authorization === null || authorization.trim() === "") {
    return apiFailure(401, "A001202", api, "Authorization header is missing.");
  }
  const m = /^(\S+)\s+(.*)$/.exec(authorization.trim());
  const scheme = m?.[1]?.toLowerCase() ?? "";
  const value = m?.[2]?.trim() ?? "";
  const wrong = (text: string) => apiFailure(401, WRONG_CREDENTIALS_CODE, api, text);

  if (route.version === 2) {
    // [U] §1.1: whether v2 also takes a Bearer token is unknown; the Worker always sends Basic.
    if (scheme !== "basic") return wrong("The API requires an API key and an API secret (Basic authentication).");
    const cred = decodeBasic(value);
    if (cred === null) return wrong("The Authorization header is malformed.");
    if (owner) {
      if (cred.user === svc.serviceOwnerApiKey && cred.pass === svc.serviceOwnerApiSecret) return null;
      return wrong("The API requires the API key and the API secret of the service owner.");
    }
    if (cred.user !== svc.apiKey || cred.pass !== svc.apiSecret) return wrong("The API key or the API secret is wrong.");
    return null;
  }

  if (scheme !== "bearer") return wrong("The API requires an access token (Bearer), not a key and a secret.");
  if (value !== svc.accessToken) return wrong("The access token is invalid or has expired.");
  if (route.serviceId !== String(svc.serviceId)) {
    // [U] §2.2/§12.5: status for a token used on another service's path; option wrongServiceIdStatus.
    return apiFailure(svc.wrongServiceIdStatus, "A001216", api, `The access token does not have permission for the service (ID = ${route.serviceId}).`);
  }
  return null;
}
