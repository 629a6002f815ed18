import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AccessKeysUnavailable } from "../auth/access";
import { FederationError } from "../auth/federation-error";
import { AuthleteError, logAuthleteFailure } from "../authlete/errors";
import { ConfigError } from "../config";
import { log } from "../log";
import type { PageServices } from "../services";
import { StateUnavailable } from "../session/errors";
import { pageErrorOf } from "./federation";
import { frame } from "./frame";
import type { PageEnv } from "./page-env";
import { PageError, STATUS } from "./page-error";
import { ErrorPage } from "./views/error";

/** Turns any failure into a typed page error, logging its cause once. */
function classify(err: Error, c: Context<PageEnv>): PageError {
  const requestId = c.var.requestId;
  const route = c.req.path;
  if (err instanceof PageError) return err;
  // hono's csrf(): neither Origin nor Sec-Fetch-Site says same-origin.
  if (err instanceof HTTPException && err.status === 403) return new PageError("forbidden", "cross-site form post");
  if (err instanceof AuthleteError) {
    logAuthleteFailure(err, route, requestId);
    return err.transient ? new PageError("unavailable", err.kind, { retryAfter: 5, authlete: true }) : new PageError("aborted", err.kind, { authlete: true });
  }
  // The steps map a provider's failure themselves (verification/federation.ts); this is the safety net.
  if (err instanceof FederationError) return pageErrorOf(err, "provider");
  // Cloudflare Access's certificates could not be fetched: no token was judged, so not "Sign-in required".
  if (err instanceof AccessKeysUnavailable) {
    log("error", "access_certs_unavailable", { route, requestId, detail: err.message });
    return new PageError("unavailable", "access certs", { retryAfter: 5 });
  }
  if (err instanceof StateUnavailable) {
    log("error", "verification_state_kv_failure", { route, requestId, detail: err.message });
    return new PageError("unavailable", "state storage", { retryAfter: 5 });
  }
  if (err instanceof ConfigError) log("error", "config_invalid", { requestId, detail: err.message });
  else log("error", "unhandled_error", { route, requestId, detail: `${err.name}: ${err.message}` });
  return new PageError("aborted", err.name);
}

/** The /device routes' error handler: always an HTML page, never a JSON body or a stack trace. */
export function onPageError(err: Error, c: Context<PageEnv>): Response | Promise<Response> {
  const e = classify(err, c);
  const serious = e.kind === "aborted" || e.kind === "unavailable";
  log(serious ? "warn" : "info", "decision", {
    route: c.req.path,
    requestId: c.var.requestId,
    outcome: e.kind,
    detail: e.detail,
    authlete: e.options.authlete ?? false,
  });
  const { retryAfter, paused } = e.options;
  if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
  // The services are missing only when loading the page configuration is what failed.
  const now = (c.var.services as PageServices | undefined)?.now() ?? Date.now();
  const until = retryAfter !== undefined && e.kind === "rate_limited" ? { at: now + retryAfter * 1000, now, paused } : undefined;
  const retry = e.kind === "unavailable" ? c.var.retry : undefined;
  return c.html(<ErrorPage f={frame(c)} kind={e.kind} until={until} retry={retry} />, STATUS[e.kind] as 400);
}
