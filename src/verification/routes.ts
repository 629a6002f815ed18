import { csrf } from "hono/csrf";
import { Hono } from "hono/tiny";
import type { Env } from "../config";
import type { PageServices } from "../services";
import { resolveLocale } from "./locale";
import { onPageError } from "./on-error";
import type { PageEnv } from "./page-env";
import { callback } from "./steps/callback";
import { cancel } from "./steps/cancel";
import { confirm } from "./steps/confirm";
import { consent } from "./steps/consent";
import { enterCode } from "./steps/enter";
import { federationStart } from "./steps/federation-start";
import { report } from "./steps/report";
import { show } from "./steps/show";
import { signIn } from "./steps/sign-in";
import { signOut } from "./steps/sign-out";
import { undoApproval } from "./steps/undo";

/**
 * The verification page, mounted at /device (Authlete's deviceVerificationUri).
 * GET renders the current step; each step's form POSTs to its own URL and is answered
 * with a 303 back to /device.
 */
export function verificationRoutes(services: (env: Env) => PageServices) {
  const r = new Hono<PageEnv>();
  // The page's services first, so that even csrf()'s 403 page wears the configured theme.
  r.use(async (c, next) => {
    c.set("locale", resolveLocale(c));
    const s = services(c.env);
    c.set("services", s);
    if (s.page.theme.logoUrl) c.set("imageOrigin", new URL(s.page.theme.logoUrl).origin);
    await next();
  });
  r.use(csrf());
  r.get("/", show);
  r.post("/", enterCode);
  r.post("/confirm", confirm);
  r.post("/sign-in", signIn);
  r.post("/federation", federationStart);
  // Each provider's own redirect URI (config/page.ts CALLBACK_PATH); the bare /callback leads to /device like any other GET.
  r.get("/callback/:provider", callback);
  r.post("/sign-out", signOut);
  r.post("/consent", consent);
  r.post("/cancel", cancel);
  r.post("/report", report);
  r.post("/undo", undoApproval);
  // A step URL opened directly (a bookmark, a reload after an error) leads to the current step.
  r.get("/*", (c) => c.redirect("/device", 303));
  r.onError(onPageError);
  return r;
}
