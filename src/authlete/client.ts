import { encodeBase64 } from "hono/utils/encode";
import type * as z from "zod/mini";
import type { AuthleteConfig } from "../config";
import { describe, shape } from "../config/schema";
import { BodyTooLarge, readResponse } from "../http/bounded-body";
import { AuthleteError } from "./errors";
import {
  ApiFailureBody,
  ClientAuthorizationDeleteResponse,
  type ClientCredentialsFields,
  DeviceAuthorizationResponse,
  type DeviceCompleteRequest,
  DeviceCompleteResponse,
  DeviceVerificationResponse,
  RevocationResponse,
  type TokenRequest,
  TokenResponse,
} from "./schemas";

type Fetch = typeof fetch;

/**
 * Bound on any answer from Authlete. Its largest legitimate ones are tens of KB: the service
 * configuration (every metadata member a service can set), the service's JWK Set with
 * certificate chains, a token response that carries a JWT access token with authorization
 * details and an ID token with many claims. 1 MiB leaves tens of times that, and is under 1 %
 * of the 128 MB a Worker has; anything larger is not an answer we can use (`malformed`).
 */
export const MAX_AUTHLETE_BODY_BYTES = 1024 * 1024;
const decoder = new TextDecoder();

/**
 * One small client for the Authlete APIs of the device flow. v2 and v3 differ only in
 * path prefix and credentials (docs/authlete-api.md §1, §10.4). It never retries: /auth/token and
 * /device/complete change state at Authlete, and once a request may have reached
 * Authlete a blind retry could issue tokens twice or flip a decision.
 */
export class AuthleteClient {
  private readonly prefix: string;
  private readonly authorization: string;

  constructor(
    private readonly config: AuthleteConfig,
    private readonly fetcher: Fetch,
  ) {
    if (config.version === 2) {
      this.prefix = `${config.baseUrl}/api`;
      this.authorization = `Basic ${encodeBase64(new TextEncoder().encode(`${config.apiKey}:${config.apiSecret}`).buffer)}`;
    } else {
      this.prefix = `${config.baseUrl}/api/${config.serviceId}`;
      this.authorization = `Bearer ${config.accessToken}`;
    }
  }

  deviceAuthorization(body: ClientCredentialsFields) {
    return this.post("/device/authorization", body, DeviceAuthorizationResponse);
  }

  deviceVerification(userCode: string) {
    return this.post("/device/verification", { userCode }, DeviceVerificationResponse);
  }

  deviceComplete(body: DeviceCompleteRequest) {
    return this.post("/device/complete", body, DeviceCompleteResponse);
  }

  token(body: TokenRequest) {
    return this.post("/auth/token", body, TokenResponse);
  }

  revocation(body: ClientCredentialsFields) {
    return this.post("/auth/revocation", body, RevocationResponse);
  }

  /**
   * Deletes every access token (and its refresh token) that the client `clientId` (Authlete's
   * number) holds for `subject`: "That wasn't me" after an approval (docs/authlete-api.md §7.6).
   * The subject travels in the JSON body, never in the path.
   */
  clientAuthorizationDelete(clientId: number, subject: string) {
    return this.post(`/client/authorization/delete/${clientId}`, { subject }, ClientAuthorizationDeleteResponse);
  }

  /** The discovery document itself (not an action envelope, docs/authlete-api.md §7.2), as text so it can be cached and relayed unchanged. */
  serviceConfiguration(): Promise<string> {
    return this.getDocument("/service/configuration", (doc) => typeof doc.issuer === "string", "a metadata document with an issuer");
  }

  /**
   * The service's public JWK Set, which discovery advertises as `jwks_uri` for ID token
   * verification. Authlete's /service/jwks/get is outside the contract document (only
   * its path shape is assumed to follow §1), so the answer is checked for `keys` only.
   */
  serviceJwks(): Promise<string> {
    return this.getDocument("/service/jwks/get", (doc) => Array.isArray(doc.keys), "a JWK Set");
  }

  private async getDocument(api: string, valid: (doc: Record<string, unknown>) => boolean, what: string): Promise<string> {
    const text = await this.send(api, { method: "GET" });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new AuthleteError("malformed", api, "response is not JSON");
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc) || !valid(doc as Record<string, unknown>))
      throw new AuthleteError("malformed", api, `response is not ${what}`);
    return text;
  }

  private async post<S extends z.ZodMiniType>(api: string, body: object, schema: S): Promise<z.output<S>> {
    const text = await this.send(api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AuthleteError("malformed", api, "response is not JSON");
    }
    const parsed = shape(schema, json);
    if ("issues" in parsed) throw new AuthleteError("malformed", api, `unexpected response shape: ${describe(parsed.issues)}`);
    return parsed.data;
  }

  private async send(api: string, init: RequestInit): Promise<string> {
    const headers = new Headers(init.headers);
    headers.set("Authorization", this.authorization);
    headers.set("Accept", "application/json");
    let res: Response;
    let text: string;
    try {
      // One signal bounds the whole exchange, body included: a server that sends
      // headers and then stalls must not hold the request past the timeout.
      const signal = AbortSignal.timeout(this.config.timeoutMs);
      res = await this.fetcher(this.prefix + api, { ...init, headers, signal });
      text = decoder.decode(await readResponse(res, MAX_AUTHLETE_BODY_BYTES, signal));
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new AuthleteError("malformed", api, `response ${err.message}`);
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new AuthleteError(timedOut ? "timeout" : "network", api, timedOut ? `no answer within ${this.config.timeoutMs} ms` : String(err));
    }
    if (res.status < 200 || res.status > 299) {
      const failure = safeJson(text, ApiFailureBody);
      const kind = res.status >= 500 || res.status === 429 ? "unavailable" : "rejected";
      throw new AuthleteError(
        kind,
        api,
        `HTTP ${res.status}${failure?.resultMessage ? `: ${failure.resultMessage}` : ""}`,
        res.status,
        failure?.resultCode ?? `CLIENT_GENERATED_${res.status}_RESPONSE`,
      );
    }
    return text;
  }
}

function safeJson<S extends z.ZodMiniType>(text: string, schema: S): z.output<S> | undefined {
  try {
    const parsed = shape(schema, JSON.parse(text));
    return "data" in parsed ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
