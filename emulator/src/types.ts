// Shapes of the seed, the effective service settings and the in-memory records.

export type TokenAuthMethod = "NONE" | "CLIENT_SECRET_BASIC" | "CLIENT_SECRET_POST";

export type GrantType = "AUTHORIZATION_CODE" | "REFRESH_TOKEN" | "CLIENT_CREDENTIALS" | "DEVICE_CODE" | "PASSWORD" | "TOKEN_EXCHANGE" | "JWT_BEARER";

export type UserCodeCharset = "BASE20" | "NUMERIC";

/** RFC 6749 §2.1, spelled as Authlete serialises it. */
export type ClientType = "PUBLIC" | "CONFIDENTIAL";

export interface Pair {
  key: string;
  value: string;
}

export interface ScopeDef {
  name: string;
  defaultEntry: boolean;
  description?: string | null;
  /** Claims this scope implies (used for `claimNames` when `openid` is requested). */
  claims?: string[];
  attributes?: Pair[] | null;
}

export interface Property {
  key: string;
  value: string;
  hidden: boolean;
}

export interface ServiceSettings {
  serviceId: number;
  serviceName: string;
  apiKey: string;
  apiSecret: string;
  accessToken: string;
  /** v2 only: the account-level key and secret that /service/get/{apiKey} requires (§13.1). */
  serviceOwnerApiKey: string;
  serviceOwnerApiSecret: string;
  issuer: string;
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string | null;
  jwksUri: string | null;
  deviceVerificationUri: string;
  deviceVerificationUriComplete: string | null;
  deviceFlowCodeDuration: number;
  deviceFlowPollingInterval: number;
  userCodeCharset: UserCodeCharset;
  userCodeLength: number;
  supportedScopes: ScopeDef[];
  supportedGrantTypes: GrantType[];
  /** null = every acr value is accepted. */
  supportedAcrs: string[] | null;
  supportedClaims: string[] | null;
  accessTokenDuration: number;
  refreshTokenDuration: number;
  /** A refresh token issued by a refresh keeps the used one's expiry instead of a fresh duration (§13.1). */
  refreshTokenDurationKept: boolean;
  idTokenDuration: number;
  errorDescriptionOmitted: boolean;
  errorUriOmitted: boolean;
  dpopNonce: string | null;
  dpopNonceRequired: boolean;
  dpopSigningAlgs: string[];

  // ---- Options for behaviour the contract marks [U] (unconfirmed). ----
  /** [U] §6.4/§12.1: whether polls faster than `interval` get `slow_down` (+5 s, persisted). */
  enforcePollingInterval: boolean;
  /** [U] §11: answer of /device/verification for a code already completed (complete maps it to USER_CODE_*). */
  completedUserCodeAction: "NOT_EXIST" | "EXPIRED" | "VALID";
  /** [U] §6.4/§12.4: token error when a device code is used again after issuance. */
  deviceCodeReuseError: string;
  /** [U] §6.4: token error for a device code issued to another client. */
  deviceCodeWrongClientError: string;
  /** [U] §6.4: token error for an unknown device code. */
  unknownDeviceCodeError: string;
  /** [U] §6.4: error when the client (or service) lacks the DEVICE_CODE grant. */
  deviceGrantNotAllowedError: string;
  /** [U] §12.4: how long an expired code is kept (answering EXPIRED) before it becomes NOT_EXIST. */
  expiredCodeRetentionSeconds: number;
  /** [U] §2.2/§12.5: HTTP status for a v3 path whose serviceId is not the token's service. */
  wrongServiceIdStatus: number;
  /** [U] §13.3: HTTP status for client/get of an unknown client and v2 service/get of another service. */
  notFoundStatus: number;
  /** [U] §13.2: whether client/get also finds a client by its alias (else only by numeric ID). */
  clientGetByAlias: boolean;
  /**
   * §1.4: members without a value. true (default): left out, as in every answer Authlete
   * documents; false: sent as null, a shape readers must accept too (the flow tests run
   * under both; OMIT_NULL_FIELDS sets it for a whole run).
   */
  omitNullFields: boolean;
}

export interface ClientDef {
  clientId: number;
  clientIdAlias: string | null;
  clientName: string;
  /** Authlete issues a secret to every client, public ones too (which must not use it, §13.2). */
  clientSecret: string | null;
  clientType: ClientType;
  tokenAuthMethod: TokenAuthMethod;
  grantTypes: GrantType[];
  defaultScopes: string[] | null;
  defaultAcrs: string[] | null;
  /** Authlete's per-client settings (§13.2): requestable scopes and shorter token lifetimes. */
  extension: ClientExtension;
}

/** The members of Authlete's client `extension` the emulator models (§13.2). */
export interface ClientExtension {
  /** On: the client may request `requestableScopes` only (others are dropped like unregistered ones). */
  requestableScopesEnabled: boolean;
  requestableScopes: string[] | null;
  /** Seconds; used instead of the service's when positive and shorter (0: the service's). */
  accessTokenDuration: number;
  refreshTokenDuration: number;
}

export interface Seed {
  service: ServiceSettings;
  clients: ClientDef[];
}

export type DeviceState = "PENDING" | "AUTHORIZED" | "DENIED" | "FAILED" | "CONSUMED";

export interface AuthzDetails {
  elements: Record<string, unknown>[];
}

export interface Completion {
  subject: string | null;
  sub: string | null;
  authTime: number;
  acr: string | null;
  claims: Record<string, unknown> | null;
  properties: Property[];
  scopes: string[] | null;
  errorDescription: string | null;
  errorUri: string | null;
  accessTokenDuration: number;
  refreshTokenDuration: number;
}

export interface DeviceRecord {
  deviceCode: string;
  userCode: string;
  clientId: number;
  clientIdAliasUsed: boolean;
  scopes: string[];
  claimNames: string[] | null;
  acrs: string[] | null;
  resources: string[] | null;
  authorizationDetails: AuthzDetails | null;
  createdAt: number;
  expiresAt: number;
  /** Seconds; grows by 5 on every slow_down. */
  interval: number;
  lastPollAt: number | null;
  state: DeviceState;
  completion: Completion | null;
}

/** One grant: an access token and its (optional) refresh token, like an Authlete token record. */
export interface TokenRecord {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string | null;
  refreshTokenExpiresAt: number;
  clientId: number;
  subject: string | null;
  scopes: string[];
  properties: Property[];
  grantType: GrantType;
  resources: string[] | null;
  authorizationDetails: AuthzDetails | null;
  /** RFC 7638 thumbprint of the DPoP key the tokens are bound to (`cnf.jkt` in introspection, RFC 9449 §6); null: Bearer. */
  dpopJkt: string | null;
  /** The device flow the grant came from (kept across refreshes), so tests can check who got what. */
  userCode: string | null;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | null;
  contentType: string | null;
  body: unknown;
  receivedAt: number;
}

/** One API answer as the caller got it, for the contract check (test/support/authlete-contract.ts). */
export interface RecordedAnswer {
  /** Authlete's name of the API (`auth/token`), or what an unknown path names. */
  api: string;
  method: string;
  path: string;
  /** null: the "drop" fault, no answer at all. */
  status: number | null;
  /** Parsed JSON, else the raw text (null when empty). */
  body: unknown;
  /** Whether null members were left out of this answer (the service's omitNullFields). */
  omitNullFields: boolean;
  /** The fault that made or changed this answer (not Authlete's then); a latency fault does not count. */
  fault: FaultMode | null;
  /**
   * Not sent yet when the check took it: nothing to check. Expected only under a latency
   * fault whose caller gave up (`fault` is "latency" until the answer is sent).
   */
  pending: boolean;
}

export type FaultMode = "latency" | "status" | "non-json" | "truncated" | "drop" | "unknown-action" | "action";

export interface Fault {
  api: string;
  mode: FaultMode;
  latencyMs: number;
  status: number | null;
  /** Remaining applications; 0 = until cleared. */
  times: number;
  /** Mode "action": the action to answer with (default INTERNAL_SERVER_ERROR). */
  action: string | null;
  /** Mode "action": responseContent to answer with (default a server_error OAuth body). */
  responseContent: string | null;
}

export interface Env {
  /** Replaces the seed origin http://127.0.0.1:8787 in every seed URL. */
  PUBLIC_URL?: string;
  /** The seed a reset returns to ("default" when unset); see SEEDS in store.ts. */
  SEED?: string;
  /** "false": send null members as null for the whole run (the service option omitNullFields). */
  OMIT_NULL_FIELDS?: string;
}

/** What every API handler receives. */
export interface ApiContext {
  api: string;
  method: string;
  /** 2 for `/api/...` paths, 3 for `/api/{serviceId}/...`. */
  version: 2 | 3;
  /** Path parameters of the API (`clientId` of client/get/{clientId}, ...). */
  params: Record<string, string>;
  svc: ServiceSettings;
  clients: ClientDef[];
  /** Parsed JSON body ({} for an empty body or a GET). */
  body: Record<string, unknown>;
  query: URLSearchParams;
}
