import type { Context } from "hono";
import { unknownAction } from "../../authlete/errors";
import type { DeviceRequest } from "../../grant/record";
import { clientIp } from "../../http/client-ip";
import { log } from "../../log";
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
      const device = await deviceRecord(c, code);
      const clientId = res.clientId ?? null;
      const proximity = checkProximity(c, device, clientId);
      const flow: ActiveFlow = {
        step: "confirm",
        userCode: code,
        expiresAt: res.expiresAt ?? now() + FALLBACK_LIFETIME_MS,
        clientName: res.clientName ?? null,
        scopes: (res.scopes ?? []).map((s) => s.name),
        claimNames: res.claimNames ?? [],
        acrs: res.acrs ?? [],
        resources: res.resources ?? [],
        authorizationDetails: res.authorizationDetails?.elements ?? [],
        device,
        clientId,
        proximity,
      };
      await attempt.succeeded();
      decision(c, res.action, { ...logged, proximity: proximity.level, reasons: proximity.reasons.join(",") });
      if (proximity.level === "block") {
        // The client's policy refuses this request: the device is told no at once, and the person is told why.
        log("warn", "proximity_blocked", { requestId: c.var.requestId, code: logged.code, clientId, ...proximityFields(proximity, device) });
        const why = proximity.reasons.includes("cross_country") ? "blocked" : "unplaced";
        const countries = { device: why === "blocked" ? (device?.country ?? null) : null, browser: proximity.browser.country };
        return complete(c, flowId, flow, denial(flow, why), { outcome: "blocked", clientName: flow.clientName, countries });
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
 * object cannot be reached: the proximity check then says it cannot tell, never "near".
 */
async function deviceRecord(c: Context<PageEnv>, code: string): Promise<DeviceRequest | null> {
  const { grants, now } = c.var.services;
  try {
    const grant = await grants.lookup(code, now());
    return grant && typeof grant.device === "object" && grant.device !== null ? grant.device : null;
  } catch (err) {
    log("warn", "grant_unavailable", { op: "lookup", requestId: c.var.requestId, detail: String(err) });
    return null;
  }
}
