import type { Context } from "hono";
import { FederationError } from "../../auth/federation-error";
import { LOGIN_STATE_SECONDS } from "../../session/login";
import { setLoginCookie } from "../cookies";
import { decision } from "../decision";
import { pageErrorOf } from "../federation";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import { frame } from "../frame";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { HandoffPage } from "../views/handoff";

/**
 * POST /device/federation (a "Sign in with …" button on the sign-in page): a fresh PKCE
 * verifier, state and nonce, sealed into the login cookie and bound to this flow, then on to
 * the provider's authorization endpoint. Nothing is written to KV.
 */
export async function federationStart(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { params, flowId } = form;
  const { authenticator, logins } = c.var.services;
  const federation = authenticator.federation;
  if (!federation) throw new PageError("out_of_step", "no upstream providers are configured");
  const flow = await requireStep(c, form, "sign_in");
  const provider = federation.providers.find((p) => p.id === params.get("provider"));
  if (!provider) throw new PageError("forbidden", "unknown provider in the sign-in form");
  let start: Awaited<ReturnType<typeof federation.begin>>;
  try {
    // The client's maxAuthAgeSeconds goes to the provider as max_age, so its own session cannot stand in for a fresh sign-in.
    const maxAge = flow.policy?.maxAuthAgeSeconds ?? null;
    start = await federation.begin(provider.id, { acrValues: flow.acrs ?? [], ...(maxAge !== null ? { maxAge } : {}) });
  } catch (err) {
    throw err instanceof FederationError ? pageErrorOf(err, provider.id) : err;
  }
  const { url, ...secrets } = start;
  setLoginCookie(c, await logins.seal({ provider: provider.id, ...secrets, flow: await logins.binding(flowId) }), LOGIN_STATE_SECONDS);
  decision(c, "federation_started", { authlete: false, provider: provider.id });
  return c.html(<HandoffPage f={frame(c)} provider={provider.label} url={url.href} />);
}
