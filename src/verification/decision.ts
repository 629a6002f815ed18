import type { Context } from "hono";
import { type LogFields, log } from "../log";
import type { PageEnv } from "./page-env";

/** The one log line per decision on the page: route, outcome, whether Authlete was asked. */
export function decision(c: Context<PageEnv>, outcome: string, fields: LogFields & { authlete: boolean }): void {
  log("info", "decision", { route: c.req.path, requestId: c.var.requestId, outcome, ...fields });
}

/** Correlates log lines about one user code without writing the code itself. */
export function codeTag(c: Context<PageEnv>, userCode: string): Promise<string> {
  return c.var.services.keyed.tag("log", userCode);
}
