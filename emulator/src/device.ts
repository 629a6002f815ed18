// /device/authorization (§3), /device/verification (§4), /device/complete (§5).
import { randomToken } from "../../src/crypto";
import { uniqueUserCode } from "./codes";
import { type ApiResult, apiFailure, ok, protocolError, result } from "./errors";
import { authenticateClient, clientFields, Params, str } from "./params";
import { claimNamesFor, resolveScopes, scopeObjects } from "./scopes";
import { clientById, deviceByUserCode, now, saveDevice, state } from "./store";
import type { ApiContext, AuthzDetails, Completion, Property } from "./types";

/** Grant management and attributes are not emulated: these members are without a value (left out, §1.4). */
const UNSUPPORTED_FEATURES = {
  gmAction: null,
  grantId: null,
  grantSubject: null,
  grant: null,
  serviceAttributes: null,
  clientAttributes: null,
} as const;

// ---------------------------------------------------------------- /device/authorization

export function deviceAuthorization(ctx: ApiContext): ApiResult {
  const { svc, body, clients } = ctx;
  const code = (seq: string) => `A220${seq}`;
  const bad = (error: string, seq: string, text: string, extra: Record<string, unknown> = {}) =>
    protocolError(svc, "BAD_REQUEST", error, code(seq), text, extra);

  const parameters = body["parameters"];
  if (typeof parameters !== "string") {
    return bad("invalid_request", "201", "The request does not contain 'parameters' parameter.");
  }
  const params = new Params(parameters);
  const dup = params.duplicated();
  if (dup !== null) return bad("invalid_request", "311", `The '${dup}' parameter is included more than once.`);

  const auth = authenticateClient(params, body, clients);
  if (!auth.ok) {
    return protocolError(svc, "UNAUTHORIZED", "invalid_client", code(auth.seq), auth.text, clientFields(auth.client, auth.aliasUsed));
  }
  const { client, aliasUsed } = auth;
  const cf = clientFields(client, aliasUsed);

  // [U] §6.4: which error a client without the device grant gets; option deviceGrantNotAllowedError.
  if (!client.grantTypes.includes("DEVICE_CODE") || !svc.supportedGrantTypes.includes("DEVICE_CODE")) {
    return bad(svc.deviceGrantNotAllowedError, "312", `The client (ID = ${client.clientId}) is not allowed to use the device flow.`, cf);
  }
  if (!svc.deviceVerificationUri) {
    return bad("invalid_request", "202", "The service has no verification URI (deviceVerificationUri).", cf);
  }

  const scopes = resolveScopes(svc, client, params.get("scope"));

  let acrs: string[] | null = null;
  const acrParam = params.value("acr_values");
  if (acrParam !== null) {
    const requested = acrParam.split(" ").filter((a) => a !== "");
    acrs = svc.supportedAcrs === null ? requested : requested.filter((a) => svc.supportedAcrs!.includes(a));
  }
  if (acrs === null || acrs.length === 0) acrs = client.defaultAcrs && client.defaultAcrs.length > 0 ? client.defaultAcrs : null;

  const resourceList = params.all("resource");
  for (const r of resourceList) {
    if (!isAbsoluteUriWithoutFragment(r)) {
      return bad("invalid_target", "313", `The resource '${r}' is not an absolute URI without a fragment.`, cf);
    }
  }
  const resources = resourceList.length > 0 ? resourceList : null;

  let authorizationDetails: AuthzDetails | null = null;
  const adParam = params.value("authorization_details");
  if (adParam !== null) {
    authorizationDetails = parseAuthorizationDetails(adParam);
    if (authorizationDetails === null) {
      return bad("invalid_authorization_details", "314", "The value of 'authorization_details' is not a JSON array of objects with a 'type'.", cf);
    }
  }

  const userCode = uniqueUserCode(svc.userCodeCharset, svc.userCodeLength, (c) => state.userCodes.has(c));
  if (userCode === null) {
    return protocolError(svc, "INTERNAL_SERVER_ERROR", "server_error", code("101"), "Failed to generate a unique user code.", cf);
  }
  let deviceCode = randomToken();
  while (state.devices.has(deviceCode)) deviceCode = randomToken();

  const t = now();
  const expiresIn = svc.deviceFlowCodeDuration;
  const interval = svc.deviceFlowPollingInterval;
  const verificationUri = svc.deviceVerificationUri;
  const verificationUriComplete = svc.deviceVerificationUriComplete ? svc.deviceVerificationUriComplete.split("USER_CODE").join(userCode) : null;
  const claimNames = claimNamesFor(svc, scopes);

  saveDevice({
    deviceCode,
    userCode,
    clientId: client.clientId,
    clientIdAliasUsed: aliasUsed,
    scopes,
    claimNames,
    acrs,
    resources,
    authorizationDetails,
    createdAt: t,
    expiresAt: t + expiresIn * 1000,
    interval,
    lastPollAt: null,
    state: "PENDING",
    completion: null,
  });

  // Member order is part of the contract (§11): clients and tests compare bytes.
  const content: Record<string, unknown> = { user_code: userCode, device_code: deviceCode };
  if (verificationUriComplete !== null) content["verification_uri_complete"] = verificationUriComplete;
  content["verification_uri"] = verificationUri;
  content["expires_in"] = expiresIn;
  if (interval > 0) content["interval"] = interval;

  return ok({
    ...result(code("001"), "The device authorization request was processed successfully."),
    action: "OK",
    responseContent: JSON.stringify(content),
    ...cf,
    scopes: scopeObjects(svc, scopes),
    dynamicScopes: null,
    claimNames,
    acrs,
    deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete,
    expiresIn,
    interval,
    resources,
    authorizationDetails,
    ...UNSUPPORTED_FEATURES,
    warnings: null,
    attestationChallenge: null,
  });
}

function isAbsoluteUriWithoutFragment(s: string): boolean {
  if (s.includes("#")) return false;
  try {
    new URL(s);
    return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s);
  } catch {
    return false;
  }
}

function parseAuthorizationDetails(text: string): AuthzDetails | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const elements: Record<string, unknown>[] = [];
  for (const e of parsed) {
    if (typeof e !== "object" || e === null || Array.isArray(e)) return null;
    const rec = e as Record<string, unknown>;
    if (typeof rec["type"] !== "string" || rec["type"] === "") return null;
    elements.push(rec);
  }
  return { elements };
}

// ---------------------------------------------------------------- /device/verification

export function deviceVerification(ctx: ApiContext): ApiResult {
  const { svc, body, api, clients } = ctx;
  const userCode = str(body["userCode"]);
  if (userCode === null || userCode === "") {
    // A missing userCode is a broken API call (HTTP 400), not a protocol outcome.
    return apiFailure(400, "A224201", api, "The request does not contain 'userCode' parameter.");
  }
  const notExist = () => ok({ ...result("A224301", "The user code does not exist."), action: "NOT_EXIST" });
  const expired = () => ok({ ...result("A224302", "The user code has expired."), action: "EXPIRED" });

  // [U] §8.2: exact match. Whether Authlete ignores case or dashes is unknown, so the Worker
  // normalises what people type before it calls, and the emulator holds it to that.
  const rec = deviceByUserCode(userCode);
  const client = rec === null ? null : clientById(clients, rec.clientId);
  if (rec === null || client === null) return notExist();
  if (now() >= rec.expiresAt) return expired();
  if (rec.state !== "PENDING") {
    // [U] §11: answer for an already-completed code; option completedUserCodeAction.
    if (svc.completedUserCodeAction === "NOT_EXIST") return notExist();
    if (svc.completedUserCodeAction === "EXPIRED") return expired();
  }
  const { clientAuthMethod: _omit, ...cf } = clientFields(client, rec.clientIdAliasUsed);
  return ok({
    ...result("A224001", "The user code is valid."),
    action: "VALID",
    ...cf,
    scopes: scopeObjects(svc, rec.scopes),
    dynamicScopes: null,
    claimNames: rec.claimNames,
    acrs: rec.acrs,
    expiresAt: rec.expiresAt,
    resources: rec.resources,
    authorizationDetails: rec.authorizationDetails,
    ...UNSUPPORTED_FEATURES,
  });
}

// ---------------------------------------------------------------- /device/complete

const RESULTS = { AUTHORIZED: "AUTHORIZED", ACCESS_DENIED: "DENIED", TRANSACTION_FAILED: "FAILED" } as const;
/** §5.1: error_description/error_uri characters allowed by RFC 6749 (%x20-21 / %x23-5B / %x5D-7E). */
const ERROR_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

class InvalidRequest extends Error {}

function optString(body: Record<string, unknown>, name: string): string | null {
  const v = body[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new InvalidRequest(`'${name}' must be a string.`);
  return v;
}

function optNumber(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new InvalidRequest(`'${name}' must be a non-negative number.`);
  return Math.floor(v);
}

function parseCompletion(body: Record<string, unknown>, authorized: boolean): Completion {
  const subject = optString(body, "subject");
  if (authorized && (subject === null || subject === "")) {
    throw new InvalidRequest("'subject' is required when 'result' is AUTHORIZED.");
  }
  const claimsText = optString(body, "claims");
  let claims: Record<string, unknown> | null = null;
  if (claimsText !== null && claimsText !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(claimsText);
    } catch {
      throw new InvalidRequest("'claims' is not valid JSON.");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new InvalidRequest("'claims' must be a JSON object.");
    }
    claims = parsed as Record<string, unknown>;
  }
  const properties: Property[] = [];
  const props = body["properties"];
  if (props !== undefined && props !== null) {
    if (!Array.isArray(props)) throw new InvalidRequest("'properties' must be an array.");
    for (const p of props) {
      const pr = p as Record<string, unknown> | null;
      if (typeof pr !== "object" || pr === null || typeof pr["key"] !== "string" || typeof pr["value"] !== "string") {
        throw new InvalidRequest("Each property must have a string 'key' and a string 'value'.");
      }
      properties.push({ key: pr["key"], value: pr["value"], hidden: pr["hidden"] === true });
    }
  }
  let scopes: string[] | null = null;
  const sc = body["scopes"];
  if (sc !== undefined && sc !== null) {
    if (!Array.isArray(sc) || !sc.every((s) => typeof s === "string")) throw new InvalidRequest("'scopes' must be an array of strings.");
    scopes = [...new Set(sc as string[])];
  }
  const errorDescription = optString(body, "errorDescription");
  if (errorDescription !== null && !ERROR_TEXT.test(errorDescription)) {
    throw new InvalidRequest("'errorDescription' contains characters not allowed in error_description.");
  }
  const errorUri = optString(body, "errorUri");
  if (errorUri !== null && !ERROR_TEXT.test(errorUri)) {
    throw new InvalidRequest("'errorUri' contains characters not allowed in error_uri.");
  }
  return {
    subject,
    sub: optString(body, "sub"),
    authTime: optNumber(body, "authTime"),
    acr: optString(body, "acr"),
    claims,
    properties,
    scopes,
    errorDescription,
    errorUri,
    accessTokenDuration: optNumber(body, "accessTokenDuration"),
    refreshTokenDuration: optNumber(body, "refreshTokenDuration"),
  };
}

export function deviceComplete(ctx: ApiContext): ApiResult {
  const { svc, body } = ctx;
  const invalid = (text: string) => ok({ ...result("A241201", text), action: "INVALID_REQUEST" });
  const notExist = () => ok({ ...result("A241301", "The user code does not exist or has been invalidated."), action: "USER_CODE_NOT_EXIST" });
  const expired = () => ok({ ...result("A241302", "The user code has expired."), action: "USER_CODE_EXPIRED" });

  const userCode = str(body["userCode"]);
  if (userCode === null || userCode === "") return invalid("The request does not contain 'userCode' parameter.");
  const resultValue = body["result"];
  if (typeof resultValue !== "string" || !(resultValue in RESULTS)) {
    return invalid("'result' must be one of AUTHORIZED, ACCESS_DENIED, TRANSACTION_FAILED.");
  }
  const newState = RESULTS[resultValue as keyof typeof RESULTS];
  let completion: Completion;
  try {
    completion = parseCompletion(body, newState === "AUTHORIZED");
  } catch (e) {
    if (e instanceof InvalidRequest) return invalid(e.message);
    throw e;
  }

  const rec = deviceByUserCode(userCode);
  if (rec === null) return notExist();
  if (now() >= rec.expiresAt) return expired();
  if (rec.state !== "PENDING") {
    // [U] §11: same option as /device/verification (completedUserCodeAction); "VALID" lets the
    // AS change its decision until a token has been issued.
    if (svc.completedUserCodeAction === "EXPIRED") return expired();
    if (svc.completedUserCodeAction === "NOT_EXIST" || rec.state === "CONSUMED") return notExist();
  }
  rec.state = newState;
  rec.completion = completion;
  return ok({ ...result("A241001", "The API call was processed successfully."), action: "SUCCESS" });
}
