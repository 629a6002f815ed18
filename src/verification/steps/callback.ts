import type { Context } from "hono";
import type { Identity } from "../../auth/authenticator";
import { FederationError } from "../../auth/federation-error";
import { constantTimeEqual } from "../../crypto";
import { clearLoginCookie, readFlowId, readLoginCookie, setNotice } from "../cookies";
import { decision } from "../decision";
import { pageErrorOf } from "../federation";
import { loadFlow } from "../flow-guard";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { signedIn } from "../signed-in";

/**
 * GET /device/callback/:provider (each provider's own redirect URI): the provider sends the
 * person back here. Any site can navigate a browser to this URL, so nothing is spent until the
 * answer has shown it belongs to this browser's sign-in: the login cookie must open (sealed by
 * us, unexpired), the path must name the provider the sign-in started at (an answer arriving at
 * another provider's address is a mix-up, RFC 9700 §4.4), and `state` must be the cookie's. A
 * stray or forged navigation fails with the cookie kept, so the real answer still completes.
 * Only then is the cookie consumed, and checked on: started by this browser's flow, never seen
 * here before (a replay fails), the flow still at sign-in; then the code is exchanged and the ID
 * token validated. Success continues exactly where password sign-in does; every answer is a
 * page or a 303 to the fixed /device.
 */
export async function callback(c: Context<PageEnv>): Promise<Response> {
  const { authenticator, logins, keyed } = c.var.services;
  const federation = authenticator.federation;
  if (!federation) return c.redirect("/device", 303);

  const sealed = readLoginCookie(c);
  if (!sealed) throw new PageError("login_state", "state_missing: no login cookie");
  const login = await logins.open(sealed);
  if (!login) {
    // Worthless to anyone: not ours, altered or expired.
    clearLoginCookie(c);
    throw new PageError("login_state", "state_invalid: not sealed by us, altered, or expired");
  }
  if (c.req.param("provider") !== login.provider)
    throw new PageError("login_state", `provider_mismatch: the answer came to another redirect URI than ${login.provider}'s, where the sign-in started`);
  if (!constantTimeEqual(c.req.query("state") ?? "", login.state)) throw new PageError("login_state", "state_mismatch");

  // This is the answer to this browser's sign-in: single use from here, whatever follows.
  clearLoginCookie(c);
  const flowId = await readFlowId(c, keyed);
  if (!flowId || !(await logins.belongsTo(login, flowId))) throw new PageError("login_state", "flow_mismatch: started by another flow");
  if (await logins.consume(login.state)) throw new PageError("login_state", "state_replayed");

  const flow = await loadFlow(c, flowId);
  if (!flow) throw new PageError("expired", "the verification ended while the person was at the provider");
  if (flow.step !== "sign_in") throw new PageError("out_of_step", `callback while at ${flow.step}`);

  let identity: Identity;
  try {
    identity = await federation.complete(login.provider, new URL(c.req.url).searchParams, login);
  } catch (err) {
    if (!(err instanceof FederationError)) throw err;
    if (err.failure === "cancelled") {
      // Back to the sign-in step, which says so once.
      setNotice(c, "login_cancelled");
      decision(c, "federation_cancelled", { authlete: false, provider: login.provider, detail: err.reason });
      return c.redirect("/device", 303);
    }
    throw pageErrorOf(err, login.provider);
  }
  await signedIn(c, flowId, flow, identity);
  decision(c, "signed_in", { authlete: false, provider: login.provider });
  return c.redirect("/device", 303);
}
