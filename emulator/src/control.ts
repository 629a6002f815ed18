// Test-only control API under /_emulator/ (no credentials). Not part of Authlete's contract.
import { type Context, Hono } from "hono";
import { parseBody, readText } from "./body";
import { FAULT_MODES } from "./faults";
import { currentSeed, deviceByUserCode, effectiveService, now, resetState, SEEDS, seedName, state, takeAnswers } from "./store";
import type { DeviceRecord, Env, Fault, FaultMode, ServiceSettings } from "./types";

type Ctx = Context<{ Bindings: Env }>;

const problem = (c: Ctx, status: 400 | 404 | 500, error: string) => c.json({ error }, status);

/** The JSON object body of a control call, or null (answered 400): the control API takes JSON only. */
async function readObject(c: Ctx): Promise<Record<string, unknown> | null> {
  return parseBody(await readText(c.req.raw));
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
function validateOverrides(base: ServiceSettings, patch: Record<string, unknown>): string | null {
  const rec = base as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (!Object.hasOwn(rec, k)) return `unknown service setting '${k}'`;
    const cur = rec[k];
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

const seedView = (env: Env) => ({ name: seedName(env), available: Object.keys(SEEDS) });

export const control = new Hono<{ Bindings: Env }>({ strict: false }).basePath("/_emulator");

control.get("/health", (c) => c.json({ ok: true, serviceId: effectiveService(c.env).serviceId, now: now() }));

control.get("/requests", (c) => c.json(state.requests));
control.delete("/requests", (c) => {
  state.requests.length = 0;
  return c.json({ cleared: true });
});

// The contract check (test/support/authlete-contract.ts) takes every answer after each test.
control.post("/answers/take", (c) => c.json(takeAnswers()));

control.get("/clock", (c) => c.json({ offsetMs: state.clockOffsetMs, now: now() }));
control.delete("/clock", (c) => {
  state.clockOffsetMs = 0;
  return c.json({ offsetMs: 0 });
});
control.post("/clock", async (c) => {
  const b = await readObject(c);
  if (b === null) return problem(c, 400, "body must be a JSON object");
  if (typeof b["advanceMs"] === "number" && Number.isFinite(b["advanceMs"])) state.clockOffsetMs += b["advanceMs"];
  else if (typeof b["offsetMs"] === "number" && Number.isFinite(b["offsetMs"])) state.clockOffsetMs = b["offsetMs"];
  else return problem(c, 400, 'expected {"advanceMs": n} or {"offsetMs": n}');
  return c.json({ offsetMs: state.clockOffsetMs });
});

control.get("/service", (c) => c.json(effectiveService(c.env)));
control.delete("/service", (c) => {
  state.overrides = {};
  return c.json(effectiveService(c.env));
});
control.post("/service", async (c) => {
  const b = await readObject(c);
  if (b === null) return problem(c, 400, "body must be a JSON object");
  const err = validateOverrides(currentSeed(c.env).service, b);
  if (err !== null) return problem(c, 400, err);
  state.overrides = { ...state.overrides, ...(b as Partial<ServiceSettings>) };
  return c.json(effectiveService(c.env));
});

control.get("/faults", (c) => c.json(state.faults));
control.delete("/faults", (c) => {
  state.faults.length = 0;
  return c.json({ cleared: true });
});
control.post("/faults", async (c) => {
  const b = await readObject(c);
  if (b === null) return problem(c, 400, "body must be a JSON object");
  const f = parseFault(b);
  if (typeof f === "string") return problem(c, 400, f);
  state.faults.push(f);
  return c.json(f);
});

control.post("/reset", (c) => {
  resetState();
  return c.json({ reset: true });
});

control.get("/seed", (c) => c.json(seedView(c.env)));
// Another seed means other clients and settings: records made under the old one would lie.
control.post("/seed", async (c) => {
  const b = await readObject(c);
  if (b === null) return problem(c, 400, "body must be a JSON object");
  const name = b["name"];
  if (typeof name !== "string" || !Object.hasOwn(SEEDS, name)) return problem(c, 400, `'name' must be one of ${Object.keys(SEEDS).join(", ")}`);
  resetState();
  state.seedName = name;
  return c.json(seedView(c.env));
});

control.get("/state/user-code/:code", (c) => {
  const rec = deviceByUserCode(c.req.param("code"));
  return rec === null ? problem(c, 404, "no such user code") : c.json(deviceView(rec));
});

control.get("/state/device-code/:code", (c) => {
  const rec = state.devices.get(c.req.param("code"));
  return rec === undefined ? problem(c, 404, "no such device code") : c.json(deviceView(rec));
});

control.get("/state/token/:token", (c) => {
  const t = c.req.param("token");
  const rec = state.accessTokens.get(t) ?? state.refreshTokens.get(t);
  if (rec === undefined) return problem(c, 404, "no such token");
  const kind = state.accessTokens.has(t) ? "access_token" : "refresh_token";
  const expiresAt = kind === "access_token" ? rec.accessTokenExpiresAt : rec.refreshTokenExpiresAt;
  return c.json({
    kind,
    active: now() < expiresAt,
    expiresAt,
    clientId: rec.clientId,
    subject: rec.subject,
    scopes: rec.scopes,
    grantType: rec.grantType,
    userCode: rec.userCode,
  });
});

control.notFound((c) => problem(c, 404, `unknown control endpoint ${c.req.method} ${new URL(c.req.url).pathname.replace(/\/+$/, "")}`));

control.onError((err, c) => {
  console.error("authlete-emulator: control API error", err);
  return problem(c, 500, String(err instanceof Error ? err.message : err));
});
