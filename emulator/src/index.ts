// Offline Authlete emulator (Cloudflare Worker). Runtime APIs under /api/ (v2 and v3 paths),
// test control API under /_emulator/. See ../README.md and /work/shared/authlete-api.md.
import { checkApiCredentials, INVALID_JSON_CODE, parseRoute } from "./auth";
import { parseBody } from "./body";
import { serviceConfiguration, serviceJwks } from "./config";
import { control } from "./control";
import { deviceAuthorization, deviceComplete, deviceVerification } from "./device";
import { type ApiResult, apiFailure, jsonResponse, serverError } from "./errors";
import { DropConnection, postProcessFault, preProcessFault, takeFault } from "./faults";
import { currentSeed, effectiveService, logRequest, now, purge } from "./store";
import { revocation, token } from "./token";
import type { ApiContext, Env } from "./types";

interface ApiDef {
  methods: readonly string[];
  handler: (ctx: ApiContext) => ApiResult | Promise<ApiResult>;
}

const APIS: Record<string, ApiDef> = {
  "device/authorization": { methods: ["POST"], handler: deviceAuthorization },
  "device/verification": { methods: ["POST"], handler: deviceVerification },
  "device/complete": { methods: ["POST"], handler: deviceComplete },
  "auth/token": { methods: ["POST"], handler: token },
  "auth/revocation": { methods: ["POST"], handler: revocation },
  "service/configuration": { methods: ["GET", "POST"], handler: serviceConfiguration },
  "service/jwks/get": { methods: ["GET"], handler: serviceJwks },
};

function loggedBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function processApi(request: Request, env: Env, url: URL, api: string, bodyText: string): Promise<ApiResult> {
  const svc = effectiveService(env);
  const route = parseRoute(url.pathname);
  const def = APIS[api];
  if (route === null || def === undefined) return { status: 404, body: { resultCode: "404", resultMessage: "" } };
  if (!def.methods.includes(request.method)) {
    return apiFailure(405, "A001207", api, `The HTTP method ${request.method} is not allowed.`, { Allow: def.methods.join(", ") });
  }
  const denied = checkApiCredentials(route, request.headers.get("Authorization"), svc);
  if (denied !== null) return denied;
  const body = request.method === "GET" ? {} : parseBody(bodyText, request.headers.get("Content-Type"));
  if (body === null) return apiFailure(400, INVALID_JSON_CODE, api, "The request body is not a valid JSON object.");
  purge(svc);
  return def.handler({ api, method: request.method, svc, clients: currentSeed(env).clients, body, query: url.searchParams });
}

async function handleApi(request: Request, env: Env, url: URL): Promise<Response> {
  const route = parseRoute(url.pathname);
  const api = route?.api ?? url.pathname.replace(/^\/+/, "");
  const bodyText = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  logRequest({
    method: request.method,
    path: url.pathname,
    query: url.search,
    authorization: request.headers.get("Authorization"),
    contentType: request.headers.get("Content-Type"),
    body: loggedBody(bodyText),
    receivedAt: now(),
  });

  const fault = takeFault(api);
  if (fault?.mode === "latency") await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
  if (fault) {
    const early = preProcessFault(fault, api, effectiveService(env));
    if (early) return early;
  }

  let res: Response;
  try {
    const result = await processApi(request, env, url, api, bodyText);
    res = jsonResponse(result, effectiveService(env).omitNullFields);
  } catch (e) {
    console.error("authlete-emulator: unexpected error", e);
    res = jsonResponse(serverError(api), false);
  }
  return fault ? postProcessFault(fault, res) : res;
}

async function fetch(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  try {
    if (url.pathname === "/_emulator" || url.pathname.startsWith("/_emulator/")) {
      return await control.fetch(request, env ?? {});
    }
    if (url.pathname.startsWith("/api/")) return await handleApi(request, env ?? {}, url);
    return jsonResponse({ status: 404, body: { resultCode: "404", resultMessage: "" } }, false);
  } catch (e) {
    if (e instanceof DropConnection) throw e;
    console.error("authlete-emulator: unexpected error", e);
    return jsonResponse(serverError(url.pathname.replace(/^\/(api\/(\d+\/)?)?/, "")), false);
  }
}

export default { fetch } satisfies ExportedHandler<Env>;
