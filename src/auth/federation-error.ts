/**
 * Why a sign-in at an upstream provider did not produce an identity, as the page must react:
 * - `unavailable`: the provider could not be reached, answered 5xx, timed out, or its discovery
 *   document is malformed (a retry may help);
 * - `cancelled`: the person declined or cancelled at the provider (`error=access_denied`);
 * - `rejected`: the provider's answer cannot be trusted or used (an ID token that fails
 *   validation, a refused code exchange, an unusable subject, any other `error=`).
 * `reason` is for the log: oauth4webapi's error code and message, never a value from a token.
 */
export type FederationFailure = "unavailable" | "cancelled" | "rejected";

export class FederationError extends Error {
  override name = "FederationError";
  constructor(
    readonly failure: FederationFailure,
    readonly reason: string,
  ) {
    super(`${failure}: ${reason}`);
  }
}
