// The workers tests' handle on the test issuer (test/idp/test-issuer.ts), a Node server on
// loopback: a tenant of its own per test, what the tenant was asked, and changing how it behaves.
import { inject } from "vitest";
import type { TenantOptions } from "../idp/tenant";

const TEST_ISSUER = inject("testIssuer");

/** The one client the test issuer knows. */
export const TEST_CLIENT = { clientId: "edge-test-client", clientSecret: "edge-test-client-secret" };

/** A fresh issuer of the test IdP that misbehaves as asked: its URL (no cache is shared with another's). */
export async function tenant(options: TenantOptions = {}): Promise<string> {
  const res = await fetch(`${TEST_ISSUER}/_tenants`, { method: "POST", body: JSON.stringify(options) });
  return ((await res.json()) as { issuer: string }).issuer;
}

export interface Seen {
  endpoint: string;
  params: Record<string, string>;
  authorization?: string;
}

/** Every request the tenant has answered, in order. */
export const seen = async (issuer: string): Promise<Seen[]> => (await (await fetch(`${issuer}/_seen`)).json()) as Seen[];

/** From now on the tenant behaves as these options say (merged over the ones it was made with). */
export async function retune(issuer: string, options: TenantOptions): Promise<void> {
  const res = await fetch(`${issuer}/_options`, { method: "POST", body: JSON.stringify(options) });
  if (!res.ok) throw new Error(`retune: HTTP ${res.status}`);
}
