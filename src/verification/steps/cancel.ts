import type { Context } from "hono";
import { complete, denial } from "../complete";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";

/**
 * POST /device/cancel (confirm and sign-in pages, and Deny on the stronger warning): the
 * person says no, and Authlete hears it (ACCESS_DENIED), so the device learns at its next
 * poll instead of waiting for its code to expire. Only a browser that has just entered this
 * code can do it: the code was valid at Authlete, the entry counted against the guessing
 * budgets, and the form is bound to this flow and code. Someone who merely learns a code
 * could thereby end someone else's request; that is the safe direction (the owner starts
 * again on the device), while a phishing code sent to many people must die at its first
 * refusal rather than wait for the next person who does not refuse. Sign-in's Cancel comes
 * after the same confirm step, so it denies too.
 */
export async function cancel(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const flow = await requireStep(c, form, "confirm", "sign_in");
  return complete(c, form.flowId, flow, denial(flow, "cancelled"), { outcome: "cancelled", clientName: flow.clientName });
}
