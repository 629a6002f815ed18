import type { Context } from "hono";
import type { Identity } from "../../auth/authenticator";
import type { DeviceCompleteRequest } from "../../authlete/schemas";
import { clientText, log } from "../../log";
import { signInFresh } from "../../protection/client-policy";
import type { ActiveFlow } from "../../session/flow";
import { complete, denial } from "../complete";
import { setNotice } from "../cookies";
import { decision } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { undoable } from "./undo";

/**
 * POST /device/consent: Approve or Deny by the signed-in person. Approve checks the sign-in's
 * age once more against the client's `maxAuthAgeSeconds`: a consent page left open must not
 * approve with a sign-in that has grown too old since (Deny needs no fresh sign-in).
 */
export async function consent(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { params, flowId } = form;
  const flow = await requireStep(c, form, "consent");
  const action = params.get("action");
  if (action !== "approve" && action !== "deny") throw new PageError("forbidden", `consent action ${JSON.stringify(action)}`);
  if (!flow.identity) throw new PageError("out_of_step", "consent without an identity");
  const outcome = action === "approve" ? "approved" : "denied";
  const { authenticator, flows, now } = c.var.services;
  const madeHere = flow.signedInHere === true;
  if (outcome === "approved" && !signInFresh({ authTime: flow.identity.authTime, madeHere }, flow.policy?.maxAuthAgeSeconds ?? null, now())) {
    if (authenticator.mode === "header") throw new PageError("signin_required", "the Cloudflare Access sign-in is older than maxAuthAgeSeconds");
    // Back to the sign-in step, which says why; nothing reaches Authlete.
    const { identity: _stale, ...rest } = flow;
    await flows.save(flowId, { ...rest, step: "sign_in" });
    setNotice(c, "sign_in_again");
    decision(c, "sign_in_too_old", { authlete: false });
    return c.redirect("/device", 303);
  }
  if (outcome === "approved") reportAcrShortfall(c, flow, flow.identity);
  const request = outcome === "approved" ? authorized(flow, flow.identity) : denial(flow, "denied");
  // An approval can be taken back from the done page for a few minutes ("That wasn't me", steps/undo.ts).
  const undo = outcome === "approved" ? await undoable(c, flow, flow.identity) : {};
  return complete(c, flowId, flow, request, { outcome, clientName: flow.clientName, ...undo });
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
  // What the client's policy decided when the code was entered (protection/client-policy.ts; docs/authlete-api.md §5.1).
  const policy = flow.policy;
  return {
    userCode: flow.userCode,
    result: "AUTHORIZED",
    subject: identity.subject,
    authTime: identity.authTime,
    // What the sign-in achieved, as the upstream provider stated it; never a requested class it did not.
    ...(identity.acr ? { acr: identity.acr } : {}),
    ...(Object.keys(claims).length ? { claims: JSON.stringify(claims) } : {}),
    // Only the allowed scopes: they replace the requested ones, so the tokens carry nothing else.
    ...(policy?.scopes ? { scopes: policy.scopes } : {}),
    ...(policy?.tokens.accessTokenSeconds ? { accessTokenDuration: policy.tokens.accessTokenSeconds } : {}),
    ...(policy?.tokens.refreshTokenSeconds ? { refreshTokenDuration: policy.tokens.refreshTokenSeconds } : {}),
  };
}
