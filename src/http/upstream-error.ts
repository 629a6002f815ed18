import { type AuthleteError, logAuthleteFailure } from "../authlete/errors";
import { serverError, temporarilyUnavailable } from "./oauth-errors";

/**
 * The one place an Authlete infrastructure failure becomes a JSON answer. The client gets a
 * generic OAuth error of the right class; the cause (and Authlete's resultCode) goes to the
 * log once.
 */
export function upstreamFailure(err: AuthleteError, route: string, requestId: string): Response {
  logAuthleteFailure(err, route, requestId);
  switch (err.kind) {
    case "timeout":
      return temporarilyUnavailable(504, "The authorization service did not answer in time. Try again shortly.");
    case "network":
    case "unavailable":
      return temporarilyUnavailable(503, "The authorization service is temporarily unavailable. Try again shortly.");
    case "malformed":
      return serverError(502, "The authorization service returned an invalid response.");
    case "rejected":
    case "unknown_action":
      return serverError();
  }
}
