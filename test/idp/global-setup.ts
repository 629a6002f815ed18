// The workers project's global setup (Node): the upstream IdPs the Worker under test reaches
// over real HTTP on loopback. node-oidc-provider for the happy path, the test issuer for the
// failure cases; their URLs reach the tests through vitest's provide/inject.
import type { TestProject } from "vitest/node";
import { startIdp } from "../../scripts/idp.mjs";
import { startTestIssuer } from "./test-issuer";

declare module "vitest" {
  // The same declaration as test/env.d.ts, for this Node-side file.
  export interface ProvidedContext {
    testIssuer: string;
    oidcProvider: { issuer: string; clientId: string; clientSecret: string };
  }
}

/** The origin the workers tests address the Worker by (test/support/helpers.ts ORIGIN). */
const WORKER_ORIGIN = "http://127.0.0.1:8787";

export default async function setup(project: TestProject) {
  const [issuer, idp] = await Promise.all([startTestIssuer(), startIdp({ redirectUris: [`${WORKER_ORIGIN}/device/callback/op`] })]);
  project.provide("testIssuer", issuer.base);
  project.provide("oidcProvider", { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret });
  return async () => {
    await Promise.all([issuer.stop(), idp.stop()]);
  };
}
