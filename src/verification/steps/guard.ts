import type { Context } from "hono";
import type { ActiveFlow, ActiveStep } from "../../session/flow";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";

/**
 * The flow of this browser, if it is at one of `steps`. A form from another step (a
 * skipped step, a stale tab, a replay) changes nothing and calls nobody.
 */
export async function requireStep(c: Context<PageEnv>, flowId: string, ...steps: ActiveStep[]): Promise<ActiveFlow> {
  const { flows, now } = c.var;
  const flow = await flows.load(flowId);
  if (!flow || flow.step === "ended") throw new PageError("out_of_step", "no active verification");
  if (flow.expiresAt <= now()) {
    await flows.remove(flowId);
    throw new PageError("expired", "user code expired during the flow");
  }
  if (!steps.includes(flow.step)) throw new PageError("out_of_step", `form for ${steps.join("/")} while at ${flow.step}`);
  return flow;
}
