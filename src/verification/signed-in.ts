import type { Context } from "hono";
import type { Identity } from "../auth/authenticator";
import type { ActiveFlow } from "../session/flow";
import { setSignInCookie } from "./cookies";
import type { PageEnv } from "./page-env";

/**
 * What every successful sign-in does, whichever way the user proved who they are (the built-in
 * users' form, an upstream OpenID provider): a fresh sign-in session and its cookie, then the
 * flow moves to consent with that identity. The caller answers with its 303 to /device.
 */
export async function signedIn(c: Context<PageEnv>, flowId: string, flow: ActiveFlow, identity: Identity): Promise<void> {
  const { signIns, flows } = c.var.services;
  setSignInCookie(c, await signIns.create(identity), signIns.ttlSeconds);
  await flows.save(flowId, { ...flow, step: "consent", identity });
}
