import type { Env } from "./config";
import type { ApiServices } from "./services";

/** Hono's type parameters for the JSON routes: bindings plus what the middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** CSP nonce of this response (http/security-headers.ts). */
    nonce: string;
    services: ApiServices;
  };
}
