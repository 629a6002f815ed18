// Offline Authlete emulator (Cloudflare Worker). Runtime and management read APIs under /api/
// (v2 and v3 paths), test control API under /_emulator/, both routed with Hono. See
// ../README.md and the contract in ../../docs/authlete-api.md, whose section numbers (§n) the
// comments cite.
import { type Context, Hono } from "hono";
import { checkApiCredentials, INVALID_JSON_CODE } from "./auth";
import { clientAuthorizationDelete, introspection } from "./authorization";
import { parseBody, readText } from "./body";
import { serviceConfiguration, serviceJwks } from "./config";
import { control } from "./control";
import { deviceAuthorization, deviceComplete, deviceVerification } from "./device";
import { type ApiResult, apiFailure, jsonResponse, serverError } from "./errors";
import { DropConnection, postProcessFault, preProcessFault, takeFault } from "./faults";
import { clientGet, serviceGet } from "./management";
import { countApiRequest, currentSeed, effectiveService, logRequest, now, openAnswer, purge } from "./store";
import { revocation, standardIntrospection, token } from "./token";
import type { ApiContext, Env, Fault } from "./types";

type Ctx = Context<{ Bindings: Env }>;

interface ApiDef {
  /** Authlete's name of the API: faults match it and resultMessages start with it. */
  name: string;
  /** The path after /api/ (v2) or /api/{serviceId}/ (v3), in Hono's syntax (`:x` is a path parameter). */
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
  runtime("auth/introspection/standard", ["POST"], standardIntrospection),
  runtime("auth/introspection", ["POST"], introspection),
  runtime("service/configuration", ["GET", "POST"], serviceConfiguration),
  runtime("service/jwks/get", ["GET"], serviceJwks),
  // §13.1: v3 names the service in the path prefix, v2 after the API name (and as the owner).
  { name: "service/get", path: "service/get", versions: [3], methods: ["GET"], handler: serviceGet },
  { name: "service/get", path: "service/get/:apiKey", versions: [2], methods: ["GET"], owner: true, handler: serviceGet },
  { name: "client/get", path: "client/get/:clientId", versions: BOTH, methods: ["GET"], handler: clientGet },
  // §7.6: the subject in a POST's body (what Authlete's Java client sends) or, on DELETE, in the query or the path.
  {
    name: "client/authorization/delete",
    path: "client/authorization/delete/:clientId",
    versions: BOTH,
    methods: ["POST", "DELETE"],
    handler: clientAuthorizationDelete,
  },
  {
    name: "client/authorization/delete",
    path: "client/authorization/delete/:clientId/:subject",
    versions: BOTH,
    methods: ["DELETE"],
    handler: clientAuthorizationDelete,
  },
];

/** `…/get/list` are other APIs (client/get/list, service/get/list), which are not emulated. */
const NOT_EMULATED = ["client/get/list", "service/get/list"];

/** v3 paths start with the numeric service ID (`/api/{serviceId}/...`); anything else is v2 (§1). */
const V3_PREFIX = "/api/:serviceId{[0-9]+}";

const UNKNOWN_API: ApiResult = { status: 404, body: { resultCode: "404", resultMessage: "" } };

/** The API a path names when no route matched: what faults match and the log says. */
function apiNameOf(pathname: string): string {
  return pathname.replace(/^\/api\/(\d+\/)?/, "").replace(/\/+$/, "");
}

function loggedBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One pipeline for every API answer, known or not: log the request, apply a queued fault,
 * process, serialise, and keep the answer for the contract check (test/support/authlete-contract.ts).
 */
async function serve(c: Ctx, api: string, process: (bodyText: string) => ApiResult | Promise<ApiResult>): Promise<Response> {
  const request = c.req.raw;
  const url = new URL(request.url);
  const bodyText = request.method === "GET" || request.method === "HEAD" ? "" : await readText(request);
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
  // Opened now, so an answer the caller stopped waiting for (a latency fault past its timeout) still shows.
  const entry = openAnswer(api, request.method, url.pathname, fault?.mode ?? null);
  const record = async (res: Response | null, omitNullFields: boolean, fault: Fault | null) => {
    const text = res === null ? "" : await res.clone().text();
    Object.assign(entry, { status: res?.status ?? null, body: loggedBody(text), omitNullFields, fault: fault?.mode ?? null, pending: false });
  };

  if (fault?.mode === "latency") await sleep(fault.latencyMs);
  if (fault) {
    let early: Response | null;
    try {
      early = preProcessFault(fault, api, effectiveService(c.env));
    } catch (err) {
      if (err instanceof DropConnection) await record(null, false, fault);
      throw err;
    }
    if (early) {
      await record(early, false, fault);
      return early;
    }
  }

  let res: Response;
  let omitNullFields = false;
  try {
    const result = await process(bodyText);
    omitNullFields = effectiveService(c.env).omitNullFields;
    res = jsonResponse(result, omitNullFields);
  } catch (e) {
    console.error("authlete-emulator: unexpected error", e);
    res = jsonResponse(serverError(api), false);
  }
  if (fault) res = await postProcessFault(fault, res);
  // A latency fault delays a real answer; every other fault's answer is not Authlete's.
  await record(res, omitNullFields, fault?.mode === "latency" ? null : fault);
  return res;
}

/** Method, credentials, body, then the API's handler: the order Authlete checks a call in (§2.2). */
async function runApi(c: Ctx, def: ApiDef, version: 2 | 3, bodyText: string): Promise<ApiResult> {
  const request = c.req.raw;
  const svc = effectiveService(c.env);
  const serviceId = version === 3 ? (c.req.param("serviceId") ?? null) : null;
  const denied = checkApiCredentials({ version, serviceId }, def.name, request.headers.get("Authorization"), svc, def.owner);
  if (denied !== null) return denied;
  const body = request.method === "GET" ? {} : parseBody(bodyText, request.headers.get("Content-Type"));
  if (body === null) return apiFailure(400, INVALID_JSON_CODE, def.name, "The request body is not a valid JSON object.");
  purge(svc);
  const { serviceId: _prefix, ...params } = c.req.param() as Record<string, string>;
  return def.handler({
    api: def.name,
    method: request.method,
    version,
    params,
    svc,
    clients: currentSeed(c.env).clients,
    body,
    query: new URL(request.url).searchParams,
  });
}

const api = new Hono<{ Bindings: Env }>({ strict: false });

for (const version of [2, 3] as const) {
  const prefix = version === 2 ? "/api" : V3_PREFIX;
  for (const name of NOT_EMULATED) api.all(`${prefix}/${name}`, (c) => serve(c, name, () => UNKNOWN_API));
  for (const def of APIS) {
    if (!def.versions.includes(version)) continue;
    const path = `${prefix}/${def.path}`;
    api.on([...def.methods], path, (c) => serve(c, def.name, (bodyText) => runApi(c, def, version, bodyText)));
    api.all(path, (c) =>
      serve(c, def.name, () => apiFailure(405, "A001207", def.name, `The HTTP method ${c.req.method} is not allowed.`, { Allow: def.methods.join(", ") })),
    );
  }
}

api.notFound((c) => serve(c, apiNameOf(new URL(c.req.url).pathname), () => UNKNOWN_API));

api.onError((err, c) => {
  // The "drop" fault must reach the caller as a failed fetch, not as an answer.
  if (err instanceof DropConnection) throw err;
  console.error("authlete-emulator: unexpected error", err);
  return jsonResponse(serverError(apiNameOf(new URL(c.req.url).pathname)), false);
});

/** Each app answers its own errors (control.onError, api.onError); only a "drop" fault escapes, as a failed fetch. */
async function fetch(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const e = env ?? {};
  if (url.pathname === "/_emulator" || url.pathname.startsWith("/_emulator/")) return control.fetch(request, e);
  if (url.pathname.startsWith("/api/")) {
    countApiRequest();
    return api.fetch(request, e);
  }
  return jsonResponse(UNKNOWN_API, false);
}

export default { fetch } satisfies ExportedHandler<Env>;
