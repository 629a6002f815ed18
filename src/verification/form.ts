import type { Context } from "hono";
import type { KeyedHash } from "../crypto";
import { readForm } from "../http/form";
import type { Flow } from "../session/flow";
import { readFlowId, readUndoFlowId } from "./cookies";
import type { PageEnv } from "./page-env";
import { PageError } from "./page-error";

/**
 * What a form was rendered for. A POST is accepted only for what its page showed: a consent
 * form left open in one tab cannot approve the code opened in another, and a stale page
 * cannot replace a verification in progress.
 */
export type Shows = "enter" | "ended" | "undo" | { step: "confirm" | "sign_in" | "consent"; userCode: string } | { replace: string };

function describe(shows: Shows): string {
  if (typeof shows === "string") return shows;
  return "replace" in shows ? `replace:${shows.replace}` : `${shows.step}:${shows.userCode}`;
}

/** What the page for `flow` shows, so its form is bound to it. */
export function showsFor(flow: Flow | null): Shows {
  if (!flow) return "enter";
  if (flow.step === "ended") return "ended";
  return { step: flow.step, userCode: flow.userCode };
}

/**
 * The form token: a tag of what the page shows, and an HMAC binding that tag to this
 * browser's flow cookie. Derived, never stored: only a page this browser loaded can know it
 * (the cookie is HttpOnly, and the cookie alone gives nothing without the Worker's secret),
 * and the enter-code page needs no KV write to carry one. The tag reveals no code.
 */
export async function csrfToken(keyed: KeyedHash, flowId: string, shows: Shows): Promise<string> {
  const tag = await keyed.tag("form-shows", describe(shows));
  return `${tag}.${await keyed.mac("csrf", `${flowId}\n${tag}`)}`;
}

export interface PageForm {
  params: URLSearchParams;
  flowId: string;
  /** The tag of what the posted page showed (already proven to come from this browser). */
  tag: string;
}

/**
 * Every POST: a bounded urlencoded body whose token this browser's flow cookie signed (on
 * top of hono's Origin check). What the token is bound to is checked by `expectShows`. The
 * undo form is signed for the ended flow its own cookie names (cookies.ts, UNDO_COOKIE).
 */
export async function readPageForm(c: Context<PageEnv>, cookie: "flow" | "undo" = "flow"): Promise<PageForm> {
  const form = await readForm(c.req.raw);
  if (!form.ok) throw new PageError("forbidden", "unreadable form body");
  const keyed = c.var.services.keyed;
  const flowId = await (cookie === "flow" ? readFlowId : readUndoFlowId)(c, keyed);
  if (!flowId) throw cookie === "flow" ? new PageError("forbidden", "no flow cookie") : new PageError("undo_closed", "no undo cookie");
  const sent = form.params.get("csrf") ?? "";
  const [tag = "", mac = ""] = sent.split(".");
  // Under either secret during a rotation: a page loaded just before it still posts.
  if (!sent || !(await keyed.verify("csrf", `${flowId}\n${tag}`, mac))) throw new PageError("forbidden", sent ? "csrf token mismatch" : "csrf token missing");
  return { params: form.params, flowId, tag };
}

/** The posted page showed `shows`, or the POST is from an out-of-date page: nothing changes. */
export async function expectShows(c: Context<PageEnv>, form: PageForm, shows: Shows): Promise<void> {
  if (!(await c.var.services.keyed.verifyTag("form-shows", describe(shows), form.tag))) {
    throw new PageError("out_of_step", `form bound to another page than ${typeof shows === "string" ? shows : "replace" in shows ? "replace" : shows.step}`);
  }
}
