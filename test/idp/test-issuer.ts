// A small OpenID issuer for the failure cases, on real HTTP (loopback), in Node. Each test makes
// its own tenant (its own issuer URL, so no cache is shared) and says how that tenant misbehaves:
// its clock, an ID token claim, the key it signs with, a 500. It does what an OP must (the
// client's credentials, single-use codes, PKCE S256 against the challenge, redirect_uri), so a
// success proves the Worker sent the right things; everything it returns is checked by
// oauth4webapi in the Worker. The happy path through a certified OP is node-oidc-provider.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { TenantOptions } from "./tenant";

export interface Seen {
  endpoint: string;
  params: Record<string, string>;
  authorization?: string;
}

interface Tenant {
  options: TenantOptions;
  codes: Map<string, { nonce: string; challenge: string; method: string; redirectUri: string; used: boolean }>;
  seen: Seen[];
}

export const TEST_CLIENT = { clientId: "edge-test-client", clientSecret: "edge-test-client-secret" };

const b64u = (buf: Buffer) => buf.toString("base64url");

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTestIssuer(): Promise<{ base: string; stop: () => Promise<void> }> {
  const good = await generateKeyPair("RS256", { extractable: true });
  const bad = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(good.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const tenants = new Map<string, Tenant>();
  /** Answers left hanging (TenantOptions.stall), ended when the server stops. */
  const stalled = new Set<ServerResponse>();
  let base = "";

  const plain = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    res.end(JSON.stringify(value));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", base);
    if (req.method === "POST" && url.pathname === "/_tenants") {
      const id = b64u(randomBytes(9));
      tenants.set(id, { options: JSON.parse((await body(req)) || "{}") as TenantOptions, codes: new Map(), seen: [] });
      return plain(res, 201, { issuer: `${base}/t/${id}` });
    }
    const m = /^\/t\/([\w-]+)(\/.*)$/.exec(url.pathname);
    const tenant = m ? tenants.get(m[1]!) : undefined;
    if (!m || !tenant) return plain(res, 404, { error: "not_found" });
    const issuer = `${base}/t/${m[1]}`;
    const o = tenant.options;
    const path = m[2]!;
    // Every JSON answer of this tenant: as is, stalled after its headers, or padded to a size, as the tenant says.
    const json = (res: ServerResponse, status: number, value: unknown) => {
      if (o.stall?.includes(path)) {
        res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
        res.write("{");
        stalled.add(res);
        return;
      }
      const extra = o.pad?.[path];
      if (!extra || typeof value !== "object" || value === null) return plain(res, status, value);
      res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.write(`${JSON.stringify(value).slice(0, -1)},"pad":"`);
      const chunk = "x".repeat(64 * 1024);
      let left = extra;
      const more = () => {
        while (left > 0) {
          const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
          left -= piece.length;
          if (!res.write(piece)) return void res.once("drain", more);
        }
        res.end('"}');
      };
      res.on("error", () => {});
      more();
    };
    const params =
      req.method === "POST" && path === "/_options"
        ? (JSON.parse(await body(req)) as Record<string, string>)
        : req.method === "POST"
          ? Object.fromEntries(new URLSearchParams(await body(req)))
          : Object.fromEntries(url.searchParams);
    if (path !== "/_seen" && path !== "/_options")
      tenant.seen.push({ endpoint: path, params, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });

    if (o.bodies && path in o.bodies) return json(res, 200, o.bodies[path]);
    switch (path) {
      case "/_seen":
        return plain(res, 200, tenant.seen);
      case "/_options":
        // Change how this tenant behaves from now on (say, a discovery document that was bad and is good again).
        Object.assign(o, params);
        return plain(res, 200, o);
      case "/cdn-cgi/access/certs":
        return json(res, 200, o.certs ?? { keys: [] });
      case "/.well-known/openid-configuration":
        if (o.discovery === "500") {
          res.writeHead(500, { "Content-Type": "text/html" });
          return res.end("<h1>Internal Server Error</h1>");
        }
        if (o.discovery === "malformed") {
          res.writeHead(200, { "Content-Type": "application/json" });
          return res.end("{ this is not json");
        }
        return json(res, 200, {
          issuer: o.discovery === "wrong-issuer" ? `${issuer}-other` : issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          ...(o.advertiseIss ? { authorization_response_iss_parameter_supported: true } : {}),
        });
      case "/jwks":
        return json(res, 200, { keys: [jwk] });
      case "/authorize": {
        if (o.mixUp) {
          // The hostile provider's move: the honest provider's authorization request, with our state.
          const on = new URL(o.mixUp.to);
          on.searchParams.set("state", params["state"] ?? "");
          res.writeHead(302, { Location: on.href });
          return res.end();
        }
        const code = b64u(randomBytes(24));
        tenant.codes.set(code, {
          nonce: params["nonce"] ?? "",
          challenge: params["code_challenge"] ?? "",
          method: params["code_challenge_method"] ?? "",
          redirectUri: params["redirect_uri"] ?? "",
          used: false,
        });
        const back = new URL(params["redirect_uri"] ?? "");
        back.searchParams.set("code", code);
        if (params["state"]) back.searchParams.set("state", params["state"]);
        const iss = o.authorizationIss ?? "issuer";
        if (iss !== "omit") back.searchParams.set("iss", iss === "issuer" ? issuer : iss.value);
        res.writeHead(302, { Location: back.href });
        return res.end();
      }
      case "/token": {
        if (o.token === "500") {
          res.writeHead(500, { "Content-Type": "text/plain" });
          return res.end("upstream exploded");
        }
        const [id, secret] = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64")
          .toString()
          .split(":")
          .map(decodeURIComponent);
        if (id !== TEST_CLIENT.clientId || secret !== TEST_CLIENT.clientSecret) return json(res, 401, { error: "invalid_client" });
        const grant = tenant.codes.get(params["code"] ?? "");
        if (!grant || grant.used) return json(res, 400, { error: "invalid_grant", error_description: "code unknown or used" });
        grant.used = true;
        const pkce = b64u(
          createHash("sha256")
            .update(params["code_verifier"] ?? "")
            .digest(),
        );
        if (grant.method !== "S256" || pkce !== grant.challenge)
          return json(res, 400, { error: "invalid_grant", error_description: "PKCE verification failed" });
        if (params["redirect_uri"] !== grant.redirectUri) return json(res, 400, { error: "invalid_grant", error_description: "redirect_uri mismatch" });
        const now = Math.floor(Date.now() / 1000) + (o.clockOffsetSeconds ?? 0);
        const claims: Record<string, unknown> = {
          iss: issuer,
          sub: o.sub ?? "alice",
          aud: TEST_CLIENT.clientId,
          iat: now,
          exp: now + 300,
          auth_time: now - 5,
          nonce: grant.nonce,
          acr: "urn:example:acr:mfa",
          name: "Alice Example",
          email: "alice@idp.example",
          email_verified: true,
          groups: ["tv-owners"],
        };
        for (const [k, v] of Object.entries(o.idToken ?? {})) {
          if (v === null) delete claims[k];
          else claims[k] = v;
        }
        const idToken = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(o.badSignature ? bad.privateKey : good.privateKey);
        return json(res, 200, { access_token: b64u(randomBytes(24)), token_type: "Bearer", expires_in: 300, id_token: idToken });
      }
      case "/userinfo":
        return json(res, 200, { sub: o.sub ?? "alice", name: "Alice Example", ...o.userinfo });
      default:
        return json(res, 404, { error: "not_found" });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    stop: () =>
      new Promise((resolve) => {
        for (const res of stalled) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
