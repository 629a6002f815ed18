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
