import type { Context } from "hono";
import type { Identity } from "../../auth/authenticator";
import type { DeviceCompleteRequest } from "../../authlete/schemas";
import { clientText, log } from "../../log";
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
  if (outcome === "approved") reportAcrShortfall(c, flow, flow.identity);
  const request = outcome === "approved" ? authorized(flow, flow.identity) : denial(flow, "denied");
  return complete(c, flowId, flow, request, { outcome, clientName: flow.clientName });
}

/**
 * `acr_values` is a voluntary request (OpenID Connect Core §3.1.2.1; the device grant has no
 * essential form): the sign-in is not refused when it achieved another class, and the ID token's
 * `acr` says truthfully which one it was (the provider's own, or none for built-in users and
 * Access), for the client to judge. The operator hears of each shortfall.
 */
function reportAcrShortfall(c: Context<PageEnv>, flow: ActiveFlow, identity: Identity): void {
  const requested = flow.acrs ?? [];
  if (requested.length === 0 || (identity.acr !== undefined && requested.includes(identity.acr))) return;
  log("warn", "acr_not_satisfied", {
    requestId: c.var.requestId,
    clientId: flow.clientId,
    // The device asked for them (acr_values).
    requested: clientText(requested.join(" ")),
    // The provider chose it (the ID token's `acr`).
    achieved: clientText(identity.acr),
    via: identity.via ?? null,
  });
}

function authorized(flow: ActiveFlow, identity: Identity): DeviceCompleteRequest {
  // Only the claims the client's scopes name (claimNames), and only those the user has.
  const claims = Object.fromEntries(flow.claimNames.filter((n) => identity.claims[n] !== undefined).map((n) => [n, identity.claims[n]]));
  return {
    userCode: flow.userCode,
    result: "AUTHORIZED",
    subject: identity.subject,
    authTime: identity.authTime,
    // What the sign-in achieved, as the upstream provider stated it; never a requested class it did not.
    ...(identity.acr ? { acr: identity.acr } : {}),
    ...(Object.keys(claims).length ? { claims: JSON.stringify(claims) } : {}),
  };
}
