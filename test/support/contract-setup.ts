// Setup file of the workers test projects: after every test (and after a file's own hooks)
// every answer the emulator gave is checked against Authlete's published schemas
// (authlete-contract.ts). A test whose calls drew an answer outside the contract fails, naming
// the API, the member and the reason.
import { env } from "cloudflare:test";
import { afterAll, afterEach } from "vitest";
import { checkTaken, type TakenAnswers } from "./authlete-contract";

async function checkEmulatorAnswers(): Promise<void> {
  // The emulator itself, not test/support/helpers.ts: that would load the Worker into files that never use it.
  const res = await env.AUTHLETE.fetch("http://authlete-emulator/_emulator/answers/take", { method: "POST" });
  if (!res.ok) throw new Error(`emulator answers/take: HTTP ${res.status}`);
  checkTaken((await res.json()) as TakenAnswers);
}

afterEach(checkEmulatorAnswers);
afterAll(checkEmulatorAnswers);
