import * as z from "zod/mini";

/**
 * Response shapes of the Authlete APIs we call (docs/authlete-api.md §3-§7).
 * Objects are loose (Authlete adds fields over time) and `action` is a plain string:
 * each endpoint maps the actions it knows and fails closed on anything else (docs/authlete-api.md §10.1).
 */

// A member without a value may be absent or null (docs/authlete-api.md §1.4): both are taken.
const str = z.optional(z.nullable(z.string()));
const num = z.optional(z.nullable(z.number()));
const bool = z.optional(z.nullable(z.boolean()));
const strings = z.optional(z.nullable(z.array(z.string())));

export const Scope = z.looseObject({
  name: z.string(),
  defaultEntry: bool,
  description: str,
  descriptions: z.optional(z.nullable(z.array(z.looseObject({ tag: str, value: str })))),
  attributes: z.optional(z.nullable(z.array(z.looseObject({ key: str, value: str })))),
});

const AuthorizationDetails = z.optional(z.nullable(z.looseObject({ elements: z.optional(z.nullable(z.array(z.looseObject({ type: z.string() })))) })));

const base = {
  resultCode: z.string(),
  resultMessage: str,
  action: z.string(),
};

const clientInfo = {
  clientId: num,
  clientIdAlias: str,
  clientIdAliasUsed: bool,
  clientName: str,
};

export const DeviceAuthorizationResponse = z.looseObject({
  ...base,
  ...clientInfo,
  responseContent: str,
  clientAuthMethod: str,
  scopes: z.optional(z.nullable(z.array(Scope))),
  claimNames: strings,
  acrs: strings,
  deviceCode: str,
  userCode: str,
  verificationUri: str,
  verificationUriComplete: str,
  expiresIn: num,
  interval: num,
  resources: strings,
  authorizationDetails: AuthorizationDetails,
  warnings: strings,
  attestationChallenge: str,
});

export const DeviceVerificationResponse = z.looseObject({
  ...base,
  ...clientInfo,
  scopes: z.optional(z.nullable(z.array(Scope))),
  claimNames: strings,
  acrs: strings,
  expiresAt: num,
  resources: strings,
  authorizationDetails: AuthorizationDetails,
});

export const DeviceCompleteResponse = z.looseObject({ ...base });

export const TokenResponse = z.looseObject({
  ...base,
  responseContent: str,
  grantType: str,
  clientId: num,
  subject: str,
  scopes: strings,
  accessTokenExpiresAt: num,
  dpopNonce: str,
  attestationChallenge: str,
});

export const RevocationResponse = z.looseObject({
  ...base,
  responseContent: str,
  attestationChallenge: str,
});

/**
 * `client/authorization/delete` (docs/authlete-api.md §7.6): no action, only the result (`A137001`,
 * "Deleted N access token(s) …"); a failure is a non-2xx answer (§2.2).
 */
export const ClientAuthorizationDeleteResponse = z.looseObject({ resultCode: z.string(), resultMessage: str });

/** Non-2xx bodies: `{resultCode, resultMessage}` when Authlete wrote them, anything when a proxy did. */
export const ApiFailureBody = z.looseObject({ resultCode: str, resultMessage: str });

export type DeviceAuthorizationResponse = z.infer<typeof DeviceAuthorizationResponse>;
export type DeviceVerificationResponse = z.infer<typeof DeviceVerificationResponse>;
export type DeviceCompleteResponse = z.infer<typeof DeviceCompleteResponse>;
export type TokenResponse = z.infer<typeof TokenResponse>;
export type RevocationResponse = z.infer<typeof RevocationResponse>;
export type ClientAuthorizationDeleteResponse = z.infer<typeof ClientAuthorizationDeleteResponse>;

/** Request bodies (§3.1, §4, §5.1, §6.1, §7.4): only the members we send. */
export interface ClientCredentialsFields {
  parameters: string;
  clientId?: string;
  clientSecret?: string;
  oauthClientAttestation?: string;
  oauthClientAttestationPop?: string;
}
export interface TokenRequest extends ClientCredentialsFields {
  dpop?: string;
  htm?: string;
  htu?: string;
}
export interface DeviceCompleteRequest {
  userCode: string;
  result: "AUTHORIZED" | "ACCESS_DENIED" | "TRANSACTION_FAILED";
  subject?: string;
  authTime?: number;
  acr?: string;
  /** JSON text, not an object (§10.5). */
  claims?: string;
  /** Replaces the requested scopes (§5.1). */
  scopes?: string[];
  consentedClaims?: string[];
  /** Seconds; used when positive (§5.1). */
  accessTokenDuration?: number;
  refreshTokenDuration?: number;
  errorDescription?: string;
  errorUri?: string;
}

/**
 * The `error` member of a BAD_REQUEST's responseContent, read only to decide (what ends a
 * poll, what counts as a guess) and for the log; the body itself is relayed untouched.
 */
export function oauthErrorCode(res: { action: string; responseContent?: string | null | undefined }): string | undefined {
  if (res.action !== "BAD_REQUEST") return undefined;
  try {
    const e = (JSON.parse(res.responseContent ?? "") as { error?: unknown }).error;
    return typeof e === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}
