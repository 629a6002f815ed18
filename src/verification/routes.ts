import { Hono, type MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { createMiddleware } from "hono/factory";
import type { JWTVerifyGetKey } from "jose";
import type { AppEnv } from "../app-env";
import { AccessAuthenticator, accessKeysFor } from "../auth/access";
import type { Authenticator } from "../auth/authenticator";
import { PasswordAuthenticator } from "../auth/password";
import { loadPageConfig, type PageConfig } from "../config";
import { FlowStore } from "../session/flow";
import { SignInStore } from "../session/sign-in";
import { pageHeaders } from "./headers";
import { onPageError } from "./on-error";
import type { PageEnv } from "./page-env";
import { cancel } from "./steps/cancel";
import { confirm } from "./steps/confirm";
import { consent } from "./steps/consent";
import { enterCode } from "./steps/enter";
import { show } from "./steps/show";
import { signIn } from "./steps/sign-in";
import { signOut } from "./steps/sign-out";

export interface VerificationOptions {
  /** Where Cloudflare Access keys come from; tests pass a local JWKS. Default: the team's certs URL. */
  accessKeys?: JWTVerifyGetKey;
}

/**
 * The verification page, mounted at /device (Authlete's deviceVerificationUri).
 * GET renders the current step; each step's form POSTs to its own URL and is answered
 * with a 303 back to /device.
 */
export function verificationRoutes(prepare: MiddlewareHandler<AppEnv>, options: VerificationOptions = {}) {
  // Built once per configuration: the password authenticator precomputes its user map and decoy hash.
  const authenticators = new WeakMap<PageConfig, Authenticator>();
  const authenticatorFor = (page: PageConfig, now: () => number): Authenticator => {
    let authenticator = authenticators.get(page);
    if (!authenticator) {
      const a = page.authenticator;
      authenticator =
        a.kind === "access"
          ? new AccessAuthenticator(a.teamDomain, a.audience, options.accessKeys ?? accessKeysFor(a.teamDomain), now)
          : new PasswordAuthenticator(a.users, now);
      authenticators.set(page, authenticator);
    }
    return authenticator;
  };

  const pageContext = createMiddleware<PageEnv>(async (c, next) => {
    const page = loadPageConfig(c.env);
    const { config, now } = c.var;
    c.set("page", page);
    c.set("authenticator", authenticatorFor(page, now));
    c.set("flows", new FlowStore(config.kv, now));
    c.set("signIns", new SignInStore(config.kv, now, page.signInSessionSeconds));
    await next();
  });

  const r = new Hono<PageEnv>();
  // Headers first: they must reach every answer, error pages included. csrf() comes after
  // the page context so that even its 403 page wears the configured theme. (The cast: hono's
  // context type is invariant, and PageEnv only adds variables to AppEnv.)
  r.use(pageHeaders, prepare as unknown as MiddlewareHandler<PageEnv>, pageContext, csrf());
  r.get("/", show);
  r.post("/", enterCode);
  r.post("/confirm", confirm);
  r.post("/sign-in", signIn);
  r.post("/sign-out", signOut);
  r.post("/consent", consent);
  r.post("/cancel", cancel);
  // A step URL opened directly (a bookmark, a reload after an error) leads to the current step.
  r.get("/*", (c) => c.redirect("/device", 303));
  r.onError(onPageError);
  return r;
}
