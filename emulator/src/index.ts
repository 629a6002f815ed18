// Offline Authlete emulator (Cloudflare Worker). Runtime and management read APIs under /api/
// (v2 and v3 paths), test control API under /_emulator/. See ../README.md and the contract in
// ../../docs/authlete-api.md, whose section numbers (§n) the comments cite.
import { checkApiCredentials, INVALID_JSON_CODE, parseRoute, type Route } from "./auth";
import { parseBody } from "./body";
import { serviceConfiguration, serviceJwks } from "./config";
import { control } from "./control";
import { deviceAuthorization, deviceComplete, deviceVerification } from "./device";
import { type ApiResult, apiFailure, jsonResponse, serverError } from "./errors";
import { DropConnection, postProcessFault, preProcessFault, takeFault } from "./faults";
import { clientGet, serviceGet } from "./management";
import { currentSeed, effectiveService, logRequest, now, purge } from "./store";
import { revocation, token } from "./token";
import type { ApiContext, Env } from "./types";

interface ApiDef {
  /** Authlete's name of the API: faults match it and resultMessages start with it. */
  name: string;
  /** The path after /api/ (v2) or /api/{serviceId}/ (v3); `:x` is a path parameter. */
  path: string;
  versions: readonly (2 | 3)[];
  methods: readonly string[];
  /** v2 only: the API needs the service owner's credentials, not the service's (§13.1). */
  owner?: boolean;
  handler: (ctx: ApiContext) => ApiResult | Promise<ApiResult>;
}

const BOTH = [2, 3] as const;
const runtime = (name: string, methods: readonly string[], handler: ApiDef["handler"]): ApiDef => ({ name, path: name, versions: BOTH, methods, handler });

const APIS: readonly ApiDef[] = [
  runtime("device/authorization", ["POST"], deviceAuthorization),
  runtime("device/verification", ["POST"], deviceVerification),
  runtime("device/complete", ["POST"], deviceComplete),
  runtime("auth/token", ["POST"], token),
  runtime("auth/revocation", ["POST"], revocation),
  runtime("service/configuration", ["GET", "POST"], serviceConfiguration),
  runtime("service/jwks/get", ["GET"], serviceJwks),
  // §13.1: v3 names the service in the path prefix, v2 after the API name (and as the owner).
  { name: "service/get", path: "service/get", versions: [3], methods: ["GET"], handler: serviceGet },
  { name: "service/get", path: "service/get/:apiKey", versions: [2], methods: ["GET"], owner: true, handler: serviceGet },
  { name: "client/get", path: "client/get/:clientId", versions: BOTH, methods: ["GET"], handler: clientGet },
];

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `list` is another API (client/get/list, service/get/list), which is not emulated. */
function matchPath(pattern: string, api: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = api.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(":")) {
      if (g === "" || g === "list") return null;
      params[w.slice(1)] = safeDecode(g);
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

function resolveApi(route: Route): { def: ApiDef; params: Record<string, string> } | null {
  for (const def of APIS) {
    if (!def.versions.includes(route.version)) continue;
    const params = matchPath(def.path, route.api);
    if (params !== null) return { def, params };
  }
  return null;
}

function loggedBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const UNKNOWN_API: ApiResult = { status: 404, body: { resultCode: "404", resultMessage: "" } };

async function processApi(request: Request, env: Env, url: URL, bodyText: string): Promise<ApiResult> {
  const svc = effectiveService(env);
  const route = parseRoute(url.pathname);
  const match = route === null ? null : resolveApi(route);
  if (route === null || match === null) return UNKNOWN_API;
  const { def, params } = match;
  if (!def.methods.includes(request.method)) {
    return apiFailure(405, "A001207", def.name, `The HTTP method ${request.method} is not allowed.`, { Allow: def.methods.join(", ") });
  }
  const denied = checkApiCredentials(route, def.name, request.headers.get("Authorization"), svc, def.owner);
  if (denied !== null) return denied;
  const body = request.method === "GET" ? {} : parseBody(bodyText, request.headers.get("Content-Type"));
  if (body === null) return apiFailure(400, INVALID_JSON_CODE, def.name, "The request body is not a valid JSON object.");
  purge(svc);
  return def.handler({
    api: def.name,
    method: request.method,
    version: route.version,
    params,
    svc,
    clients: currentSeed(env).clients,
    body,
    query: url.searchParams,
  });
}

async function handleApi(request: Request, env: Env, url: URL): Promise<Response> {
  const route = parseRoute(url.pathname);
  const api = (route === null ? null : resolveApi(route)?.def.name) ?? route?.api ?? url.pathname.replace(/^\/+/, "");
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
    const result = await processApi(request, env, url, bodyText);
    res = jsonResponse(result, effectiveService(env).omitNullFields);
  } catch (e) {
    console.error("authlete-emulator: unexpected error", e);
    res = jsonResponse(serverError(api), false);
  }
  return fault ? postProcessFault(fault, res) : res;
}

async function fetch(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const e = env ?? {};
  try {
    if (url.pathname === "/_emulator" || url.pathname.startsWith("/_emulator/")) return await control.fetch(request, e);
    if (url.pathname.startsWith("/api/")) return await handleApi(request, e, url);
    return jsonResponse(UNKNOWN_API, false);
  } catch (err) {
    if (err instanceof DropConnection) throw err;
    console.error("authlete-emulator: unexpected error", err);
    return jsonResponse(serverError(url.pathname.replace(/^\/(api\/(\d+\/)?)?/, "")), false);
  }
}

export default { fetch } satisfies ExportedHandler<Env>;
