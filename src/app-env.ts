import type { AuthleteClient } from "./authlete/client";
import type { Config } from "./config";
import type { Env } from "./env";
import type { Limiter } from "./protection/limiter";
import type { PollingGuard } from "./protection/polling";

/** Hono's type parameters for this app: bindings plus what the middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    authlete: AuthleteClient;
    limiter: Limiter;
    polling: PollingGuard;
    /** Epoch ms; injectable so tests can drive time. */
    now: () => number;
  };
}
