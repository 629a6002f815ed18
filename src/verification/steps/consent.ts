import type { Context } from "hono";
import type { Identity } from "../../auth/authenticator";
import type { DeviceCompleteRequest } from "../../authlete/schemas";
import type { ActiveFlow } from "../../session/flow";
import { complete, denial } from "../complete";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/** POST /device/consent: Approve or Deny by the signed-in person. */
export async function consent(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { params, flowId } = form;
  const flow = await requireStep(c, form, "consent");
  const action = params.get("action");
  if (action !== "approve" && action !== "deny") throw new PageError("forbidden", `consent action ${JSON.stringify(action)}`);
  if (!flow.identity) throw new PageError("out_of_step", "consent without an identity");
  const outcome = action === "approve" ? "approved" : "denied";
  const request = outcome === "approved" ? authorized(flow, flow.identity) : denial(flow, "denied");
  return complete(c, flowId, flow, request, { outcome, clientName: flow.clientName });
}

function authorized(flow: ActiveFlow, identity: Identity): DeviceCompleteRequest {
  // Only the claims the client's scopes name (claimNames), and only those the user has.
  const claims = Object.fromEntries(flow.claimNames.filter((n) => identity.claims[n] !== undefined).map((n) => [n, identity.claims[n]]));
  return {
    userCode: flow.userCode,
    result: "AUTHORIZED",
    subject: identity.subject,
    authTime: identity.authTime,
    // The upstream provider's authentication context, when it named one.
    ...(identity.acr ? { acr: identity.acr } : {}),
    ...(Object.keys(claims).length ? { claims: JSON.stringify(claims) } : {}),
  };
}
