import { unknownAction } from "../authlete/errors";
import { relay } from "./oauth-errors";

/**
 * How one Authlete action becomes our answer: a status for relaying `responseContent`,
 * optionally with a `WWW-Authenticate` challenge, or a response of our own.
 */
export type ActionRule = number | { status: number; challenge: string } | ((headers: Record<string, string>) => Response);

/**
 * The contract's action tables (docs/authlete-api.md §3.3, §6.3, §7.4) as data. An action missing from the
 * table fails closed: it throws, and the caller's error handler answers 500.
 */
export function answerAction(
  api: string,
  res: { action: string; responseContent?: string | null | undefined },
  rules: Record<string, ActionRule>,
  headers: Record<string, string>,
): Response {
  const rule = Object.hasOwn(rules, res.action) ? rules[res.action] : undefined;
  if (rule === undefined) throw unknownAction(api, res.action);
  if (typeof rule === "function") return rule(headers);
  if (typeof rule === "number") return relay(rule, res.responseContent, headers);
  return relay(rule.status, res.responseContent, { ...headers, "WWW-Authenticate": rule.challenge });
}
