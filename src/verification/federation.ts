import type { FederationError } from "../auth/federation-error";
import { PageError } from "./page-error";

/** How the page answers a provider's failure; the log gets the provider and oauth4webapi's reason, the person a fixed message. */
export function pageErrorOf(err: FederationError, provider: string): PageError {
  const detail = `${provider}: ${err.reason}`;
  return err.failure === "unavailable" ? new PageError("unavailable", detail, { retryAfter: 5 }) : new PageError("login_rejected", detail);
}
