import type { Context } from "hono";
import type { Identity } from "../auth/authenticator";
import { log } from "../log";
import type { ActiveFlow } from "../session/flow";
import { newFlowId, setFlowCookie, setSignInCookie } from "./cookies";
import type { PageEnv } from "./page-env";

/**
 * What every successful sign-in does, whichever way the person proved who they are (the
 * built-in users' form, an upstream OpenID provider): remember the signed-in browser, and move
 * the flow on to consent under a new flow id, so an id that someone learned or planted before
 * the sign-in is worth nothing after it. The caller answers with its 303 to /device.
 */
export async function signedIn(c: Context<PageEnv>, flowId: string, flow: ActiveFlow, identity: Identity): Promise<void> {
  const { signIns, flows, keyed } = c.var.services;
  // Both records first, then both cookies: a storage failure changes nothing in the browser.
  const session = await signIns.create(identity);
  const rotated = await newFlowId(keyed);
  await flows.save(rotated, { ...flow, step: "consent", identity, signedInHere: true });
  setFlowCookie(c, rotated);
  setSignInCookie(c, session, signIns.ttlSeconds);
  // Unreachable without the old cookie, which the browser no longer has; KV's TTL ends it anyway.
  await flows.remove(flowId).catch((err: unknown) => log("warn", "verification_state_kv_failure", { requestId: c.var.requestId, detail: String(err) }));
}
