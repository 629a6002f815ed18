/**
 * Everything that can go wrong on the verification page, as the user should hear it.
 * Each kind renders the one error template (views/error.tsx) with a fixed, safe message;
 * `detail` is for the log only.
 */
export type PageErrorKind =
  | "expired" // the code expired before the user finished
  | "used" // the code was already used, or cancelled on the device
  | "aborted" // we could not finish and retrying as is will not help
  | "rate_limited"
  | "unavailable" // Authlete, our storage, an upstream OpenID provider or Cloudflare Access's certificates are down (or malformed): try again
  | "forbidden" // CSRF check failed
  | "out_of_step" // a form from an earlier or later step, or no flow at all
  | "signin_required" // Cloudflare Access did not vouch for the user
  | "login_state" // an OpenID callback without its login state: missing, changed, expired, another flow's, or replayed
  | "login_rejected" // the provider's answer failed validation (ID token, code exchange, subject) or it refused the sign-in
  | "undo_closed"; // "That wasn't me" after its window, or with nothing left to undo

export const STATUS: Record<PageErrorKind, number> = {
  expired: 410,
  used: 410,
  aborted: 500,
  rate_limited: 429,
  unavailable: 503,
  forbidden: 403,
  out_of_step: 409,
  signin_required: 401,
  login_state: 400,
  login_rejected: 502,
  undo_closed: 410,
};

export interface PageErrorOptions {
  /** Seconds, for 429 and 503. */
  retryAfter?: number;
  /** For 429: what is paused, so the page can say so. */
  paused?: "code_entry" | "sign_in";
  /** Whether Authlete was asked before this went wrong (for the decision log). */
  authlete?: boolean;
}

export class PageError extends Error {
  override name = "PageError";
  constructor(
    readonly kind: PageErrorKind,
    readonly detail?: string,
    readonly options: PageErrorOptions = {},
  ) {
    super(detail ?? kind);
  }
}
