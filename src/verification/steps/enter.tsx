import type { Context } from "hono";
import { unknownAction } from "../../authlete/errors";
import { type ClientPolicy, policyFor } from "../../config";
import type { DeviceRequest } from "../../grant/record";
import { clientIp, networkOf } from "../../http/client-ip";
import { log } from "../../log";
import { decideForFlow } from "../../protection/client-policy";
import type { ActiveFlow } from "../../session/flow";
import { fewLeft, holding, refuseIfSpent } from "../budgets";
import { complete, denial } from "../complete";
import { codeTag, decision } from "../decision";
import { loadFlow } from "../flow-guard";
import { csrfToken, expectShows, readPageForm, type Shows } from "../form";
import { frame } from "../frame";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { checkProximity, proximityFields } from "../proximity";
import { codeProblem, formatUserCode, normalizeUserCode } from "../user-code";
import { type EnterError, EnterPage } from "../views/enter";

const API = "/device/verification";
/** Authlete sends expiresAt with every VALID (docs/authlete-api.md §4); should one ever be missing, the flow still ends. */
const FALLBACK_LIFETIME_MS = 10 * 60_000;

/**
 * POST /device: a code typed or filled in by a link, step 1. Cheap checks first (format, then
 * the failure budgets), then Authlete. A valid code starts a flow at the confirm step;
 * nothing else is remembered. A verification in progress is replaced only by the form that
 * said it would replace it.
 */
export async function enterCode(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const { flowId } = form;
  const input = form.params.get("user_code") ?? "";
  const { page, authlete, flows, budgets, keyed, now } = c.var.services;
  const current = await loadFlow(c, flowId);
  const shows: Shows = current && current.step !== "ended" ? { replace: current.userCode } : "enter";
  if (typeof shows !== "string") await expectShows(c, form, shows);
  const code = normalizeUserCode(input, page.userCode);
  const csrf = await csrfToken(keyed, flowId, shows);
  const again = (error: EnterError, value: string, remaining?: number) =>
    c.html(<EnterPage f={frame(c)} csrf={csrf} format={page.userCode} value={value} error={error} remaining={remaining} />, 400);
  if (!code) {
    decision(c, "malformed_code", { authlete: false });
    return again(codeProblem(input, page.userCode) ?? "length", input.slice(0, 64));
  }
  const attempt = await budgets.codeEntry(clientIp(c), flowId);
  refuseIfSpent(attempt, "code_entry");
  // From here a failure that is not the person's (Authlete or storage down) offers "Try again" with this code.
  c.set("retry", { userCode: formatUserCode(code), csrf });

  const res = await holding(attempt, () => authlete.deviceVerification(code));
  const logged = { authlete: true, code: await codeTag(c, code), clientId: res.clientId };
  switch (res.action) {
    case "VALID": {
      const clientId = res.clientId ?? null;
      const policy = policyFor(c.var.services.policy, clientId);
      const { device, another } = await deviceRecord(c, code, flowId, policy);
      const proximity = checkProximity(c, device, policy, another);
      // What the client's policy allows (CLIENT_POLICY): decided now, kept with the flow, shown on consent, sent on approval.
      const decided = decideForFlow(policy, { scopes: (res.scopes ?? []).map((s) => s.name), claimNames: res.claimNames ?? [] }, proximity.level === "warn");
      const flow: ActiveFlow = {
        step: "confirm",
        userCode: code,
        expiresAt: res.expiresAt ?? now() + FALLBACK_LIFETIME_MS,
        clientName: res.clientName ?? null,
        scopes: decided.scopes,
        claimNames: decided.claimNames,
        acrs: res.acrs ?? [],
        resources: res.resources ?? [],
        authorizationDetails: res.authorizationDetails?.elements ?? [],
        device,
        clientId,
        proximity,
        policy: decided.policy,
      };
      await attempt.succeeded();
      decision(c, res.action, { ...logged, proximity: proximity.level, reasons: proximity.reasons.join(",") });
      const shared = proximity.reasons.includes("shared_code");
      if (shared) {
        // A code entered by more than one person is the mark of one sent to many (RFC 10027's unique codes).
        log("warn", "shared_code", { requestId: c.var.requestId, code: logged.code, clientId, policy: policy.oneCodeOnePerson, risk: proximity.level });
      }
      if (proximity.level === "block") {
        // The client's policy refuses this request: the device is told no at once, and the person is told why.
        if (shared) return complete(c, flowId, flow, denial(flow, "shared"), { outcome: "blocked", clientName: flow.clientName, shared: true });
        log("warn", "proximity_blocked", { requestId: c.var.requestId, code: logged.code, clientId, ...proximityFields(proximity, device) });
        const r = proximity.reasons;
        const why = r.includes("cross_country") ? "blocked" : r.includes("reported_network") ? "reported_network" : "unplaced";
        const countries = { device: why === "blocked" ? (device?.country ?? null) : null, browser: proximity.browser.country };
        const listed = why === "reported_network" ? { reportedNetwork: true as const } : {};
        return complete(c, flowId, flow, denial(flow, why), { outcome: "blocked", clientName: flow.clientName, countries, ...listed });
      }
      await flows.save(flowId, flow);
      return c.redirect("/device", 303);
    }
    // One answer for both, so the page never tells a guesser which codes once existed.
    case "EXPIRED":
    case "NOT_EXIST":
      await attempt.failed();
      await budgets.codeEntryFailed();
      decision(c, res.action, logged);
      return again("invalid", formatUserCode(code), fewLeft(attempt));
    // The contract's sources disagree on the name (docs/authlete-api.md §4); both mean Authlete failed.
    case "SERVER_ERROR":
    case "INTERNAL_SERVER_ERROR":
      await attempt.succeeded();
      throw new PageError("unavailable", `${API} answered ${res.action}`, { retryAfter: 5, authlete: true });
    default:
      await attempt.succeeded();
      throw unknownAction(API, res.action);
  }
}

/**
 * The record of the device that asked for this code, from the grant's object (reached from
 * any location, unlike a KV record written where the device is). Null when there is none or the
 * object cannot be reached: the proximity check then says it cannot tell, never "near". Under
 * `oneCodeOnePerson` the same call records this browser as one who entered the code and says
 * whether another person already has (keyed hashes of the flow cookie and of the network only).
 */
async function deviceRecord(
  c: Context<PageEnv>,
  code: string,
  flowId: string,
  policy: ClientPolicy,
): Promise<{ device: DeviceRequest | null; another: boolean }> {
  const { grants, keyed, now } = c.var.services;
  const op = policy.oneCodeOnePerson ? "enter" : "lookup";
  try {
    const grant =
      op === "enter"
        ? await grants.enter(
            code,
            { browser: await keyed.mac("grant:entrant-browser", flowId), network: await keyed.mac("grant:entrant-network", networkOf(clientIp(c))) },
            now(),
          )
        : await grants.lookup(code, now());
    const device = grant && typeof grant.device === "object" && grant.device !== null ? grant.device : null;
    return { device, another: grant !== null && "another" in grant && grant.another === true };
  } catch (err) {
    log("warn", "grant_unavailable", { op, requestId: c.var.requestId, detail: String(err) });
    return { device: null, another: false };
  }
}
