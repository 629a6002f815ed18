import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { launchChromium } from "./chromium";
import { type LocalServer, type LocalServerOptions, startLocalServer } from "./local-server";

/**
 * What every e2e file needs: the local server (Worker + emulator), Chromium, and a clean
 * emulator before each test with one-second polling, so openid-client's real-time waits
 * stay short. Registers the hooks; read `server` and `browser` inside tests.
 */
export function e2eStack(options: LocalServerOptions = {}) {
  const stack = {
    server: undefined as unknown as LocalServer,
    browser: undefined as unknown as Browser,
    async control(path: string, body: unknown) {
      const res = await stack.server.emulator(`/_emulator/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`emulator ${path}: ${res.status}`);
    },
  };
  beforeAll(async () => {
    [stack.server, stack.browser] = await Promise.all([startLocalServer(options), launchChromium()]);
  });
  afterAll(async () => {
    await stack.browser?.close();
    await stack.server?.stop();
  });
  beforeEach(async () => {
    await stack.control("reset", {});
    await stack.control("service", { deviceFlowPollingInterval: 1 });
  });
  return stack;
}
