import type { Context } from "hono";
import { decision } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import { currentIdentity } from "../identity";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/**
 * POST /device/confirm: the user says this is their device (RFC 8628 §5.4). A browser
 * already signed in goes straight to consent; behind Cloudflare Access there is no form,
 * so a missing or invalid Access token ends here.
 */
export async function confirm(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { flowId } = form;
  const flow = await requireStep(c, form, "confirm");
  const identity = await currentIdentity(c);
  if (identity) {
    await c.var.services.flows.save(flowId, { ...flow, step: "consent", identity });
  } else if (c.var.services.authenticator.mode === "header") {
    throw new PageError("signin_required", "no valid Cloudflare Access token");
  } else {
    await c.var.services.flows.save(flowId, { ...flow, step: "sign_in" });
  }
  decision(c, identity ? "confirmed_signed_in" : "confirmed", { authlete: false });
  return c.redirect("/device", 303);
}
