import type { Context } from "hono";
import type { ActiveFlow, ActiveStep, Flow } from "../session/flow";
import { expectShows, type PageForm } from "./form";
import type { PageEnv } from "./page-env";
import { PageError } from "./page-error";

/**
 * This browser's flow, or null. The one expiry check of the page: a flow whose user code has
 * run out ends here (KV keeps a key up to a minute past its TTL, and the code may expire
 * while the person reads the page).
 */
export async function loadFlow(c: Context<PageEnv>, flowId: string): Promise<Flow | null> {
  const { flows } = c.var.services;
  const flow = await flows.load(flowId);
  if (flow && flow.step !== "ended" && flows.expired(flow)) {
    await flows.remove(flowId);
    throw new PageError("expired", "user code expired during the flow");
  }
  return flow;
}

/**
 * The flow of this browser, if it is at one of `steps` and the form was rendered for it (the
 * same step and the same code). A form from another step or another code (a skipped step, a
 * stale tab, a replay) changes nothing and calls nobody.
 */
export async function requireStep(c: Context<PageEnv>, form: PageForm, ...steps: ActiveStep[]): Promise<ActiveFlow> {
  const flow = await loadFlow(c, form.flowId);
  if (!flow || flow.step === "ended") throw new PageError("out_of_step", "no active verification");
  if (!steps.includes(flow.step)) throw new PageError("out_of_step", `form for ${steps.join("/")} while at ${flow.step}`);
  await expectShows(c, form, { step: flow.step, userCode: flow.userCode });
  return flow;
}
