import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    // Tests always run with the emulator bound.
    interface Env extends WorkerEnv {
      AUTHLETE: Fetcher;
    }
  }
}
