import type { Context } from "hono";
import { normalizeUsername } from "../../config";
import { clientIp } from "../../http/client-ip";
import { fewLeft, holding, refuseIfSpent } from "../budgets";
import { decision } from "../decision";
import { knownDevice, rememberDevice } from "../device-cookie";
import { requireStep } from "../flow-guard";
import { csrfToken, readPageForm, showsFor } from "../form";
import { frame } from "../frame";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { signedIn } from "../signed-in";
import { type SignInError, SignInPage } from "../views/sign-in";

/** POST /device/sign-in: built-in users only (Access never reaches the sign_in step; providers' buttons post elsewhere). */
export async function signIn(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { params, flowId } = form;
  if (!c.var.services.authenticator.passwords) throw new PageError("out_of_step", "no built-in users to sign in as");
  const flow = await requireStep(c, form, "sign_in");
  const username = (params.get("username") ?? "").trim();
  const password = params.get("password") ?? "";
  const again = async (error: SignInError, status: 400 | 401, remaining?: number) =>
    c.html(
      <SignInPage
        f={frame(c)}
        csrf={await csrfToken(c.var.services.keyed, flowId, showsFor(flow))}
        clientName={flow.clientName}
        providers={c.var.services.authenticator.federation?.providers ?? []}
        passwords
        username={username.slice(0, 100)}
        error={error}
        remaining={remaining}
      />,
      status,
    );
  if (!username || !password) return again("missing", 400);

  const { budgets, authenticator, keyed, now } = c.var.services;
  const user = normalizeUsername(username);
  // A browser that has signed in as this user before is budgeted by its device cookie alone, so strangers cannot lock it out.
  const device = await knownDevice(c, keyed, user, now());
  const attempt = device ? await budgets.signInKnown(user, device) : await budgets.signIn(clientIp(c), user);
  refuseIfSpent(attempt, "sign_in");
  const identity = await holding(attempt, () => authenticator.fromCredentials(username, password));
  if (!identity) {
    await attempt.failed();
    decision(c, "sign_in_failed", { authlete: false, knownDevice: Boolean(device) });
    return again("failed", 401, fewLeft(attempt));
  }
  await attempt.succeeded();
  await signedIn(c, flowId, flow, identity);
  await rememberDevice(c, keyed, user, now());
  decision(c, "signed_in", { authlete: false });
  return c.redirect("/device", 303);
}
