// The two management read APIs a configuration checker needs (§13): service/get and
// client/get. Success is the Service or Client object itself, not an action envelope;
// every failure is an API-call failure (non-2xx {resultCode, resultMessage}).
import { type ApiResult, apiFailure, ok } from "./errors";
import { findClient } from "./store";
import type { ApiContext, ClientDef, ServiceSettings } from "./types";

/** The methods the emulator's token and revocation endpoints accept; discovery advertises the same. */
export const TOKEN_AUTH_METHODS = ["NONE", "CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST"] as const;

/**
 * The Service members the emulator models, under Authlete's names and enum spellings. The
 * API secret is only in the v2 answer: the v2 example carries it, the v3 one does not (§13.1).
 */
function serviceObject(svc: ServiceSettings, version: 2 | 3): Record<string, unknown> {
  return {
    apiKey: svc.serviceId,
    ...(version === 2 ? { apiSecret: svc.apiSecret } : {}),
    serviceName: svc.serviceName,
    issuer: svc.issuer,
    clientIdAliasEnabled: true,
    supportedScopes: svc.supportedScopes.map((s) => ({
      name: s.name,
      defaultEntry: s.defaultEntry,
      description: s.description ?? null,
      descriptions: null,
      attributes: s.attributes ?? null,
    })),
    supportedGrantTypes: svc.supportedGrantTypes,
    supportedResponseTypes: ["CODE"],
    supportedAcrs: svc.supportedAcrs,
    supportedClaims: svc.supportedClaims,
    supportedTokenAuthMethods: TOKEN_AUTH_METHODS,
    supportedRevocationAuthMethods: TOKEN_AUTH_METHODS,
    tokenEndpoint: svc.tokenEndpoint,
    revocationEndpoint: svc.revocationEndpoint,
    jwksUri: svc.jwksUri,
    deviceAuthorizationEndpoint: svc.deviceAuthorizationEndpoint,
    deviceVerificationUri: svc.deviceVerificationUri,
    deviceVerificationUriComplete: svc.deviceVerificationUriComplete,
    deviceFlowCodeDuration: svc.deviceFlowCodeDuration,
    deviceFlowPollingInterval: svc.deviceFlowPollingInterval,
    userCodeCharset: svc.userCodeCharset,
    userCodeLength: svc.userCodeLength,
    accessTokenDuration: svc.accessTokenDuration,
    refreshTokenDuration: svc.refreshTokenDuration,
    refreshTokenDurationKept: svc.refreshTokenDurationKept,
    idTokenDuration: svc.idTokenDuration,
    errorDescriptionOmitted: svc.errorDescriptionOmitted,
    errorUriOmitted: svc.errorUriOmitted,
    dpopNonceRequired: svc.dpopNonceRequired,
  };
}

/** Authlete returns the client secret here, even a public client's (which must not use it). */
function clientObject(c: ClientDef): Record<string, unknown> {
  return {
    clientId: c.clientId,
    clientIdAlias: c.clientIdAlias,
    clientIdAliasEnabled: true,
    clientName: c.clientName,
    clientSecret: c.clientSecret,
    clientType: c.clientType,
    grantTypes: c.grantTypes,
    tokenAuthMethod: c.tokenAuthMethod,
    defaultAcrs: c.defaultAcrs,
    // Numbers and booleans written, 0 and false included; the scope list only when it applies (§1.4).
    extension: {
      requestableScopesEnabled: c.extension.requestableScopesEnabled,
      requestableScopes: c.extension.requestableScopesEnabled ? (c.extension.requestableScopes ?? []) : null,
      accessTokenDuration: c.extension.accessTokenDuration,
      refreshTokenDuration: c.extension.refreshTokenDuration,
    },
  };
}

/** v2 `/api/service/get/{apiKey}` (owner credentials) and v3 `/api/{serviceId}/service/get`. */
export function serviceGet(ctx: ApiContext): ApiResult {
  const { svc, api, version, params } = ctx;
  // The service owner may own other services; the emulator knows this one only. In v3 the
  // path's serviceId has already been checked against the token.
  if (version === 2 && params["apiKey"] !== svc.apiKey) {
    // [U] §13.3: status for a service that does not exist; option notFoundStatus.
    return apiFailure(svc.notFoundStatus, "A025301", api, `The service (API key = ${params["apiKey"]}) does not exist.`);
  }
  return ok(serviceObject(svc, version));
}

/** v2 `/api/client/get/{clientId}` and v3 `/api/{serviceId}/client/get/{clientId}`. */
export function clientGet(ctx: ApiContext): ApiResult {
  const { svc, api, clients, params } = ctx;
  const id = params["clientId"] ?? "";
  const found = findClient(clients, id);
  // [U] §13.2: the API documents a client ID; whether an alias works too is option clientGetByAlias.
  if (found === null || (found.aliasUsed && !svc.clientGetByAlias)) {
    // [U] §13.3: status for an unknown client; option notFoundStatus.
    return apiFailure(svc.notFoundStatus, "A026301", api, `The client (ID = ${id}) does not exist.`);
  }
  return ok(clientObject(found.client));
}
