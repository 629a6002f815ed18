import type { Context } from "hono";
import { decision } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";

/**
 * POST /device/cancel (confirm and sign-in pages): abandon the flow here, without telling
 * Authlete. Nobody has signed in yet, so nobody may record a decision on this code: a
 * denial from an anonymous visitor would let anyone who learns a code kill someone
 * else's sign-in. The device keeps polling until its code expires.
 */
export async function cancel(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const flow = await requireStep(c, form, "confirm", "sign_in");
  await c.var.services.flows.end(form.flowId, "cancelled", flow.clientName);
  decision(c, "cancelled", { authlete: false });
  return c.redirect("/device", 303);
}
