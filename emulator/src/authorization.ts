// client/authorization/delete (§7.6) and auth/introspection (§7.7): what a resource server or
// an authorization server's "sign out of this app" uses, and the check that tokens are gone.
import { type ApiResult, apiFailure, ok, result } from "./errors";
import { str } from "./params";
import { deleteTokens, now, state } from "./store";
import type { ApiContext, TokenRecord } from "./types";

/**
 * `client/authorization/delete/{clientId}`: every access token (with its refresh token: one
 * record, §7.4) that the client holds for the subject is deleted. The subject comes in the JSON
 * (or form) body of a POST, or, on DELETE, in the query or as a last path segment (§7.6 lists
 * where each form is documented). A device code that was approved but not yet redeemed is not a
 * token: it still yields tokens (§7.6), which is why the Worker refuses such polls itself.
 */
export function clientAuthorizationDelete(ctx: ApiContext): ApiResult {
  const { svc, api, clients, params, body, query, method } = ctx;
  const id = params["clientId"] ?? "";
  const subject = params["subject"] ?? (method === "DELETE" ? query.get("subject") : str(body["subject"]));
  // [U] §7.6: the codes of a missing subject and an unknown client; placeholders in Authlete's pattern.
  if (subject === null || subject === "") return apiFailure(400, "A137201", api, "The request does not contain 'subject'.");
  // [U] §7.6: the numeric client id only (the path is documented as "a client ID"), as client/get by default (§13.2).
  const client = clients.find((c) => String(c.clientId) === id);
  if (client === undefined) return apiFailure(svc.notFoundStatus, "A137202", api, `The client (ID = ${id}) does not exist.`);
  const doomed = [...state.accessTokens.values()].filter((t) => t.clientId === client.clientId && t.subject === subject);
  for (const t of doomed) deleteTokens(t);
  // [C] the example: resultCode and resultMessage only.
  return ok(
    result("A137001", `Deleted ${doomed.length} access token(s) issued to the client (ID = ${client.clientId}) of the service (API Key = ${svc.serviceId}).`),
  );
}

/** RFC 6750 §3: the `WWW-Authenticate` value Authlete writes into `responseContent` (§7.7). */
function challenge(error: string, code: string, text: string, errorDescriptionOmitted: boolean, errorUriOmitted: boolean): string {
  const parts = [`error="${error}"`];
  if (!errorDescriptionOmitted) parts.push(`error_description="[${code}] ${text}"`);
  if (!errorUriOmitted) parts.push(`error_uri="https://docs.authlete.com/#${code}"`);
  return `Bearer ${parts.join(",")}`;
}

/**
 * `auth/introspection` (§7.7), for a protected resource: is this access token usable, does it
 * cover `scopes`, is it `subject`'s? DPoP and certificate binding are not checked here (no test
 * of this project presents a resource request). Members of a token that does not exist are
 * written as Authlete's Java DTO holds them: false and 0.
 */
export function introspection(ctx: ApiContext): ApiResult {
  const { svc, body } = ctx;
  const answer = (action: string, code: string, text: string, content: string, rec: TokenRecord | null, flags: { usable: boolean; sufficient: boolean }) =>
    ok({
      ...result(code, text),
      action,
      responseContent: content,
      clientId: rec?.clientId ?? 0,
      clientIdAliasUsed: false,
      expiresAt: rec?.accessTokenExpiresAt ?? 0,
      subject: rec?.subject ?? null,
      scopes: rec?.scopes ?? null,
      existent: rec !== null,
      usable: flags.usable,
      sufficient: flags.sufficient,
      refreshable: rec !== null && rec.refreshToken !== null && now() < rec.refreshTokenExpiresAt,
      properties: rec && rec.properties.length > 0 ? rec.properties : null,
      resources: rec?.resources ?? null,
      accessTokenResources: rec?.resources ?? null,
      authorizationDetails: rec?.authorizationDetails ?? null,
      grantType: rec?.grantType ?? null,
    });
  const fail = (action: string, error: string, code: string, text: string, rec: TokenRecord | null, usable = false) =>
    answer(action, code, text, challenge(error, code, text, svc.errorDescriptionOmitted, svc.errorUriOmitted), rec, { usable, sufficient: false });

  const token = str(body["token"]);
  // [U] the codes below but A056001; placeholders in Authlete's pattern (§2.1).
  if (token === null || token === "") return fail("BAD_REQUEST", "invalid_request", "A056201", "The request does not contain 'token' parameter.", null);
  const rec = state.accessTokens.get(token) ?? null;
  if (rec === null) return fail("UNAUTHORIZED", "invalid_token", "A056301", "The access token does not exist.", null);
  if (now() >= rec.accessTokenExpiresAt) return fail("UNAUTHORIZED", "invalid_token", "A056302", "The access token has expired.", rec);
  // JSON sends an array; a form body, where only flat strings travel, a space-separated list (§7.7).
  const raw = body["scopes"];
  const wanted = Array.isArray(raw) ? raw.filter((s): s is string => typeof s === "string") : typeof raw === "string" ? raw.split(" ").filter(Boolean) : [];
  const missing = wanted.find((s) => !rec.scopes.includes(s));
  if (missing !== undefined) return fail("FORBIDDEN", "insufficient_scope", "A056303", `The access token does not cover the scope '${missing}'.`, rec, true);
  const subject = str(body["subject"]);
  if (subject !== null && subject !== rec.subject)
    return fail("FORBIDDEN", "invalid_request", "A056304", "The access token was not issued to the subject.", rec, true);
  return answer("OK", "A056001", "The access token is valid.", 'Bearer error="invalid_request"', rec, { usable: true, sufficient: true });
}
