import type { Context } from "hono";
import type { Identity } from "../../auth/authenticator";
import { unknownAction } from "../../authlete/errors";
import type { DeviceCompleteRequest } from "../../authlete/schemas";
import { log } from "../../log";
import type { ActiveFlow } from "../../session/flow";
import { codeTag, decision } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import { frame } from "../frame";
import type { PageEnv } from "../page-env";
import { PageError, type PageErrorKind, type PageErrorOptions } from "../page-error";
import { DonePage } from "../views/done";

const API = "/device/complete";

/** POST /device/consent: Approve or Deny, the only place a decision is sent to Authlete. */
export async function consent(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { params, flowId } = form;
  const flow = await requireStep(c, form, "consent");
  const action = params.get("action");
  if (action !== "approve" && action !== "deny") throw new PageError("forbidden", `consent action ${JSON.stringify(action)}`);
  if (!flow.identity) throw new PageError("out_of_step", "consent without an identity");
  return complete(c, flowId, flow, flow.identity, action === "approve" ? "approved" : "denied");
}

function request(flow: ActiveFlow, identity: Identity, outcome: "approved" | "denied"): DeviceCompleteRequest {
  if (outcome === "denied") return { userCode: flow.userCode, result: "ACCESS_DENIED", errorDescription: "The user denied the request." };
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

/**
 * Until Authlete answers SUCCESS the flow is kept as it is, so any failure leaves the
 * user on a page from which "Try again" returns to the same consent screen. The done
 * page is shown only for SUCCESS, never on a guess.
 */
async function complete(c: Context<PageEnv>, flowId: string, flow: ActiveFlow, identity: Identity, outcome: "approved" | "denied"): Promise<Response> {
  const { authlete, flows } = c.var.services;
  const res = await authlete.deviceComplete(request(flow, identity, outcome));
  const fail = (kind: PageErrorKind, options: PageErrorOptions = {}) =>
    new PageError(kind, `${API} ${outcome}: ${res.action} ${res.resultMessage ?? ""}`, { ...options, authlete: true });
  switch (res.action) {
    case "SUCCESS":
      decision(c, outcome, { authlete: true, code: await codeTag(c, flow.userCode) });
      try {
        await flows.end(flowId, outcome, flow.clientName);
      } catch (err) {
        // Authlete has recorded the decision: say so now rather than via a redirect that would find the old state.
        log("error", "verification_state_kv_failure", { requestId: c.var.requestId, detail: String(err) });
        return c.html(<DonePage f={frame(c)} outcome={outcome} clientName={flow.clientName} />);
      }
      return c.redirect("/device", 303);
    case "USER_CODE_EXPIRED":
      await forget(c, flowId);
      throw fail("expired");
    case "USER_CODE_NOT_EXIST":
      await forget(c, flowId);
      throw fail("used");
    case "INVALID_REQUEST":
      // Our request was wrong: a bug to fix, logged with Authlete's message.
      throw fail("aborted");
    case "SERVER_ERROR":
      throw fail("unavailable", { retryAfter: 5 });
    default:
      throw unknownAction(API, res.action);
  }
}

/** The code is dead at Authlete; a state that cannot be deleted now expires with its TTL. */
async function forget(c: Context<PageEnv>, flowId: string): Promise<void> {
  await c.var.services.flows
    .remove(flowId)
    .catch((err: unknown) => log("warn", "verification_state_kv_failure", { requestId: c.var.requestId, detail: String(err) }));
}
