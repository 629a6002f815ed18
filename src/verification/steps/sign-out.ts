import type { Context } from "hono";
import { clearSignInCookie, readSignInId } from "../cookies";
import { decision } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/** POST /device/sign-out ("Use another account" on consent): forget the signed-in browser, back to the sign-in form. */
export async function signOut(c: Context<PageEnv>): Promise<Response> {
  const { flowId } = await readPageForm(c);
  if (c.var.services.authenticator.mode !== "form") throw new PageError("out_of_step", "sign-out is managed by Cloudflare Access");
  const flow = await requireStep(c, flowId, "consent");
  const sessionId = readSignInId(c);
  if (sessionId) await c.var.services.signIns.remove(sessionId);
  clearSignInCookie(c);
  const { identity: _forgotten, ...rest } = flow;
  await c.var.services.flows.save(flowId, { ...rest, step: "sign_in" });
  decision(c, "signed_out", { authlete: false });
  return c.redirect("/device", 303);
}
