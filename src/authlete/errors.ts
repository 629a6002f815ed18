import { clientText, log } from "../log";

/**
 * Why an Authlete call produced no protocol outcome. Each kind maps to one class of
 * answer to our own caller (http/upstream-error.ts, verification/on-error.tsx); `resultCode`
 * is for the log only.
 */
export type AuthleteFailureKind =
  | "timeout" // no answer within AUTHLETE_TIMEOUT_MS
  | "network" // connection refused, reset, DNS...
  | "rejected" // Authlete answered 4xx: our credentials or call are wrong
  | "unavailable" // Authlete answered 5xx/429
  | "malformed" // 2xx but not the JSON we expect
  | "unknown_action"; // a well-formed answer with an action we do not handle (fail closed)

export class AuthleteError extends Error {
  override name = "AuthleteError";
  constructor(
    readonly kind: AuthleteFailureKind,
    readonly api: string,
    message: string,
    readonly status?: number,
    readonly resultCode?: string,
  ) {
    super(message);
  }

  /** Worth a "try again": Authlete or the way to it is down, not our call. */
  get transient(): boolean {
    return this.kind === "timeout" || this.kind === "network" || this.kind === "unavailable";
  }
}

export function unknownAction(api: string, action: string): AuthleteError {
  // Whatever Authlete (or whoever answered in its place) sent: bounded before it reaches a log line.
  return new AuthleteError("unknown_action", api, `unhandled action "${clientText(action)}"`);
}

/** The one log line of an Authlete failure, whichever route (JSON or page) it ends. */
export function logAuthleteFailure(err: AuthleteError, route: string, requestId: string): void {
  log("error", "authlete_failure", { route, requestId, api: err.api, kind: err.kind, status: err.status, resultCode: err.resultCode, detail: err.message });
}
