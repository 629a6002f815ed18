import type { Context } from "hono";
import type { Identity } from "../auth/authenticator";
import { readSignInId } from "./cookies";
import type { PageEnv } from "./page-env";

/** The user this browser is signed in as: Access's header, or our own sign-in session. */
export async function currentIdentity(c: Context<PageEnv>): Promise<Identity | null> {
  const { authenticator, signIns } = c.var.services;
  if (authenticator.mode === "header") return authenticator.fromRequest(c.req.raw);
  const id = readSignInId(c);
  return id ? signIns.load(id) : null;
}
