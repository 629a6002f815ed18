// /service/configuration (§7.2): the discovery document itself, not an action envelope;
// /service/jwks/get: the JWK Set the ID tokens are signed with.
import type { ApiResult } from "./errors";
import { jwks } from "./jwt";
import { TOKEN_AUTH_METHODS } from "./management";
import type { ApiContext, GrantType } from "./types";

const GRANT_URNS: Record<GrantType, string> = {
  AUTHORIZATION_CODE: "authorization_code",
  REFRESH_TOKEN: "refresh_token",
  CLIENT_CREDENTIALS: "client_credentials",
  DEVICE_CODE: "urn:ietf:params:oauth:grant-type:device_code",
  PASSWORD: "password",
  TOKEN_EXCHANGE: "urn:ietf:params:oauth:grant-type:token-exchange",
  JWT_BEARER: "urn:ietf:params:oauth:grant-type:jwt-bearer",
};

function flag(v: unknown): boolean {
  return v === true || v === "true";
}

export function serviceConfiguration(ctx: ApiContext): ApiResult {
  const { svc } = ctx;
  const pretty = ctx.method === "GET" ? flag(ctx.query.get("pretty")) : flag(ctx.body["pretty"]);
  const doc: Record<string, unknown> = {
    issuer: svc.issuer,
    token_endpoint: svc.tokenEndpoint,
  };
  if (svc.jwksUri) doc["jwks_uri"] = svc.jwksUri;
  doc["scopes_supported"] = svc.supportedScopes.map((s) => s.name);
  doc["response_types_supported"] = ["code"];
  doc["grant_types_supported"] = svc.supportedGrantTypes.map((g) => GRANT_URNS[g]);
  if (svc.supportedAcrs !== null) doc["acr_values_supported"] = svc.supportedAcrs;
  doc["subject_types_supported"] = ["public"];
  doc["id_token_signing_alg_values_supported"] = ["RS256"];
  const authMethods = TOKEN_AUTH_METHODS.map((m) => m.toLowerCase());
  doc["token_endpoint_auth_methods_supported"] = authMethods;
  if (svc.supportedClaims !== null) doc["claims_supported"] = svc.supportedClaims;
  if (svc.revocationEndpoint) {
    doc["revocation_endpoint"] = svc.revocationEndpoint;
    doc["revocation_endpoint_auth_methods_supported"] = authMethods;
  }
  doc["device_authorization_endpoint"] = svc.deviceAuthorizationEndpoint;
  doc["dpop_signing_alg_values_supported"] = svc.dpopSigningAlgs;
  doc["request_parameter_supported"] = false;
  doc["request_uri_parameter_supported"] = false;
  return { status: 200, body: doc, pretty };
}

export async function serviceJwks(ctx: ApiContext): Promise<ApiResult> {
  return { status: 200, body: await jwks(), pretty: flag(ctx.query.get("pretty")) };
}
