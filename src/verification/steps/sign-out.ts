import type { Context } from "hono";
import { clearSignInCookie, readSignInId } from "../cookies";
import { decision } from "../decision";
import { loadFlow, requireStep } from "../flow-guard";
import { expectShows, readPageForm } from "../form";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/**
 * POST /device/sign-out: forget the signed-in browser. From consent ("Use another account")
 * the flow goes back to the sign-in form; from the done page there is no flow left, and the
 * enter-code page follows.
 */
export async function signOut(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { authenticator, signIns, flows } = c.var.services;
  if (authenticator.mode !== "form") throw new PageError("out_of_step", "sign-out is managed by Cloudflare Access");
  const current = await loadFlow(c, form.flowId);
  const flow = current && current.step !== "ended" ? await requireStep(c, form, "consent") : null;
  if (!flow) await expectShows(c, form, "ended");
  const sessionId = readSignInId(c);
  if (sessionId) await signIns.remove(sessionId);
  clearSignInCookie(c);
  if (flow) {
    const { identity: _forgotten, ...rest } = flow;
    await flows.save(form.flowId, { ...rest, step: "sign_in" });
  }
  decision(c, "signed_out", { authlete: false });
  return c.redirect("/device", 303);
}
