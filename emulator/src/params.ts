// The end client's form body (`parameters`) and client authentication, shared by
// /device/authorization, /auth/token and /auth/revocation.
import { findClient } from "./store";
import type { ClientDef, TokenAuthMethod } from "./types";

export class Params {
  private readonly map = new Map<string, string[]>();

  constructor(text: string) {
    for (const [k, v] of new URLSearchParams(text)) {
      const list = this.map.get(k);
      if (list) list.push(v);
      else this.map.set(k, [v]);
    }
  }

  /** First value; "" is kept because an empty parameter is still "present" for duplicates. */
  get(name: string): string | null {
    return this.map.get(name)?.[0] ?? null;
  }

  /** Present and non-empty. */
  value(name: string): string | null {
    const v = this.get(name);
    return v === null || v === "" ? null : v;
  }

  all(name: string): string[] {
    return this.map.get(name) ?? [];
  }

  /** RFC 6749 §3.1: parameters must not repeat; `resource` (RFC 8707) may. */
  duplicated(repeatable: readonly string[] = ["resource"]): string | null {
    for (const [k, v] of this.map) if (v.length > 1 && !repeatable.includes(k)) return k;
    return null;
  }
}

/** Authlete coerces JSON numbers to strings for string fields; so does the emulator. */
export function str(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

export type ClientAuthResult =
  | { ok: true; client: ClientDef; aliasUsed: boolean }
  | { ok: false; error: "invalid_client"; seq: string; text: string; client: ClientDef | null; aliasUsed: boolean };

const METHOD_NAMES: Record<TokenAuthMethod, string> = {
  NONE: "none",
  CLIENT_SECRET_BASIC: "client_secret_basic",
  CLIENT_SECRET_POST: "client_secret_post",
};

/**
 * `clientId`/`clientSecret` of the API body are the end client's Basic credentials; the
 * `client_id`/`client_secret` parameters are the form body. The client must use exactly its
 * registered `tokenAuthMethod`. `seq` is the 3-digit tail for the resultCode.
 */
export function authenticateClient(params: Params, body: Record<string, unknown>, clients: readonly ClientDef[]): ClientAuthResult {
  const headerId = str(body["clientId"]) || null;
  const headerSecret = str(body["clientSecret"]) || null;
  const formId = params.value("client_id");
  const formSecret = params.value("client_secret");
  const fail = (seq: string, text: string, client: ClientDef | null = null, aliasUsed = false): ClientAuthResult => ({
    ok: false,
    error: "invalid_client",
    seq,
    text,
    client,
    aliasUsed,
  });

  if (headerId !== null && formId !== null && headerId !== formId) {
    return fail("303", "The client ID in the Authorization header and the 'client_id' request parameter are different.");
  }
  if (headerSecret !== null && formSecret !== null && headerSecret !== formSecret) {
    return fail("303", "The client secret in the Authorization header and the 'client_secret' request parameter are different.");
  }
  const id = headerId ?? formId;
  if (id === null) return fail("301", "The request does not contain a client ID.");
  const found = findClient(clients, id);
  if (found === null) return fail("302", `The client (ID = ${id}) does not exist.`);
  const { client, aliasUsed } = found;
  const secret = headerSecret ?? formSecret;
  const usedMethod: TokenAuthMethod = headerSecret !== null ? "CLIENT_SECRET_BASIC" : formSecret !== null ? "CLIENT_SECRET_POST" : "NONE";

  if (usedMethod !== client.tokenAuthMethod) {
    const seq = client.tokenAuthMethod !== "NONE" && usedMethod === "NONE" ? "306" : "304";
    const text =
      seq === "306"
        ? `The client (ID = ${client.clientId}) must authenticate with ${METHOD_NAMES[client.tokenAuthMethod]} but no client secret was presented.`
        : `The client authentication method '${METHOD_NAMES[usedMethod]}' is not allowed for the client (ID = ${client.clientId}); '${METHOD_NAMES[client.tokenAuthMethod]}' is required.`;
    return fail(seq, text, client, aliasUsed);
  }
  if (client.tokenAuthMethod !== "NONE" && secret !== client.clientSecret) {
    return fail("305", `The client secret of the client (ID = ${client.clientId}) is wrong.`, client, aliasUsed);
  }
  return { ok: true, client, aliasUsed };
}

/** Client fields common to device and token responses. */
export function clientFields(client: ClientDef | null, aliasUsed: boolean): Record<string, unknown> {
  if (client === null) return {};
  return {
    clientId: client.clientId,
    clientIdAlias: client.clientIdAlias,
    clientIdAliasUsed: aliasUsed,
    clientEntityId: null,
    clientEntityIdUsed: false,
    metadataDocumentLocation: null,
    metadataDocumentUsed: false,
    clientName: client.clientName,
    clientAuthMethod: client.tokenAuthMethod,
  };
}
