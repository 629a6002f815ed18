import type { Context } from "hono";
import { signInFresh } from "../../protection/client-policy";
import { setNotice } from "../cookies";
import { decision } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import { currentIdentity } from "../identity";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/**
 * POST /device/confirm: the user says this is their device (RFC 8628 §5.4). A browser
 * already signed in goes straight to consent, unless its sign-in is older than the client's
 * policy allows (`maxAuthAgeSeconds`): then it signs in again, so a signed-in browser never
 * turns a phishing link into Continue → Approve. Behind Cloudflare Access there is no form,
 * so a missing, invalid or too old Access token ends here.
 */
export async function confirm(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { flowId } = form;
  const flow = await requireStep(c, form, "confirm");
  const { authenticator, flows, now } = c.var.services;
  const signedIn = await currentIdentity(c);
  const identity = signedIn && signInFresh({ authTime: signedIn.authTime, madeHere: false }, flow.policy?.maxAuthAgeSeconds ?? null, now()) ? signedIn : null;
  if (identity) {
    await flows.save(flowId, { ...flow, step: "consent", identity, signedInHere: false });
  } else if (authenticator.mode === "header") {
    throw new PageError("signin_required", signedIn ? "the Cloudflare Access sign-in is older than maxAuthAgeSeconds" : "no valid Cloudflare Access token");
  } else {
    await flows.save(flowId, { ...flow, step: "sign_in" });
    // The form says why a signed-in browser is asked again.
    if (signedIn) setNotice(c, "sign_in_again");
  }
  decision(c, identity ? "confirmed_signed_in" : signedIn ? "confirmed_sign_in_too_old" : "confirmed", { authlete: false });
  return c.redirect("/device", 303);
}
