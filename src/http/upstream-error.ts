import { AuthleteError } from "../authlete/client";
import { log } from "../log";
import { oauthError } from "./oauth-error";

/**
 * The one place an Authlete infrastructure failure becomes an answer. The client gets a
 * generic OAuth error of the right class; the cause (and Authlete's resultCode) goes
 * to the log once.
 */
export function upstreamFailure(err: AuthleteError, route: string, requestId: string): Response {
  log("error", "authlete_failure", {
    route,
    requestId,
    api: err.api,
    kind: err.kind,
    status: err.status,
    resultCode: err.resultCode,
    detail: err.message,
  });
  switch (err.kind) {
    case "timeout":
      return oauthError(504, "temporarily_unavailable", "The authorization service did not answer in time. Try again shortly.", { "Retry-After": "5" });
    case "network":
    case "unavailable":
      return oauthError(503, "temporarily_unavailable", "The authorization service is temporarily unavailable. Try again shortly.", { "Retry-After": "5" });
    case "malformed":
      return oauthError(502, "server_error", "The authorization service returned an invalid response.");
    case "rejected":
    case "unknown_action":
      return oauthError(500, "server_error", "The server could not process the request.");
  }
}

export function unknownAction(api: string, action: string): AuthleteError {
  return new AuthleteError("unknown_action", api, `unhandled action "${action}"`);
}
