import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { JWTVerifyGetKey } from "jose";
import type { AppEnv } from "./app-env";
import { AuthleteClient, AuthleteError } from "./authlete/client";
import { ConfigError, loadConfig } from "./config";
import { deviceAuthorization } from "./endpoints/device-authorization";
import { discovery, jwks } from "./endpoints/discovery";
import { revoke } from "./endpoints/revoke";
import { token } from "./endpoints/token";
import { JSON_TYPE, oauthError } from "./http/oauth-error";
import { upstreamFailure } from "./http/upstream-error";
import { log } from "./log";
import { KvLimiter } from "./protection/limiter";
import { PollingGuard } from "./protection/polling";
import { verificationRoutes } from "./verification/routes";

export interface AppOptions {
  /** Epoch ms. Tests pass a controllable clock; production uses Date.now. */
  now?: () => number;
  /** Cloudflare Access signing keys; tests pass a local JWKS (jose createLocalJWKSet). */
  accessKeys?: JWTVerifyGetKey;
}

export function createApp(options: AppOptions = {}) {
  const now = options.now ?? Date.now;
  const app = new Hono<AppEnv>();

  /** Configuration is parsed once per env object; a bad value fails the request loudly (onError below). */
  const withAuthlete = createMiddleware<AppEnv>(async (c, next) => {
    const config = loadConfig(c.env);
    c.set("config", config);
    c.set("now", now);
    c.set("authlete", new AuthleteClient(config.authlete, config.authleteFetch));
    c.set("limiter", new KvLimiter(config.kv, now));
    c.set("polling", new PollingGuard(config.kv, now, config.pollMaxIntervalSeconds));
    await next();
  });

  app.use(async (c, next) => {
    c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
  });

  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        oauthError(405, "invalid_request", `Method ${c.req.method} is not allowed here; use ${methods.join(" or ")}.`, { Allow: methods.join(", ") }),
    }),
  );

  app.post("/device_authorization", withAuthlete, deviceAuthorization);
  app.post("/token", withAuthlete, token);
  app.post("/revoke", withAuthlete, revoke);
  app.get("/.well-known/openid-configuration", withAuthlete, discovery);
  app.get("/.well-known/oauth-authorization-server", withAuthlete, discovery);
  app.get("/jwks", withAuthlete, jwks);
  // The verification page answers its own errors as HTML pages (see verification/on-error.tsx).
  app.route("/device", verificationRoutes(withAuthlete, { accessKeys: options.accessKeys }));

  app.notFound(
    () => new Response(JSON.stringify({ error: "not_found", error_description: "No such endpoint." }), { status: 404, headers: { "Content-Type": JSON_TYPE } }),
  );

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? "";
    if (err instanceof AuthleteError) return upstreamFailure(err, c.req.routePath, requestId);
    if (err instanceof ConfigError) log("error", "config_invalid", { requestId, detail: err.message });
    else log("error", "unhandled_error", { requestId, route: c.req.routePath, detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    return oauthError(500, "server_error", "The server could not process the request.");
  });

  return app;
}
