import type { Context } from "hono";
import type { Identity } from "../../auth/authenticator";
import { log } from "../../log";
import type { ActiveFlow, UndoRecord } from "../../session/flow";
import { clearUndoCookie, setFlowCookie } from "../cookies";
import { codeTag, decision } from "../decision";
import { csrfToken, expectShows, readPageForm } from "../form";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/** How long the done page offers "That wasn't me" after an approval. */
export const UNDO_WINDOW_MS = 5 * 60_000;

/**
 * What undoing this approval will need, kept in the ended flow (session/flow.ts UndoRecord) for
 * UNDO_WINDOW_MS: the person's subject and Authlete's client id, the grant's keyed reference,
 * and keyed tags; never the code or a token. Nothing when Authlete named no client: there would
 * be nothing to delete the tokens of.
 */
export async function undoable(c: Context<PageEnv>, flow: ActiveFlow, identity: Identity): Promise<{ undo: UndoRecord } | Record<string, never>> {
  const { grants, reportedNetworks, now } = c.var.services;
  if (flow.clientId === null || !Number.isSafeInteger(flow.clientId)) return {};
  return {
    undo: {
      until: now() + UNDO_WINDOW_MS,
      subject: identity.subject,
      clientId: flow.clientId,
      grant: await grants.ref(flow.userCode),
      code: await codeTag(c, flow.userCode),
      watched: flow.device ? await reportedNetworks.watched(flow.device) : { names: [], tags: { network: null, asn: null } },
    },
  };
}

/**
 * POST /device/undo ("That wasn't me", on the done page after an approval, for UNDO_WINDOW_MS):
 * the person takes the approval back. In this order, so that no token escapes:
 * 1. the grant's object records `undone` (grant/record.ts `undo`): from then on every poll of the
 *    device is answered access_denied at the edge, before Authlete, which holds the approval and
 *    would issue tokens. Unreachable, nothing else happens: a 503 page offers to press again;
 * 2. Authlete's /client/authorization/delete deletes every token this client holds for the
 *    person (docs/authlete-api.md §7.6): the device's, if it collected them already, and those
 *    of every other device where the person connected this client, as the button said;
 * 3. the device's network goes on the watch list, as after "I didn't start this";
 * 4. `approval_undone` is logged with keyed tags, and the flow ends as `undone`.
 * A second press (a retry after a failure at step 2) finds the grant undone already and
 * deletes again. The form is bound like every other: its token is an HMAC of the ended flow's
 * id (its own cookie) and of "undo".
 */
export async function undoApproval(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c, "undo");
  await expectShows(c, form, "undo");
  const { flows, grants, authlete, keyed, reportedNetworks, now } = c.var.services;
  const flow = await flows.load(form.flowId);
  const u = flow?.step === "ended" ? flow.undo : undefined;
  if (!flow || !u) throw new PageError("undo_closed", "no approval to undo");
  if (u.until <= now()) throw new PageError("undo_closed", "undo window over");
  // From here a failure that is not the person's offers to press again.
  c.set("retry", { action: "/device/undo", csrf: await csrfToken(keyed, form.flowId, "undo") });

  let was: unknown;
  try {
    was = await grants.undo(u.grant, now());
  } catch (err) {
    log("warn", "grant_unavailable", { op: "undo", requestId: c.var.requestId, detail: String(err) });
    throw new PageError("unavailable", "grant unreachable for undo", { retryAfter: 5 });
  }
  const res = await authlete.clientAuthorizationDelete(u.clientId, u.subject);
  const requestId = c.var.requestId;
  await reportedNetworks.list(u.watched, { requestId, code: u.code, via: "undo" });
  log("warn", "approval_undone", {
    requestId,
    code: u.code,
    clientId: u.clientId,
    subject: await keyed.tag("log-subject", u.subject),
    // approved: the device had not collected its tokens, and never will; none: the grant had ended (tokens collected, or the code expired).
    grant: typeof was === "string" ? was : "none",
    resultCode: res.resultCode,
    ...u.watched.tags,
  });
  decision(c, "undone", { authlete: true, code: u.code, clientId: u.clientId });
  await flows.end(form.flowId, { outcome: "undone", clientName: flow.clientName });
  // The result is shown once, under the ended flow's id, like every outcome (steps/show.tsx).
  setFlowCookie(c, form.flowId);
  clearUndoCookie(c);
  return c.redirect("/device", 303);
}
