// A second, local OpenID provider: node-oidc-provider (a certified OP) with one client for
// device-flow-edge and its development login and consent pages (any username; the password is
// not checked). Used by the tests as the upstream IdP, and by `npm run idp` to try federation
// with `npm start`. Loopback only; nothing leaves the machine.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
// The library's own in-memory store, named rather than defaulted to: see `adapter` below.
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";
import { envPort, localOrigin, PortError } from "./lib/local-origin.mjs";

const HOUR = 60 * 60;
const DAY = 24 * HOUR;

/**
 * The development login and consent pages (devInteractions) are what this IdP is for, and the
 * library warns on every start that they are not for production. The tests and `npm run idp`
 * say what this IdP is instead, so that one warning is held back while the provider is built;
 * any other line it prints still shows.
 */
const DEV_INTERACTIONS_WARNING = "a quick start development-only feature devInteractions is enabled";

/** Runs `build` with console.warn passing on every line but those that contain `known`. */
function quietly(known, build) {
  const warn = console.warn;
  console.warn = (...args) => {
    if (!args.map(String).join(" ").includes(known)) warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

/** People the IdP knows: any login works; these get a full profile. */
const PEOPLE = {
  alice: { name: "Alice Example", given_name: "Alice", family_name: "Example", email: "alice@idp.example", email_verified: true },
  bob: { name: "Bob Example", given_name: "Bob", family_name: "Example", email: "bob@idp.example", email_verified: true },
};

/**
 * @param {{ port?: number, listenHost?: string, issuerHost?: string, redirectUris: string[], clientId?: string, clientSecret?: string }} options
 *   issuerHost: the host name in the issuer URL when it differs from where the server listens
 *   (the e2e test calls it idp.localhost and maps that name to 127.0.0.1).
 */
export async function startIdp(options) {
  const listenHost = options.listenHost ?? "127.0.0.1";
  const clientId = options.clientId ?? "device-flow-edge";
  const clientSecret = options.clientSecret ?? randomBytes(32).toString("base64url");
  let handler = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, listenHost, () => resolve(undefined));
  });
  const { port } = /** @type {{ port: number }} */ (server.address());
  const issuer = `http://${options.issuerHost ?? listenHost}:${port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const provider = quietly(
    DEV_INTERACTIONS_WARNING,
    () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: options.redirectUris,
            response_types: ["code"],
            grant_types: ["authorization_code"],
            token_endpoint_auth_method: "client_secret_basic",
          },
        ],
        async findAccount(_ctx, sub) {
          const person = PEOPLE[sub] ?? { name: sub };
          return { accountId: sub, claims: async () => ({ sub, preferred_username: sub, ...person }) };
        },
        claims: {
          openid: ["sub"],
          profile: ["name", "given_name", "family_name", "preferred_username"],
          email: ["email", "email_verified"],
        },
        features: { devInteractions: { enabled: true } },
        // In memory on purpose: a local IdP whose sessions and grants end with it. Chosen explicitly,
        // since the default store comes with a warning on every start that it is not for production.
        adapter: createMemoryAdapter(),
        // The lifetimes of what it issues, stated: the library's defaults, which otherwise print a
        // notice each the first time they are used.
        ttl: { AccessToken: HOUR, IdToken: HOUR, Interaction: HOUR, Session: 14 * DAY, Grant: 14 * DAY },
        pkce: { required: () => true },
        cookies: { keys: [randomBytes(32).toString("base64url")] },
        jwks: { keys: [{ ...jwk, kid: "idp-1", alg: "RS256", use: "sig" }] },
      }),
  );
  provider.on("server_error", (_ctx, err) => console.error(`idp: ${err.message}`));
  handler = provider.callback();
  return {
    issuer,
    port,
    clientId,
    clientSecret,
    stop: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

// `npm run idp`: an IdP for `npm start` on http://localhost:$IDP_PORT (9000), and the variables
// that point the Worker at it; its redirect URI is npm start's origin (PORT), or WORKER_ORIGIN.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const fail = (/** @type {string} */ message) => {
    console.error(`npm run idp: ${message}`);
    process.exit(1);
  };
  let workerOrigin = process.env.WORKER_ORIGIN?.trim();
  let port = 0;
  try {
    workerOrigin ||= localOrigin();
    port = envPort("IDP_PORT", 9000);
  } catch (err) {
    if (!(err instanceof PortError)) throw err;
    fail(err.message);
  }
  // Each provider has a redirect URI of its own, OIDC_REDIRECT_URI with its id: this one's id is "local".
  const redirectUriTemplate = `${workerOrigin}/device/callback/{id}`;
  const redirectUri = redirectUriTemplate.replace("{id}", "local");
  // A fixed secret, so .dev.vars stays valid across restarts; this IdP serves loopback only.
  const idp = await startIdp({
    port,
    issuerHost: "localhost",
    redirectUris: [redirectUri],
    clientSecret: "local-idp-client-secret-not-for-production",
  }).catch((err) => {
    if (err?.code === "EADDRINUSE") fail(`port ${port} is in use; choose another with IDP_PORT=…`);
    throw err;
  });
  const providers = [{ id: "local", label: "Local IdP", issuer: idp.issuer, client_id: idp.clientId, userinfo: true }];
  console.log(`
  A local OpenID provider (node-oidc-provider) is running at ${idp.issuer}
  Client ${idp.clientId}, redirect URI ${redirectUri}. Any username signs in (try alice); the password is not checked.

  Add these lines to .dev.vars, then restart npm start:

AUTHENTICATOR=oidc
OIDC_REDIRECT_URI=${redirectUriTemplate}
OIDC_PROVIDERS=${JSON.stringify(providers)}
OIDC_CLIENT_SECRET_LOCAL=${idp.clientSecret}

  Keep USERS in .dev.vars to offer the demo / demo form beside the button; its subjects stay apart
  from the IdP's, which arrive as local:<sub> (local:alice). Ctrl-C stops the IdP.
`);
  const stop = () => idp.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
