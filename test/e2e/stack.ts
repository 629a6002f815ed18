import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { type ChromiumOptions, launchChromium } from "./chromium";
import { type LocalServer, type LocalServerOptions, startLocalServer } from "./local-server";

/** What a file needs beyond the defaults: server and browser options, and what to stop afterwards (an IdP, say). */
export interface StackOptions {
  server?: LocalServerOptions;
  chromium?: ChromiumOptions;
  teardown?: () => Promise<void>;
}

/** One line the Workers printed at warn or error, parsed (src/log.ts); a line that is not JSON keeps its text. */
export type WorkerLog = Record<string, unknown> & { level?: string; event: string };

function parseLog(line: string): WorkerLog {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as WorkerLog;
  } catch {
    // Not one of the Worker's own lines (workerd's, say): kept as text.
  }
  return { event: "(text)", text: line };
}

/**
 * What every e2e file needs: the local server (Worker + emulator), Chromium, and a clean
 * emulator before each test with one-second polling, so openid-client's real-time waits
 * stay short (and a poll through to Authlete at least every 5 s). Registers the hooks; read `server` and `browser` inside tests.
 *
 * The Workers' lines at warn and error are kept, not printed: a test that provokes one takes
 * them (`takeLogs`) and asserts on them. Any a test left untaken is printed after it, so a
 * warning nobody expected still shows. Info lines are dropped, as in the workers tests.
 */
export function e2eStack(prepare: () => Promise<StackOptions> = async () => ({})) {
  const logs: string[] = [];
  const stack = {
    server: undefined as unknown as LocalServer,
    browser: undefined as unknown as Browser,
    /** The Workers' warn and error lines since the test began (or since the last take), parsed; taken, they are not printed. */
    takeLogs(): WorkerLog[] {
      return logs.splice(0).map(parseLog);
    },
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
    const keep = (line: string) => {
      if (!line.includes('"level":"info"')) logs.push(line);
    };
    const server = { onLog: keep, ...o.server, vars: { POLL_PASS_THROUGH_SECONDS: "5", ...o.server?.vars } };
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
  // Printed through the console, so the report names the test they came from.
  afterEach(() => {
    for (const line of logs.splice(0)) console.error(line);
  });
  return stack;
}
