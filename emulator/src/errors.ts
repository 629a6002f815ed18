// The two error layers of the contract (§2.2): API-call failures are non-2xx with only
// {resultCode, resultMessage}; protocol outcomes are HTTP 200 envelopes whose
// `responseContent` carries an OAuth error JSON for the end client.
import type { ServiceSettings } from "./types";

/** What an API handler returns; index.ts serialises it. */
export interface ApiResult {
  status: number;
  body: unknown;
  /** Extra response headers (e.g. Allow on 405). */
  headers?: Record<string, string>;
  /** Pretty-print (service/configuration?pretty=true). */
  pretty?: boolean;
}

export function resultMessage(code: string, text: string): string {
  return `[${code}] ${text}`;
}

export function result(code: string, text: string): { resultCode: string; resultMessage: string } {
  return { resultCode: code, resultMessage: resultMessage(code, text) };
}

/** Non-2xx API-call failure; the message names the API like Authlete's ("/auth/token, ..."). */
export function apiFailure(status: number, code: string, api: string, text: string, headers?: Record<string, string>): ApiResult {
  return { status, body: result(code, `/${api}, ${text}`), ...(headers ? { headers } : {}) };
}

export function serverError(api: string): ApiResult {
  return apiFailure(500, "A001101", api, "Authlete Server error.");
}

/**
 * OAuth error body for the end client, members in the order error, error_description,
 * error_uri; the service flags drop the last two. Explicit values (from /device/complete)
 * win over the generated ones.
 */
export function oauthErrorContent(
  service: ServiceSettings,
  error: string,
  code: string,
  text: string,
  explicit?: { description?: string | null; uri?: string | null },
): string {
  const body: Record<string, string> = { error };
  const description = explicit?.description ?? (service.errorDescriptionOmitted ? null : resultMessage(code, text));
  const uri = explicit?.uri ?? (service.errorUriOmitted ? null : `https://docs.authlete.com/#${code}`);
  if (description !== null) body["error_description"] = description;
  if (uri !== null) body["error_uri"] = uri;
  return JSON.stringify(body);
}

/** HTTP 200 protocol outcome carrying an OAuth error for the end client. */
export function protocolError(
  service: ServiceSettings,
  action: string,
  error: string,
  code: string,
  text: string,
  extra: Record<string, unknown> = {},
  explicit?: { description?: string | null; uri?: string | null },
): ApiResult {
  return {
    status: 200,
    body: {
      ...result(code, text),
      action,
      responseContent: oauthErrorContent(service, error, code, text, explicit),
      ...extra,
    },
  };
}

export function ok(body: Record<string, unknown>): ApiResult {
  return { status: 200, body };
}

export function jsonResponse(res: ApiResult, omitNullFields: boolean): Response {
  // §1.4: members without a value are left out, as in Authlete's examples, unless the service option says to write nulls.
  const replacer = omitNullFields ? (_k: string, v: unknown) => (v === null ? undefined : v) : undefined;
  const text = JSON.stringify(res.body, replacer, res.pretty ? 2 : undefined);
  return new Response(text, {
    status: res.status,
    headers: { "Content-Type": "application/json", ...(res.headers ?? {}) },
  });
}
