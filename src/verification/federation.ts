import type { FederationError } from "../auth/federation-error";
import { clientText } from "../log";
import { PageError } from "./page-error";

/** How the page answers a provider's failure; the log gets the provider and oauth4webapi's reason, the person a fixed message. */
export function pageErrorOf(err: FederationError, provider: string): PageError {
  // The reason quotes what the provider sent (its error, a claim it got wrong): bounded like any outside text.
  const detail = `${provider}: ${clientText(err.reason, 300)}`;
  return err.failure === "unavailable" ? new PageError("unavailable", detail, { retryAfter: 5 }) : new PageError("login_rejected", detail);
}
