import type { Attempt } from "../protection/budgets";
import { PageError } from "./page-error";

/** A spent budget ends the request here: a 429 page with the time it ends, and no work done. */
export function refuseIfSpent(attempt: Attempt, paused: "code_entry" | "sign_in"): void {
  if (attempt.refused) throw new PageError("rate_limited", attempt.refused.limits.join(","), { retryAfter: attempt.refused.retryAfter, paused });
}

/** Attempts left are shown once they are this few (Attempt.remaining, after a failure). */
export const FEW_ATTEMPTS = 3;

export const fewLeft = (attempt: Attempt): number | undefined => (attempt.remaining <= FEW_ATTEMPTS ? attempt.remaining : undefined);

/** Runs `work` with the attempt's places held; a failure that is not the guesser's (Authlete down, say) gives them back. */
export async function holding<T>(attempt: Attempt, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    await attempt.succeeded();
    throw err;
  }
}
