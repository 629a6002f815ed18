import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { TokenRequest, TokenResponse } from "../authlete/schemas";
import { type ActionRule, answerAction } from "../http/action-response";
import { clientIp } from "../http/client-ip";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { oauthError } from "../http/oauth-error";
import { log } from "../log";
import type { Gate } from "../protection/polling";
import { slowDown, tooManyRequests } from "../protection/responses";

const API = "/auth/token";
const ROUTE = "/token";
export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** Outcomes after which a device code can never yield tokens (RFC 8628 §3.5). */
const TERMINAL_ERRORS = new Set(["access_denied", "expired_token", "invalid_grant"]);

/**
 * RFC 6749 §3.2 / RFC 8628 §3.4: every grant goes to Authlete /auth/token. Device-code
 * polls pass the edge's polling control first. Actions that would need an authenticator
 * of our own (ROPC, token exchange, JWT bearer, native SSO) are refused rather than
 * half-implemented.
 */
export async function token(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "token");
  if (!req.ok) return req.response;
  const { requestId, polling, limiter, config } = c.var;
  const ip = clientIp(c);
  const deviceCode = req.params.get("grant_type") === DEVICE_CODE_GRANT ? req.params.get("device_code") : null;

  let gate: Gate | undefined;
  if (deviceCode) {
    gate = await polling.gate(deviceCode);
    if (gate.kind === "slow_down") {
      log("info", "decision", { route: ROUTE, requestId, outcome: "slow_down", interval: gate.interval, authlete: false });
      return slowDown(gate.interval);
    }
    if (gate.kind === "untracked") {
      const verdict = await limiter.check("unknown-device-code", config.limits.unknownDeviceCodePerIp, ip);
      if (!verdict.allowed) {
        log("info", "decision", { route: ROUTE, requestId, outcome: "rate_limited", reason: "unknown_device_codes", authlete: false });
        return tooManyRequests(verdict.retryAfter);
      }
    }
  }

  const body: TokenRequest = { ...req.fields };
  const dpop = c.req.header("DPoP");
  if (dpop) {
    const url = new URL(c.req.url);
    // RFC 9449 §4.3: htu is the target URI without query and fragment.
    Object.assign(body, { dpop, htm: "POST", htu: `${url.origin}${url.pathname}` });
  }
  const res = await c.var.authlete.token(body);
  const error = res.action === "BAD_REQUEST" ? errorCode(res) : undefined;
  log("info", "decision", {
    route: ROUTE,
    requestId,
    outcome: error ?? res.action,
    grantType: res.grantType ?? req.params.get("grant_type"),
    clientId: res.clientId,
    authlete: true,
  });

  if (deviceCode && gate) {
    if (res.action === "OK" || (error && TERMINAL_ERRORS.has(error))) await polling.finished(deviceCode);
    // Only codes Authlete does not know count against the guessing budget (RFC 8628 §5.2),
    // so an honest device whose record has not reached this location is never penalised.
    if (gate.kind === "untracked" && error === "invalid_grant") await limiter.count("unknown-device-code", config.limits.unknownDeviceCodePerIp, ip);
  }
  return answerAction(API, res, RULES, passOnHeaders(res));
}

const unsupported = (headers: Record<string, string>) => oauthError(400, "unsupported_grant_type", "This grant type is not supported by this server.", headers);

const RULES: Record<string, ActionRule> = {
  OK: 200,
  // Refresh flow; we do not implement /idtoken/reissue, so it is a plain OK.
  ID_TOKEN_REISSUABLE: 200,
  BAD_REQUEST: 400,
  // RFC 6749 §5.2 requires 401 + WWW-Authenticate when the Authorization header was used; Authlete's own servers always send it.
  INVALID_CLIENT: { status: 401, challenge: 'Basic realm="token"' },
  INTERNAL_SERVER_ERROR: 500,
  PASSWORD: unsupported,
  TOKEN_EXCHANGE: unsupported,
  JWT_BEARER: unsupported,
  NATIVE_SSO: (headers) => oauthError(400, "invalid_grant", "Native SSO is not supported by this server.", headers),
};

/** The `error` member of Authlete's error body; read only to decide, never re-serialised. */
function errorCode(res: TokenResponse): string | undefined {
  try {
    const e = (JSON.parse(res.responseContent ?? "") as { error?: unknown }).error;
    return typeof e === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}
