import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { AuthleteError } from "../authlete/errors";
import type { ClientCredentialsFields, DeviceAuthorizationResponse } from "../authlete/schemas";
import { policyFor } from "../config/policy";
import { type ActionRule, answerAction } from "../http/action-response";
import { clientIp } from "../http/client-ip";
import { type Place, placeOf } from "../http/client-place";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { invalidDpopProof } from "../http/oauth-errors";
import { log } from "../log";
import type { ClientClaim } from "../protection/device-authorization";
import { checkProof, type DpopBinding, type DpopMode, dpopBinding, refusalText } from "../protection/dpop";
import { clientFingerprint } from "../protection/polling";

const API = "/device/authorization";
const ROUTE = "/device_authorization";

/** RFC 8628 §3.1/3.2 → Authlete /device/authorization; status and headers per docs/authlete-api.md §3.3. */
export async function deviceAuthorization(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "device/authorization");
  if (!req.ok) return req.response;
  const { services, requestId } = c.var;
  // Read before anything is spent: a CLIENT_POLICY that cannot be read issues no code (ConfigError, 500).
  const policy = services.policy();
  const ip = clientIp(c);
  const admitted = await services.deviceAuthorization.before(ip, clientClaim(req.fields, req.params));
  if (admitted.refused) {
    log("info", "decision", { route: ROUTE, requestId, ...admitted.log, authlete: false });
    return admitted.refused;
  }
  // The watch list is asked beside Authlete, so the device does not wait for it; it fails open.
  const place = placeOf(c.req.raw);
  const reportedNetworks = services.reportedNetworks();
  const watched = reportedNetworks.watched({ ip, ...place });
  const listed = watched.then((w) => reportedNetworks.seen(w, { requestId }));
  const res = await services.authlete.deviceAuthorization(req.fields);
  await services.deviceAuthorization.after(admitted, res);
  const dpop = res.action === "OK" ? await bindingFor(c, policyFor(policy, res.clientId).dpop) : { bind: null };
  if ("refuse" in dpop) {
    log("info", "decision", { route: ROUTE, requestId, outcome: "invalid_dpop_proof", reason: dpop.refuse, clientId: res.clientId, authlete: true });
    await withdraw(c, res);
    return invalidDpopProof(refusalText(dpop.refuse, dpop.reason));
  }
  log("info", "decision", { route: ROUTE, requestId, outcome: res.action, clientId: res.clientId, dpopBound: dpop.bind !== null, authlete: true });
  if (res.action === "OK") {
    const reportedNetwork = await listed;
    if (reportedNetwork) {
      const codeTag = res.userCode ? await services.keyed.tag("log", res.userCode) : null;
      log("warn", "reported_network_seen", { requestId, clientId: res.clientId ?? null, code: codeTag, ...(await watched).tags });
    }
    await remember(c, res, { ip, ...place, reportedNetwork }, await clientFingerprint(services.keyed, req.fields, req.params), dpop.bind);
  }
  return answerAction(API, res, RULES, passOnHeaders(res));
}

/**
 * The client's CLIENT_POLICY `dpop` against the request's DPoP header (protection/dpop.ts). The
 * proof is checked only for a client whose policy looks at it, after Authlete has named the
 * client: the policy is keyed by Authlete's client number, which only its answer gives.
 */
async function bindingFor(c: Context<AppEnv>, mode: DpopMode): Promise<DpopBinding> {
  if (mode === null) return dpopBinding(null, null);
  return dpopBinding(mode, await checkProof(c.req.header("DPoP"), { method: "POST", url: c.req.url }, c.var.services.now()));
}

/**
 * A refused request's codes, withdrawn at once (docs/authlete-api.md §5: ACCESS_DENIED makes the
 * device code answer access_denied and the user code unknown to the verification page), so no
 * live code is left behind. The refusal comes after Authlete issued them because the policy is
 * keyed by the client's number, which only Authlete's answer names; looking the client up first
 * would cost a `client/get` on every request of every client, and could not take the aliases
 * devices send as `client_id` (§13.2). The device never sees these codes; if the withdrawal
 * fails, they stay unknown to everyone until they expire, and the log says so.
 */
async function withdraw(c: Context<AppEnv>, res: DeviceAuthorizationResponse): Promise<void> {
  if (!res.userCode) return;
  const fields = { requestId: c.var.requestId, clientId: res.clientId };
  try {
    const done = await c.var.services.authlete.deviceComplete({
      userCode: res.userCode,
      result: "ACCESS_DENIED",
      errorDescription: "The device authorization was refused: the client's policy requires a valid DPoP proof",
    });
    if (done.action !== "SUCCESS") log("warn", "dpop_refused_code_not_withdrawn", { ...fields, detail: done.action });
  } catch (err) {
    log("warn", "dpop_refused_code_not_withdrawn", { ...fields, detail: String(err) });
  }
}

/** Who the device says it is, and whether it brought anything to prove it (RFC 6749 §2.3: a secret; RFC 7523: an assertion; attestation). */
function clientClaim(fields: ClientCredentialsFields, params: URLSearchParams): ClientClaim {
  return {
    clientId: fields.clientId ?? params.get("client_id") ?? "",
    credentials: Boolean(fields.clientSecret || params.get("client_secret") || params.get("client_assertion") || fields.oauthClientAttestation),
  };
}

const RULES: Record<string, ActionRule> = {
  OK: 200,
  BAD_REQUEST: 400,
  UNAUTHORIZED: { status: 401, challenge: 'Basic realm="device/authorization"' },
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * The grant's object (grant/), created before the device gets its codes, so its first poll and
 * the confirm page find it wherever they come from. A grant that cannot be created fails open:
 * the device still gets its codes, its polls all go to Authlete, and the confirm page, finding
 * no record of the device, shows the stronger warning (or refuses, under a blocking policy).
 * A device that asked from a network on the watch list is marked so in its record: the confirm
 * page warns (or refuses) whoever enters its code.
 */
async function remember(
  c: Context<AppEnv>,
  res: DeviceAuthorizationResponse,
  at: Place & { ip: string; reportedNetwork: boolean },
  client: string,
  jkt: string | null,
): Promise<void> {
  if (!res.responseContent || !res.deviceCode || !res.userCode || !res.expiresIn) throw new AuthleteError("malformed", API, "OK without codes or lifetime");
  const { grants, now } = c.var.services;
  const { reportedNetwork, ...place } = at;
  const device = {
    ...place,
    userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null,
    requestedAt: now(),
    ...(reportedNetwork ? { reportedNetwork: true as const } : {}),
  };
  await grants
    .issue(
      res.deviceCode,
      res.userCode,
      { device, clientId: res.clientId ?? null, client, interval: res.interval ?? null, expiresIn: res.expiresIn, jkt },
      now(),
    )
    // A binding that cannot be stored is lost with the grant: the polls go to Authlete, which still
    // binds the tokens to the key of the token request's proof (README, "dpop").
    .catch((err: unknown) => log("warn", "grant_unavailable", { op: "issue", requestId: c.var.requestId, dpopBindingLost: jkt !== null, detail: String(err) }));
}
