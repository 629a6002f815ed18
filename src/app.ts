import { createMiddleware } from "hono/factory";
import { methodNotAllowed } from "hono/method-not-allowed";
import { Hono } from "hono/tiny";
import type { AppEnv } from "./app-env";
import { AuthleteError } from "./authlete/errors";
import { ConfigError } from "./config";
import { deviceAuthorization } from "./endpoints/device-authorization";
import { discovery, jwks } from "./endpoints/discovery";
import { revoke } from "./endpoints/revoke";
import { token } from "./endpoints/token";
import { methodNotAllowed as notAllowed, notFound, serverError } from "./http/oauth-errors";
import { securityHeaders } from "./http/security-headers";
import { upstreamFailure } from "./http/upstream-error";
import { log } from "./log";
import { ROUTES } from "./routes.mjs";
import { compose, type ServiceOptions } from "./services";
import { faviconResponse } from "./verification/favicon";
import { verificationRoutes } from "./verification/routes";
import { FALLBACK_THEME } from "./verification/theme";

export type AppOptions = ServiceOptions;

export function createApp(options: AppOptions = {}) {
  const services = compose(options);
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
    await next();
  });
  app.use(securityHeaders);
  // A known path asked with another method (a `:param` or `*` route included): 405 with the
  // methods its routes take (GET implies HEAD), in the OAuth error body the other answers use.
  app.use(methodNotAllowed({ app, onMethodNotAllowed: (c, methods) => notAllowed(c.req.method, methods) }));

  /** The JSON endpoints' services; a bad variable fails the request loudly (onError below). */
  const api = createMiddleware<AppEnv>(async (c, next) => {
    c.set("services", services.api(c.env));
    await next();
  });
  app.post(ROUTES.deviceAuthorization, api, deviceAuthorization);
  app.post(ROUTES.token, api, token);
  app.post(ROUTES.revocation, api, revoke);
  app.get("/.well-known/openid-configuration", api, discovery);
  app.get("/.well-known/oauth-authorization-server", api, discovery);
  app.get(ROUTES.jwks, api, jwks);
  // The verification page answers its own errors as HTML pages (see verification/on-error.tsx).
  app.route(ROUTES.verification, verificationRoutes(services.page));
  // In the accent colour; a page variable that fails to load (say, USERS) leaves the default one.
  app.get("/favicon.ico", (c) => {
    let accent = FALLBACK_THEME.accent;
    try {
      accent = services.page(c.env).page.theme.accent;
    } catch {
      // The page answers that error itself (and logs it); the icon just keeps the default look.
    }
    return faviconResponse(accent);
  });

  app.notFound(() => notFound());

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? "";
    if (err instanceof AuthleteError) return upstreamFailure(err, c.req.routePath, requestId);
    if (err instanceof ConfigError) log("error", "config_invalid", { requestId, detail: err.message });
    else log("error", "unhandled_error", { requestId, route: c.req.routePath, detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    return serverError();
  });

  return app;
}
