import type { Context } from "hono";
import { normalizeUsername } from "../../auth/password";
import { clientIp } from "../../http/client-ip";
import { enforce } from "../budgets";
import { decision } from "../decision";
import { requireStep } from "../flow-guard";
import { csrfToken, readPageForm } from "../form";
import { frame } from "../frame";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { signedIn } from "../signed-in";
import { type SignInError, SignInPage } from "../views/sign-in";

/** POST /device/sign-in: built-in users only (Access never reaches the sign_in step; providers' buttons post elsewhere). */
export async function signIn(c: Context<PageEnv>): Promise<Response> {
  const { params, flowId } = await readPageForm(c);
  if (!c.var.services.authenticator.passwords) throw new PageError("out_of_step", "no built-in users to sign in as");
  const flow = await requireStep(c, flowId, "sign_in");
  const username = (params.get("username") ?? "").trim();
  const password = params.get("password") ?? "";
  const again = async (error: SignInError, status: 400 | 401) =>
    c.html(
      <SignInPage
        f={frame(c)}
        csrf={await csrfToken(c.var.services.keyed, flowId)}
        clientName={flow.clientName}
        providers={c.var.services.authenticator.federation?.providers ?? []}
        passwords
        username={username.slice(0, 100)}
        error={error}
      />,
      status,
    );
  if (!username || !password) return again("missing", 400);

  const { budgets, authenticator } = c.var.services;
  const buckets = budgets.signIn(clientIp(c), normalizeUsername(username));
  await enforce(budgets, buckets);
  const identity = await authenticator.fromCredentials(username, password);
  if (!identity) {
    await budgets.failed(buckets);
    decision(c, "sign_in_failed", { authlete: false });
    return again("failed", 401);
  }
  await signedIn(c, flowId, flow, identity);
  decision(c, "signed_in", { authlete: false });
  return c.redirect("/device", 303);
}
