import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type ChromiumOptions, launchChromium } from "./chromium";
import { type LocalServer, type LocalServerOptions, startLocalServer } from "./local-server";

/** What a file needs beyond the defaults: server and browser options, and what to stop afterwards (an IdP, say). */
export interface StackOptions {
  server?: LocalServerOptions;
  chromium?: ChromiumOptions;
  teardown?: () => Promise<void>;
}

/**
 * What every e2e file needs: the local server (Worker + emulator), Chromium, and a clean
 * emulator before each test with one-second polling, so openid-client's real-time waits
 * stay short (and a poll through to Authlete at least every 5 s). Registers the hooks; read `server` and `browser` inside tests.
 */
export function e2eStack(prepare: () => Promise<StackOptions> = async () => ({})) {
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
  let teardown: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const o = await prepare();
    teardown = o.teardown;
    // The tests move the emulator's clock (Authlete's), never the Worker's: a code they expire that
    // way is heard at the device's next pass-through poll, so a short one keeps those waits short.
    const server = { ...o.server, vars: { POLL_PASS_THROUGH_SECONDS: "5", ...o.server?.vars } };
    [stack.server, stack.browser] = await Promise.all([startLocalServer(server), launchChromium(o.chromium)]);
  });
  afterAll(async () => {
    await stack.browser?.close();
    await stack.server?.stop();
    await teardown?.();
  });
  beforeEach(async () => {
    await stack.control("reset", {});
    await stack.control("service", { deviceFlowPollingInterval: 1 });
  });
  return stack;
}
