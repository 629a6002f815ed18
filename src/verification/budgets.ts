import type { Bucket, PageBudgets } from "../protection/budgets";
import { PageError } from "./page-error";

/** Refuses before any work once a bucket is spent: a 429 page with the time to wait. */
export async function enforce(budgets: PageBudgets, buckets: Bucket[]): Promise<void> {
  const spent = await budgets.spent(buckets);
  if (spent) throw new PageError("rate_limited", spent.limits.join(","), { retryAfter: spent.retryAfter });
}
