import type { Context } from "hono";
import { unknownAction } from "../authlete/errors";
import type { DeviceCompleteRequest } from "../authlete/schemas";
import { DENIED_DESCRIPTION } from "../http/oauth-errors";
import { log } from "../log";
import type { ActiveFlow, EndedFlow } from "../session/flow";
import { codeTag, decision } from "./decision";
import { frame } from "./frame";
import type { PageEnv } from "./page-env";
import { PageError, type PageErrorKind, type PageErrorOptions } from "./page-error";
import { DonePage } from "./views/done";

const API = "/device/complete";

/**
 * Why a request was refused, for the log only (the `reason` of its decision line): Deny on the
 * consent page (`denied`), Cancel or Deny on the stronger warning (`cancelled`), "I didn't start
 * this" (`reported`), a blocking policy for another country (`blocked`), for a place that could
 * not be established (`unplaced`), for a code another person entered too (`shared`) or for a
 * network on the watch list (`reported_network`).
 */
export type DenialReason = "denied" | "cancelled" | "reported" | "blocked" | "unplaced" | "shared" | "reported_network";

/** A refusal as it goes to Authlete, with its reason beside it for the log (never sent). */
export interface Denial extends DeviceCompleteRequest {
  reason: DenialReason;
}

/**
 * Sends one decision on `flow`'s code to Authlete and, on SUCCESS only, records it in the
 * grant's object (so the device hears it at its next poll, answered at the edge until then)
 * and ends the flow with `ended` (303 to its result page). Until Authlete answers SUCCESS the flow is kept as it is,
 * so any failure leaves the person on a page from which "Try again" returns to the same step;
 * the result page is shown only for SUCCESS, never on a guess.
 */
export async function complete(
  c: Context<PageEnv>,
  flowId: string,
  flow: ActiveFlow,
  request: DeviceCompleteRequest | Denial,
  ended: Omit<EndedFlow, "step">,
): Promise<Response> {
  const { authlete, flows, grants, now } = c.var.services;
  const { reason, ...body } = request as DeviceCompleteRequest & Partial<Denial>;
  const res = await authlete.deviceComplete(body);
  const fail = (kind: PageErrorKind, options: PageErrorOptions = {}) =>
    new PageError(kind, `${API} ${ended.outcome}: ${res.action} ${res.resultMessage ?? ""}`, { ...options, authlete: true });
  switch (res.action) {
    case "SUCCESS":
      decision(c, ended.outcome, { authlete: true, code: await codeTag(c, flow.userCode), clientId: flow.clientId ?? null, ...(reason ? { reason } : {}) });
      // Authlete has the decision; a grant that does not hear of it costs only latency: the
      // device's next pass-through poll hears it from Authlete.
      await grants
        .decide(flow.userCode, ended.outcome, now())
        .then((recorded) => recorded || log("info", "grant_decision_unrecorded", { requestId: c.var.requestId, detail: "no grant for this code" }))
        .catch((err: unknown) => log("warn", "grant_decision_unrecorded", { requestId: c.var.requestId, detail: String(err) }));
      try {
        await flows.end(flowId, ended);
      } catch (err) {
        // Authlete has recorded the decision: say so now rather than via a redirect that would find the old state.
        log("error", "verification_state_kv_failure", { requestId: c.var.requestId, detail: String(err) });
        return c.html(<DonePage f={frame(c)} ended={{ step: "ended", ...ended }} />);
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

/** A denial as Authlete takes it: no subject, and the one description every device reads; why stays here, for the log. */
export function denial(flow: ActiveFlow, why: DenialReason): Denial {
  return { userCode: flow.userCode, result: "ACCESS_DENIED", errorDescription: DENIED_DESCRIPTION, reason: why };
}

/** The code is dead at Authlete; a state that cannot be deleted now expires with its TTL. */
async function forget(c: Context<PageEnv>, flowId: string): Promise<void> {
  await c.var.services.flows
    .remove(flowId)
    .catch((err: unknown) => log("warn", "verification_state_kv_failure", { requestId: c.var.requestId, detail: String(err) }));
}
