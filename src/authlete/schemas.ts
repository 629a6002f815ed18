import { array, boolean, maybe, number, type Output, object, string } from "../config/schema";

/**
 * Response shapes of the Authlete APIs we call (docs/authlete-api.md §3-§7).
 * Objects are loose (Authlete adds fields over time) and `action` is a plain string:
 * each endpoint maps the actions it knows and fails closed on anything else (docs/authlete-api.md §10.1).
 */

// A member without a value may be absent or null (docs/authlete-api.md §1.4): `maybe` takes both.
const str = maybe(string);
const num = maybe(number);
const bool = maybe(boolean);
const strings = maybe(array(string));
/** Authlete adds members over time: keep what we do not know (docs/authlete-api.md §1.3). */
const loose = <S extends Parameters<typeof object>[0]>(shape: S) => object(shape, "keep");

export const Scope = loose({
  name: string,
  defaultEntry: bool,
  description: str,
  descriptions: maybe(array(loose({ tag: str, value: str }))),
  attributes: maybe(array(loose({ key: str, value: str }))),
});

const AuthorizationDetails = maybe(loose({ elements: maybe(array(loose({ type: string }))) }));

const base = {
  resultCode: string,
  resultMessage: str,
  action: string,
};

const clientInfo = {
  clientId: num,
  clientIdAlias: str,
  clientIdAliasUsed: bool,
  clientName: str,
};

export const DeviceAuthorizationResponse = loose({
  ...base,
  ...clientInfo,
  responseContent: str,
  clientAuthMethod: str,
  scopes: maybe(array(Scope)),
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

export const DeviceVerificationResponse = loose({
  ...base,
  ...clientInfo,
  scopes: maybe(array(Scope)),
  claimNames: strings,
  acrs: strings,
  expiresAt: num,
  resources: strings,
  authorizationDetails: AuthorizationDetails,
});

export const DeviceCompleteResponse = loose({ ...base });

export const TokenResponse = loose({
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

export const RevocationResponse = loose({
  ...base,
  responseContent: str,
  attestationChallenge: str,
});

/** Non-2xx bodies: `{resultCode, resultMessage}` when Authlete wrote them, anything when a proxy did. */
export const ApiFailureBody = loose({ resultCode: str, resultMessage: str });

export type DeviceAuthorizationResponse = Output<typeof DeviceAuthorizationResponse>;
export type DeviceVerificationResponse = Output<typeof DeviceVerificationResponse>;
export type DeviceCompleteResponse = Output<typeof DeviceCompleteResponse>;
export type TokenResponse = Output<typeof TokenResponse>;
export type RevocationResponse = Output<typeof RevocationResponse>;

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
  scopes?: string[];
  consentedClaims?: string[];
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
