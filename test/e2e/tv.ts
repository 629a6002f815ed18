// The device side of the e2e tests: a TV that is nothing but openid-client, configured by
// discovery against the local origin and talking to it over real HTTP.
import * as client from "openid-client";
import { placedAt } from "./local-server";

export interface TvOptions {
  /** The client it is registered as; `demo-device` (public) unless given. */
  client?: { id: string; auth: client.ClientAuth };
  /** Where the edge places its requests (local-server.ts placedAt); the server's default place unless given. */
  at?: { ip?: string; cf?: Record<string, unknown> };
  scope?: string;
}

/** How a TV's polling ended, settled into a value so a refusal is asserted by the test, not reported as unhandled. */
export type TvOutcome = { tokens: Awaited<ReturnType<typeof client.pollDeviceAuthorizationGrant>>; error: undefined } | { tokens: undefined; error: unknown };

/**
 * Asks for a code. The TV says what it is, as a real one does (the confirm page shows it as the
 * device's own claim). `poll()` starts polling until the grant ends; a test that only needs a code
 * never calls it, so no stray poller outlives it.
 */
export async function tv(origin: string, options: TvOptions = {}) {
  const who = options.client ?? { id: "demo-device", auth: client.None() };
  const config = await client.discovery(new URL(origin), who.id, undefined, who.auth, { execute: [client.allowInsecureRequests] });
  const placed = placedAt(options.at ?? {});
  config[client.customFetch] = (url, init) => {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(placed)) headers.set(k, v);
    headers.set("User-Agent", "DemoTV/2.1 (Tizen 8.0)");
    return fetch(url, { ...init, headers } as RequestInit);
  };
  const da = await client.initiateDeviceAuthorization(config, { scope: options.scope ?? "openid profile" });
  const poll = (): Promise<TvOutcome> =>
    client.pollDeviceAuthorizationGrant(config, da).then(
      (tokens) => ({ tokens, error: undefined }),
      (error: unknown) => ({ tokens: undefined, error }),
    );
  return { da, poll };
}
