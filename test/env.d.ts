/// <reference types="vite/client" />
import type { Env as WorkerEnv } from "../src/config";

declare global {
  namespace Cloudflare {
    // Tests always run with the emulator bound.
    interface Env extends WorkerEnv {
      AUTHLETE: Fetcher;
    }
  }
}

declare module "vitest" {
  // From test/idp/global-setup.ts: the upstream IdPs, on loopback.
  export interface ProvidedContext {
    /** Base URL of the test issuer (test/idp/test-issuer.ts); POST /_tenants makes an issuer. */
    testIssuer: string;
    /** node-oidc-provider and its client for the Worker. */
    oidcProvider: { issuer: string; clientId: string; clientSecret: string };
  }
}
