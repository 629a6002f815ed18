import type { Context } from "hono";
import { constantTimeEqual, type KeyedHash } from "../crypto";
import { readForm } from "../http/form";
import { readFlowId } from "./cookies";
import type { PageEnv } from "./page-env";
import { PageError } from "./page-error";

/**
 * The per-session CSRF token, an HMAC of the flow cookie rather than stored: only a page this
 * browser loaded can know it (the cookie is HttpOnly, and the cookie alone does not give it
 * without the Worker's secret), and the enter-code page needs no KV write to carry one.
 */
export function csrfToken(keyed: KeyedHash, flowId: string): Promise<string> {
  return keyed.mac("csrf", flowId);
}

export interface PageForm {
  params: URLSearchParams;
  flowId: string;
}

/** Every POST: a bounded urlencoded body whose token matches this browser's flow cookie (on top of hono's Origin check). */
export async function readPageForm(c: Context<PageEnv>): Promise<PageForm> {
  const form = await readForm(c.req.raw);
  if (!form.ok) throw new PageError("forbidden", "unreadable form body");
  const flowId = readFlowId(c);
  if (!flowId) throw new PageError("forbidden", "no flow cookie");
  const sent = form.params.get("csrf") ?? "";
  if (!constantTimeEqual(sent, await csrfToken(c.var.services.keyed, flowId)))
    throw new PageError("forbidden", sent ? "csrf token mismatch" : "csrf token missing");
  return { params: form.params, flowId };
}
