import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { type ActionRule, answerAction } from "../http/action-response";
import { passOnHeaders, readClientRequest } from "../http/client-request";
import { NO_STORE } from "../http/oauth-errors";
import { log } from "../log";

const API = "/auth/revocation";

/** RFC 7009 → Authlete /auth/revocation (docs/authlete-api.md §7.4). Unknown tokens are not an error. */
export async function revoke(c: Context<AppEnv>): Promise<Response> {
  const req = await readClientRequest(c, "revocation");
  if (!req.ok) return req.response;
  const res = await c.var.services.authlete.revocation(req.fields);
  log("info", "decision", { route: "/revoke", requestId: c.var.requestId, outcome: res.action, authlete: true });
  return answerAction(API, res, RULES, passOnHeaders(res));
}

const RULES: Record<string, ActionRule> = {
  // Authlete fills responseContent only for JSONP callbacks; serving script from a
  // token endpoint is a liability, so OK is always an empty 200 (RFC 7009 §2.2).
  OK: (headers) => new Response(null, { status: 200, headers: { ...NO_STORE, ...headers } }),
  BAD_REQUEST: 400,
  INVALID_CLIENT: { status: 401, challenge: 'Basic realm="revocation"' },
  INTERNAL_SERVER_ERROR: 500,
};
