// The upstream OpenID provider for the federation rows: the tests' own issuer
// (test/idp/test-issuer.ts, on real HTTP on loopback), compiled for Node with esbuild as
// bench/soak.mjs compiles the e2e server. Its /authorize answers at once with a redirect back
// (no login page), so a sign-in is the Worker's work and the provider's token endpoint, nothing else.
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const COMPILED = "dist/bench/test-issuer.mjs";

/**
 * Starts the issuer and makes one tenant (its own issuer URL) per name.
 * @template {string} N
 * @param {N[]} names
 * @returns {Promise<{ issuers: Record<N, string>, clientId: string, clientSecret: string, stop: () => Promise<void> }>}
 */
export async function startIdp(names) {
  await build({
    entryPoints: ["test/idp/test-issuer.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: COMPILED,
    logLevel: "warning",
  });
  /** @type {typeof import("../../test/idp/test-issuer")} */
  const { startTestIssuer, TEST_CLIENT } = await import(pathToFileURL(COMPILED).href);
  const idp = await startTestIssuer();
  /** @type {Partial<Record<N, string>>} */
  const issuers = {};
  for (const name of names) {
    const res = await fetch(`${idp.base}/_tenants`, { method: "POST", body: "{}", signal: AbortSignal.timeout(10_000) });
    const { issuer } = /** @type {{ issuer: string }} */ (await res.json());
    issuers[name] = issuer;
  }
  return { issuers: /** @type {Record<N, string>} */ (issuers), clientId: TEST_CLIENT.clientId, clientSecret: TEST_CLIENT.clientSecret, stop: idp.stop };
}
