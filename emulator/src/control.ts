// Test-only control API under /_emulator/ (no credentials). Not part of Authlete's contract.
import { parseBody } from "./body";
import { lookupUserCode } from "./device";
import { FAULT_MODES } from "./faults";
import { deviceByUserCode, effectiveService, now, resetState, seed, state } from "./store";
import type { DeviceRecord, Env, Fault, FaultMode, ServiceSettings } from "./types";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function problem(status: number, error: string): Response {
  return json({ error }, status);
}

/** The JSON object body of a control call, or null (answered 400): the control API takes JSON only. */
async function readObject(request: Request): Promise<Record<string, unknown> | null> {
  return parseBody(await request.text());
}

function deviceView(rec: DeviceRecord): Record<string, unknown> {
  return {
    userCode: rec.userCode,
    deviceCode: rec.deviceCode,
    state: rec.state,
    expired: now() >= rec.expiresAt,
    clientId: rec.clientId,
    scopes: rec.scopes,
    subject: rec.completion?.subject ?? null,
    expiresAt: rec.expiresAt,
    interval: rec.interval,
    lastPollAt: rec.lastPollAt,
  };
}

/** Rejects unknown keys and values whose type differs from the seed's, so typos fail loudly. */
function validateOverrides(patch: Record<string, unknown>): string | null {
  const base = seed.service as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in base)) return `unknown service setting '${k}'`;
    const cur = base[k];
    if (v === null || cur === null || cur === undefined) continue;
    if (Array.isArray(cur) !== Array.isArray(v) || typeof cur !== typeof v) {
      return `service setting '${k}' must be of type ${Array.isArray(cur) ? "array" : typeof cur}`;
    }
  }
  return null;
}

function parseFault(b: Record<string, unknown>): Fault | string {
  const api = typeof b["api"] === "string" ? b["api"].replace(/^\/+/, "") : null;
  if (api === null || api === "") return '\'api\' is required (an API name such as "auth/token", or "*")';
  const mode = b["mode"];
  if (typeof mode !== "string" || !FAULT_MODES.includes(mode as FaultMode)) return `'mode' must be one of ${FAULT_MODES.join(", ")}`;
  const num = (name: string): number | null | string => {
    const v = b[name];
    if (v === undefined || v === null) return null;
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : `'${name}' must be a non-negative integer`;
  };
  const latencyMs = num("latencyMs");
  const status = num("status");
  const times = num("times");
  for (const v of [latencyMs, status, times]) if (typeof v === "string") return v;
  if (typeof status === "number" && (status < 200 || status > 599)) return "'status' must be within 200..599";
  const action = b["action"] ?? null;
  if (action !== null && (typeof action !== "string" || action === "")) return "'action' must be a non-empty string";
  const responseContent = b["responseContent"] ?? null;
  if (responseContent !== null && typeof responseContent !== "string") return "'responseContent' must be a string";
  return {
    api,
    mode: mode as FaultMode,
    latencyMs: (latencyMs as number | null) ?? (mode === "latency" ? 1000 : 0),
    status: status as number | null,
    times: (times as number | null) ?? 1,
    action,
    responseContent,
  };
}

export async function handleControl(request: Request, env: Env, url: URL): Promise<Response> {
  const path = url.pathname.replace(/\/+$/, "");
  const method = request.method;

  if (path === "/_emulator/health" && method === "GET") {
    return json({ ok: true, serviceId: effectiveService(env).serviceId, now: now() });
  }

  if (path === "/_emulator/requests") {
    if (method === "GET") return json(state.requests);
    if (method === "DELETE") {
      state.requests.length = 0;
      return json({ cleared: true });
    }
  }

  if (path === "/_emulator/clock") {
    if (method === "GET") return json({ offsetMs: state.clockOffsetMs, now: now() });
    if (method === "DELETE") {
      state.clockOffsetMs = 0;
      return json({ offsetMs: 0 });
    }
    if (method === "POST") {
      const b = await readObject(request);
      if (b === null) return problem(400, "body must be a JSON object");
      if (typeof b["advanceMs"] === "number" && Number.isFinite(b["advanceMs"])) state.clockOffsetMs += b["advanceMs"];
      else if (typeof b["offsetMs"] === "number" && Number.isFinite(b["offsetMs"])) state.clockOffsetMs = b["offsetMs"];
      else return problem(400, 'expected {"advanceMs": n} or {"offsetMs": n}');
      return json({ offsetMs: state.clockOffsetMs });
    }
  }

  if (path === "/_emulator/service") {
    if (method === "GET") return json(effectiveService(env));
    if (method === "DELETE") {
      state.overrides = {};
      return json(effectiveService(env));
    }
    if (method === "POST") {
      const b = await readObject(request);
      if (b === null) return problem(400, "body must be a JSON object");
      const err = validateOverrides(b);
      if (err !== null) return problem(400, err);
      state.overrides = { ...state.overrides, ...(b as Partial<ServiceSettings>) };
      return json(effectiveService(env));
    }
  }

  if (path === "/_emulator/faults") {
    if (method === "GET") return json(state.faults);
    if (method === "DELETE") {
      state.faults.length = 0;
      return json({ cleared: true });
    }
    if (method === "POST") {
      const b = await readObject(request);
      if (b === null) return problem(400, "body must be a JSON object");
      const f = parseFault(b);
      if (typeof f === "string") return problem(400, f);
      state.faults.push(f);
      return json(f);
    }
  }

  if (path === "/_emulator/reset" && method === "POST") {
    resetState();
    return json({ reset: true });
  }

  const userCodeMatch = /^\/_emulator\/state\/user-code\/([^/]+)$/.exec(path);
  if (userCodeMatch?.[1] !== undefined && method === "GET") {
    const code = decodeURIComponent(userCodeMatch[1]);
    const rec = deviceByUserCode(code) ?? lookupUserCode(effectiveService(env), code);
    return rec === null ? problem(404, "no such user code") : json(deviceView(rec));
  }

  const deviceCodeMatch = /^\/_emulator\/state\/device-code\/([^/]+)$/.exec(path);
  if (deviceCodeMatch?.[1] !== undefined && method === "GET") {
    const rec = state.devices.get(decodeURIComponent(deviceCodeMatch[1]));
    return rec === undefined ? problem(404, "no such device code") : json(deviceView(rec));
  }

  const tokenMatch = /^\/_emulator\/state\/token\/([^/]+)$/.exec(path);
  if (tokenMatch?.[1] !== undefined && method === "GET") {
    const t = decodeURIComponent(tokenMatch[1]);
    const rec = state.accessTokens.get(t) ?? state.refreshTokens.get(t);
    if (rec === undefined) return problem(404, "no such token");
    const kind = state.accessTokens.has(t) ? "access_token" : "refresh_token";
    const expiresAt = kind === "access_token" ? rec.accessTokenExpiresAt : rec.refreshTokenExpiresAt;
    return json({
      kind,
      active: now() < expiresAt,
      expiresAt,
      clientId: rec.clientId,
      subject: rec.subject,
      scopes: rec.scopes,
      grantType: rec.grantType,
      userCode: rec.userCode,
    });
  }

  return problem(404, `unknown control endpoint ${method} ${path}`);
}
