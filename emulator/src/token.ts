// /auth/token (§6) and /auth/revocation (§7.4).
import { randomToken } from "../../src/crypto";
import { type ApiResult, apiFailure, ok, protocolError, result } from "./errors";
import { checkDpopProof, signJwt } from "./jwt";
import { clientFields as allClientFields, authenticateClient, Params, str } from "./params";
import { resolveScopes } from "./scopes";
import { deleteTokens, now, saveTokens, state } from "./store";
import type { ApiContext, AuthzDetails, ClientDef, GrantType, Property, ServiceSettings } from "./types";

const GRANTS: Record<string, GrantType> = {
  authorization_code: "AUTHORIZATION_CODE",
  refresh_token: "REFRESH_TOKEN",
  client_credentials: "CLIENT_CREDENTIALS",
  "urn:ietf:params:oauth:grant-type:device_code": "DEVICE_CODE",
  password: "PASSWORD",
  "urn:ietf:params:oauth:grant-type:token-exchange": "TOKEN_EXCHANGE",
  "urn:ietf:params:oauth:grant-type:jwt-bearer": "JWT_BEARER",
};

/** §6.2: the token answer names the client as the device answers do, but without its name. */
function clientFields(client: ClientDef | null, aliasUsed: boolean): Record<string, unknown> {
  const { clientName: _name, ...fields } = allClientFields(client, aliasUsed);
  return fields;
}

/** RFC 8693 §3 token type URIs (and Native SSO's device secret) by Authlete's TokenType names. */
const TOKEN_TYPES: Record<string, string> = {
  "urn:ietf:params:oauth:token-type:jwt": "JWT",
  "urn:ietf:params:oauth:token-type:access_token": "ACCESS_TOKEN",
  "urn:ietf:params:oauth:token-type:refresh_token": "REFRESH_TOKEN",
  "urn:ietf:params:oauth:token-type:id_token": "ID_TOKEN",
  "urn:ietf:params:oauth:token-type:saml1": "SAML1",
  "urn:ietf:params:oauth:token-type:saml2": "SAML2",
  "urn:openid:params:token-type:device-secret": "DEVICE_SECRET",
};

/** Members of the token response that a property must not overwrite. */
const RESERVED_MEMBERS = new Set(["access_token", "refresh_token", "scope", "id_token", "token_type", "expires_in"]);
const RESERVED_CLAIMS = new Set(["iss", "sub", "aud", "exp", "iat", "auth_time", "acr", "nonce", "azp"]);

type Explicit = { description?: string | null; uri?: string | null };

interface Issue {
  svc: ServiceSettings;
  client: ClientDef;
  aliasUsed: boolean;
  grantType: GrantType;
  grantTypeParam: string;
  subject: string | null;
  scopes: string[];
  properties: Property[];
  resources: string[] | null;
  authorizationDetails: AuthzDetails | null;
  /** The DPoP key's thumbprint when the token request carried a valid proof: the tokens are bound to it. */
  dpopJkt: string | null;
  userCode: string | null;
  withRefresh: boolean;
  idToken: { sub: string; aud: string; authTime: number; acr: string | null; claims: Record<string, unknown> | null } | null;
  accessTokenDuration: number;
  refreshTokenDuration: number;
  accessTokenValue: string | null;
  extra: Record<string, unknown>;
}

async function issueTokens(o: Issue): Promise<ApiResult> {
  const t = now();
  const accessToken = o.accessTokenValue ?? randomToken();
  const accessTokenExpiresAt = t + o.accessTokenDuration * 1000;
  const refreshToken = o.withRefresh ? randomToken() : null;
  const refreshTokenExpiresAt = refreshToken !== null ? t + o.refreshTokenDuration * 1000 : 0;

  let idToken: string | null = null;
  if (o.idToken !== null && o.scopes.includes("openid")) {
    const iat = Math.floor(t / 1000);
    const claims: Record<string, unknown> = {
      iss: o.svc.issuer,
      sub: o.idToken.sub,
      aud: o.idToken.aud,
      exp: iat + o.svc.idTokenDuration,
      iat,
    };
    if (o.idToken.authTime > 0) claims["auth_time"] = o.idToken.authTime;
    if (o.idToken.acr !== null) claims["acr"] = o.idToken.acr;
    for (const [k, v] of Object.entries(o.idToken.claims ?? {})) if (!RESERVED_CLAIMS.has(k)) claims[k] = v;
    idToken = await signJwt(claims);
  }

  saveTokens({
    accessToken,
    accessTokenExpiresAt,
    refreshToken,
    refreshTokenExpiresAt,
    clientId: o.client.clientId,
    subject: o.subject,
    scopes: o.scopes,
    properties: o.properties,
    grantType: o.grantType,
    resources: o.resources,
    authorizationDetails: o.authorizationDetails,
    dpopJkt: o.dpopJkt,
    userCode: o.userCode,
  });

  // Member order as Authlete writes it (§6.2 example); visible properties come last.
  const content: Record<string, unknown> = { access_token: accessToken };
  if (refreshToken !== null) content["refresh_token"] = refreshToken;
  if (o.scopes.length > 0) content["scope"] = o.scopes.join(" ");
  if (idToken !== null) content["id_token"] = idToken;
  content["token_type"] = o.dpopJkt !== null ? "DPoP" : "Bearer";
  content["expires_in"] = o.accessTokenDuration;
  for (const p of o.properties) if (!p.hidden && !RESERVED_MEMBERS.has(p.key)) content[p.key] = p.value;

  return ok({
    ...result("A050001", `The token request (grant_type=${o.grantTypeParam}) was processed successfully.`),
    action: "OK",
    responseContent: JSON.stringify(content),
    username: null,
    password: null,
    ticket: null,
    accessToken,
    accessTokenExpiresAt,
    accessTokenDuration: o.accessTokenDuration,
    refreshToken,
    refreshTokenExpiresAt,
    refreshTokenDuration: refreshToken !== null ? o.refreshTokenDuration : 0,
    idToken,
    jwtAccessToken: null,
    grantType: o.grantType,
    ...clientFields(o.client, o.aliasUsed),
    subject: o.subject,
    scopes: o.scopes,
    properties: o.properties.length > 0 ? o.properties : null,
    resources: o.resources,
    accessTokenResources: o.resources,
    authorizationDetails: o.authorizationDetails,
    grantId: null,
    serviceAttributes: null,
    clientAttributes: null,
    refreshTokenScopes: refreshToken !== null ? o.scopes : null,
    ...o.extra,
  });
}

function parseRequestProperties(v: unknown): Property[] | null {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return null;
  const out: Property[] = [];
  for (const p of v) {
    const pr = p as Record<string, unknown> | null;
    if (typeof pr !== "object" || pr === null || typeof pr["key"] !== "string" || typeof pr["value"] !== "string") return null;
    out.push({ key: pr["key"], value: pr["value"], hidden: pr["hidden"] === true });
  }
  return out;
}

function positive(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/**
 * Token lifetimes when the request names none: the service's, or the client's extension when it
 * is positive and shorter ("Authlete chooses the minimum value among the candidates", §13.2).
 */
function defaultLifetimes(svc: ServiceSettings, client: ClientDef): { access: number; refresh: number } {
  const shorter = (service: number, own: number) => (own > 0 && own < service ? own : service);
  return {
    access: shorter(svc.accessTokenDuration, client.extension.accessTokenDuration),
    refresh: shorter(svc.refreshTokenDuration, client.extension.refreshTokenDuration),
  };
}

export async function token(ctx: ApiContext): Promise<ApiResult> {
  const { svc, body, api, clients } = ctx;
  const code = (seq: string) => `A050${seq}`;
  // §6.3: the AS turns dpopNonce into a DPoP-Nonce header, so it rides on every answer.
  const nonceField: Record<string, unknown> = svc.dpopNonce !== null ? { dpopNonce: svc.dpopNonce } : {};
  const bad = (error: string, seq: string, text: string, extra: Record<string, unknown> = {}, explicit?: Explicit) =>
    protocolError(svc, "BAD_REQUEST", error, code(seq), text, { ...extra, ...nonceField }, explicit);

  const parameters = body["parameters"];
  if (typeof parameters !== "string") return bad("invalid_request", "201", "The request does not contain 'parameters' parameter.");
  const params = new Params(parameters);
  const dup = params.duplicated(["resource", "audience"]);
  if (dup !== null) return bad("invalid_request", "311", `The '${dup}' parameter is included more than once.`);

  const gt = params.value("grant_type");
  if (gt === null) return bad("invalid_request", "312", "The token request does not contain 'grant_type'.");
  const grantType = GRANTS[gt];
  if (grantType === undefined || !svc.supportedGrantTypes.includes(grantType)) {
    return bad("unsupported_grant_type", "313", `The grant type '${gt}' is not supported.`);
  }

  const auth = authenticateClient(params, body, clients);
  if (!auth.ok) {
    return protocolError(svc, "INVALID_CLIENT", "invalid_client", code(auth.seq), auth.text, {
      ...clientFields(auth.client, auth.aliasUsed),
      ...nonceField,
    });
  }
  const { client, aliasUsed } = auth;
  const cf = clientFields(client, aliasUsed);

  // An authorization code is looked up before anything else, and no client can hold one here.
  if (grantType !== "AUTHORIZATION_CODE" && !client.grantTypes.includes(grantType)) {
    // [U] §6.4: error for a client without the device grant; option deviceGrantNotAllowedError.
    const error = grantType === "DEVICE_CODE" ? svc.deviceGrantNotAllowedError : "unauthorized_client";
    return bad(error, "314", `The client (ID = ${client.clientId}) is not allowed to use the grant type '${gt}'.`, cf);
  }

  const properties = parseRequestProperties(body["properties"]);
  if (properties === null) return apiFailure(400, "A050202", api, "'properties' must be an array of {key, value, hidden}.");

  const dpopProof = str(body["dpop"]);
  let dpopJkt: string | null = null;
  if (dpopProof !== null && dpopProof !== "") {
    const nonceRequired = svc.dpopNonceRequired || body["dpopNonceRequired"] === true;
    const check = await checkDpopProof(dpopProof, {
      htm: str(body["htm"]) || "POST",
      htu: str(body["htu"]) || svc.tokenEndpoint,
      allowedAlgs: svc.dpopSigningAlgs,
      nonce: nonceRequired && svc.dpopNonce !== null ? svc.dpopNonce : null,
      now: now(),
    });
    if (!check.ok) return bad(check.error, check.error === "use_dpop_nonce" ? "316" : "315", check.text, cf);
    dpopJkt = check.jkt;
  }

  const accessTokenValue = str(body["accessToken"]) || null;
  // A positive duration in the request is used as it is (§5.1, §6.1); else the service's, or the client's when shorter (§13.2).
  const requestAtDuration = positive(body["accessTokenDuration"]);
  const requestRtDuration = positive(body["refreshTokenDuration"]);
  const lifetimes = defaultLifetimes(svc, client);
  const withRefresh = client.grantTypes.includes("REFRESH_TOKEN") && svc.supportedGrantTypes.includes("REFRESH_TOKEN");
  const base = {
    svc,
    client,
    aliasUsed,
    grantType,
    grantTypeParam: gt,
    dpopJkt,
    accessTokenValue,
    extra: nonceField,
  };

  switch (grantType) {
    case "DEVICE_CODE": {
      const deviceCode = params.value("device_code");
      if (deviceCode === null) return bad("invalid_request", "321", "The token request does not contain 'device_code'.", cf);
      const rec = state.devices.get(deviceCode);
      // [U] §6.4: unknown, other-client and reused device codes; options unknownDeviceCodeError,
      // deviceCodeWrongClientError, deviceCodeReuseError.
      if (rec === undefined) return bad(svc.unknownDeviceCodeError, "322", "The device code does not exist.", cf);
      if (rec.clientId !== client.clientId) {
        return bad(svc.deviceCodeWrongClientError, "323", "The device code was not issued to the client.", cf);
      }
      if (rec.state === "CONSUMED") return bad(svc.deviceCodeReuseError, "324", "The device code has already been used.", cf);
      const t = now();
      if (t >= rec.expiresAt) return bad("expired_token", "325", "The device code has expired.", cf);
      const c = rec.completion;
      switch (rec.state) {
        case "PENDING": {
          // [U] §6.4/§12.1: slow_down only when option enforcePollingInterval is on.
          const tooFast = svc.enforcePollingInterval && rec.lastPollAt !== null && t < rec.lastPollAt + rec.interval * 1000;
          rec.lastPollAt = t;
          if (tooFast) {
            rec.interval += 5;
            return bad("slow_down", "326", `The client is polling too fast; the interval is now ${rec.interval} seconds.`, cf);
          }
          return bad("authorization_pending", "327", "The end-user has not completed the authorization yet.", cf);
        }
        case "DENIED":
          return bad("access_denied", "328", "The end-user denied the authorization request.", cf, {
            description: c?.errorDescription ?? null,
            uri: c?.errorUri ?? null,
          });
        case "FAILED":
          return bad("expired_token", "329", "The authorization transaction failed.", cf, {
            description: c?.errorDescription ?? null,
            uri: c?.errorUri ?? null,
          });
        case "AUTHORIZED": {
          if (c === null || c.subject === null) return bad("server_error", "101", "The authorization has no subject.", cf);
          rec.state = "CONSUMED";
          const scopes = c.scopes ?? rec.scopes;
          return issueTokens({
            ...base,
            subject: c.subject,
            scopes,
            properties: [...c.properties, ...properties],
            resources: rec.resources,
            authorizationDetails: rec.authorizationDetails,
            userCode: rec.userCode,
            // Rule: a refresh token is issued when the client (and service) has the REFRESH_TOKEN
            // grant, whether or not offline_access was requested.
            withRefresh,
            idToken: {
              sub: c.sub ?? c.subject,
              // [I] Authlete's client ID alias docs: the alias when the request used it.
              aud: rec.clientIdAliasUsed && client.clientIdAlias !== null ? client.clientIdAlias : String(client.clientId),
              authTime: c.authTime,
              acr: c.acr,
              claims: c.claims,
            },
            accessTokenDuration: c.accessTokenDuration || requestAtDuration || lifetimes.access,
            refreshTokenDuration: c.refreshTokenDuration || requestRtDuration || lifetimes.refresh,
          });
        }
      }
      return bad("server_error", "102", "Unexpected device code state.", cf);
    }

    case "REFRESH_TOKEN": {
      const rt = params.value("refresh_token");
      if (rt === null) return bad("invalid_request", "331", "The token request does not contain 'refresh_token'.", cf);
      const rec = state.refreshTokens.get(rt);
      if (rec === undefined || rec.clientId !== client.clientId) {
        return bad("invalid_grant", "332", "The refresh token does not exist.", cf);
      }
      if (now() >= rec.refreshTokenExpiresAt) return bad("invalid_grant", "333", "The refresh token has expired.", cf);
      let scopes = rec.scopes;
      const scopeParam = params.value("scope");
      if (scopeParam !== null) {
        const requested = [...new Set(scopeParam.split(" ").filter((s) => s !== ""))];
        const extra = requested.filter((s) => !rec.scopes.includes(s));
        if (extra.length > 0) return bad("invalid_scope", "334", `The scope '${extra[0]}' was not granted originally.`, cf);
        scopes = requested;
      }
      // Rotation: the whole old grant (access + refresh token) stops working. The new refresh token
      // lives a fresh duration, or what the used one had left with refreshTokenDurationKept (§13.1).
      deleteTokens(rec);
      const left = Math.max(1, Math.ceil((rec.refreshTokenExpiresAt - now()) / 1000));
      return issueTokens({
        ...base,
        subject: rec.subject,
        scopes,
        properties: rec.properties,
        resources: rec.resources,
        authorizationDetails: rec.authorizationDetails,
        userCode: rec.userCode,
        withRefresh: true,
        idToken: null,
        accessTokenDuration: requestAtDuration || lifetimes.access,
        refreshTokenDuration: svc.refreshTokenDurationKept ? left : requestRtDuration || lifetimes.refresh,
      });
    }

    case "CLIENT_CREDENTIALS": {
      // RFC 6749 §4.4: for confidential clients only, whatever their authentication method.
      if (client.clientType === "PUBLIC") {
        return bad("unauthorized_client", "341", "A public client cannot use the client credentials flow.", cf);
      }
      const resources = params.all("resource");
      return issueTokens({
        ...base,
        subject: null,
        scopes: resolveScopes(svc, client, params.get("scope")),
        properties,
        resources: resources.length > 0 ? resources : null,
        authorizationDetails: null,
        userCode: null,
        withRefresh: false,
        idToken: null,
        accessTokenDuration: requestAtDuration || lifetimes.access,
        refreshTokenDuration: 0,
      });
    }

    case "AUTHORIZATION_CODE": {
      // No authorization endpoint is emulated, so no code can ever be valid.
      if (params.value("code") === null) return bad("invalid_request", "351", "The token request does not contain 'code'.", cf);
      return bad("invalid_grant", "352", "The authorization code does not exist.", cf);
    }

    case "PASSWORD": {
      const username = params.value("username");
      const password = params.get("password");
      if (username === null || password === null) {
        return bad("invalid_request", "361", "The token request needs 'username' and 'password'.", cf);
      }
      return ok({
        ...result("A050002", "The token request (grant_type=password) was processed successfully."),
        action: "PASSWORD",
        responseContent: null,
        username,
        password,
        ticket: randomToken(),
        grantType,
        ...cf,
        subject: null,
        scopes: resolveScopes(svc, client, params.get("scope")),
        resources: params.all("resource").length > 0 ? params.all("resource") : null,
        ...nonceField,
      });
    }

    case "TOKEN_EXCHANGE": {
      const subjectToken = params.value("subject_token");
      const subjectTokenUri = params.value("subject_token_type");
      if (subjectToken === null || subjectTokenUri === null) {
        return bad("invalid_request", "371", "The token request needs 'subject_token' and 'subject_token_type'.", cf);
      }
      // §6.2: the answer names token types by Authlete's TokenType, not by their URIs.
      const types: Record<string, string | null> = {};
      for (const name of ["subject_token_type", "actor_token_type", "requested_token_type"]) {
        const uri = params.value(name);
        const type = uri === null ? null : Object.hasOwn(TOKEN_TYPES, uri) ? TOKEN_TYPES[uri] : undefined;
        if (type === undefined) return bad("invalid_request", "372", `The value of '${name}' is not a supported token type.`, cf);
        types[name] = type;
      }
      return ok({
        ...result("A050003", "The token request (grant_type=token-exchange) was processed successfully."),
        action: "TOKEN_EXCHANGE",
        responseContent: null,
        grantType,
        ...cf,
        subject: null,
        scopes: resolveScopes(svc, client, params.get("scope")),
        audiences: params.all("audience").length > 0 ? params.all("audience") : null,
        resources: params.all("resource").length > 0 ? params.all("resource") : null,
        requestedTokenType: types["requested_token_type"],
        subjectToken,
        subjectTokenType: types["subject_token_type"],
        actorToken: params.value("actor_token"),
        actorTokenType: types["actor_token_type"],
        ...nonceField,
      });
    }

    case "JWT_BEARER": {
      const assertion = params.value("assertion");
      if (assertion === null) return bad("invalid_request", "381", "The token request does not contain 'assertion'.", cf);
      return ok({
        ...result("A050004", "The token request (grant_type=jwt-bearer) was processed successfully."),
        action: "JWT_BEARER",
        responseContent: null,
        grantType,
        ...cf,
        subject: null,
        scopes: resolveScopes(svc, client, params.get("scope")),
        resources: params.all("resource").length > 0 ? params.all("resource") : null,
        assertion,
        ...nonceField,
      });
    }
  }
}

/**
 * §7.3 `auth/introspection/standard`: RFC 7662's answer for a resource server, in
 * `responseContent`. A token bound to a DPoP key carries `cnf.jkt` (RFC 9449 §6.2) and
 * `token_type` DPoP. The Worker never calls it; a test reads what a resource server would.
 */
export function standardIntrospection(ctx: ApiContext): ApiResult {
  const { svc, body } = ctx;
  const code = (seq: string) => `A145${seq}`;
  const bad = (seq: string, text: string) => protocolError(svc, "BAD_REQUEST", "invalid_request", code(seq), text);
  const parameters = body["parameters"];
  if (typeof parameters !== "string") return bad("201", "The request does not contain 'parameters' parameter.");
  const params = new Params(parameters);
  const dup = params.duplicated([]);
  if (dup !== null) return bad("311", `The '${dup}' parameter is included more than once.`);
  const tokenValue = params.value("token");
  if (tokenValue === null) return bad("312", "The introspection request does not contain 'token'.");
  const access = state.accessTokens.get(tokenValue);
  const rec = access ?? state.refreshTokens.get(tokenValue);
  const expiresAt = rec === undefined ? 0 : access !== undefined ? rec.accessTokenExpiresAt : rec.refreshTokenExpiresAt;
  const content: Record<string, unknown> = { active: false };
  if (rec !== undefined && now() < expiresAt) {
    content["active"] = true;
    if (rec.scopes.length > 0) content["scope"] = rec.scopes.join(" ");
    content["client_id"] = String(rec.clientId);
    if (rec.subject !== null) content["sub"] = rec.subject;
    content["exp"] = Math.floor(expiresAt / 1000);
    content["token_type"] = rec.dpopJkt !== null ? "DPoP" : "Bearer";
    if (rec.dpopJkt !== null) content["cnf"] = { jkt: rec.dpopJkt };
  }
  return ok({
    ...result("A145001", "The introspection request was processed successfully."),
    action: "OK",
    responseContent: JSON.stringify(content),
  });
}

export function revocation(ctx: ApiContext): ApiResult {
  const { svc, body, clients } = ctx;
  const code = (seq: string) => `A060${seq}`;
  const bad = (seq: string, text: string, extra: Record<string, unknown> = {}) => protocolError(svc, "BAD_REQUEST", "invalid_request", code(seq), text, extra);

  const parameters = body["parameters"];
  if (typeof parameters !== "string") return bad("201", "The request does not contain 'parameters' parameter.");
  const params = new Params(parameters);
  const dup = params.duplicated([]);
  if (dup !== null) return bad("311", `The '${dup}' parameter is included more than once.`);
  const auth = authenticateClient(params, body, clients);
  // §7.4: the revocation answer carries no client members, unlike the token answer.
  if (!auth.ok) return protocolError(svc, "INVALID_CLIENT", "invalid_client", code(auth.seq), auth.text);
  const tokenValue = params.value("token");
  if (tokenValue === null) return bad("312", "The revocation request does not contain 'token'.");
  const rec = state.accessTokens.get(tokenValue) ?? state.refreshTokens.get(tokenValue);
  // RFC 7009 §2.2: unknown tokens are not an error. A token of another client is left alone.
  // Authlete keeps access and refresh token in one record, so revoking either ends both.
  if (rec !== undefined && rec.clientId === auth.client.clientId) deleteTokens(rec);
  return ok({
    ...result("A060001", "The revocation request was processed successfully."),
    action: "OK",
    responseContent: null,
  });
}
