// Isolate-wide state: the selected seed (one service and its clients), the clock, codes,
// tokens, the request log and queued faults. Everything is module memory, so a restart of the
// isolate is a reset.
import defaultSeed from "../seed.json";
import misconfiguredSeed from "../seed.misconfigured.json";
import type { ClientDef, DeviceRecord, Env, Fault, FaultMode, LoggedRequest, RecordedAnswer, Seed, ServiceSettings, TokenRecord } from "./types";

/** Origin written in the seed; replaced by env.PUBLIC_URL when that is set. */
export const SEED_ORIGIN = "http://127.0.0.1:8787";
const REQUEST_LOG_LIMIT = 200;
/** Answers kept for the contract check; the test suite takes them after every test, far below this. */
const ANSWER_LOG_LIMIT = 5000;

/** Fills the [U] options left out of a seed, so an older seed keeps working. */
const OPTION_DEFAULTS: Partial<ServiceSettings> = {
  serviceName: "Authlete Emulator",
  revocationEndpoint: null,
  jwksUri: null,
  deviceVerificationUriComplete: null,
  userCodeCharset: "BASE20",
  userCodeLength: 0,
  supportedAcrs: null,
  supportedClaims: null,
  idTokenDuration: 3600,
  refreshTokenDurationKept: false,
  errorDescriptionOmitted: false,
  errorUriOmitted: false,
  dpopNonce: null,
  dpopNonceRequired: false,
  dpopSigningAlgs: ["ES256", "RS256", "PS256"],
  enforcePollingInterval: false,
  completedUserCodeAction: "NOT_EXIST",
  deviceCodeReuseError: "invalid_grant",
  deviceCodeWrongClientError: "invalid_grant",
  unknownDeviceCodeError: "invalid_grant",
  deviceGrantNotAllowedError: "unauthorized_client",
  expiredCodeRetentionSeconds: 3600,
  wrongServiceIdStatus: 403,
  notFoundStatus: 404,
  clientGetByAlias: false,
  omitNullFields: true,
};

function loadSeed(file: string, raw: unknown): Seed {
  // Fail at startup on a broken seed rather than with confusing answers later.
  if (typeof raw !== "object" || raw === null) throw new Error(`${file}: not an object`);
  const r = raw as { service?: unknown; clients?: unknown };
  if (typeof r.service !== "object" || r.service === null) throw new Error(`${file}: missing service`);
  if (!Array.isArray(r.clients)) throw new Error(`${file}: missing clients`);
  const service = { ...OPTION_DEFAULTS, ...(r.service as object) } as ServiceSettings;
  for (const k of ["serviceId", "apiKey", "apiSecret", "accessToken", "serviceOwnerApiKey", "serviceOwnerApiSecret", "issuer", "tokenEndpoint"] as const) {
    if (service[k] === undefined || service[k] === null) throw new Error(`${file}: service.${k} missing`);
  }
  const clients = (r.clients as Partial<ClientDef>[]).map((c): ClientDef => {
    if (typeof c.clientId !== "number") throw new Error(`${file}: client without numeric clientId`);
    const tokenAuthMethod = c.tokenAuthMethod ?? "NONE";
    return {
      clientId: c.clientId,
      clientIdAlias: c.clientIdAlias ?? null,
      clientName: c.clientName ?? String(c.clientId),
      clientSecret: c.clientSecret ?? null,
      clientType: c.clientType ?? (tokenAuthMethod === "NONE" ? "PUBLIC" : "CONFIDENTIAL"),
      tokenAuthMethod,
      grantTypes: c.grantTypes ?? [],
      defaultScopes: c.defaultScopes ?? null,
      defaultAcrs: c.defaultAcrs ?? null,
      extension: {
        requestableScopesEnabled: c.extension?.requestableScopesEnabled ?? false,
        requestableScopes: c.extension?.requestableScopes ?? null,
        accessTokenDuration: c.extension?.accessTokenDuration ?? 0,
        refreshTokenDuration: c.extension?.refreshTokenDuration ?? 0,
      },
    };
  });
  return { service, clients };
}

/** The seeds a run can start from, by name (env.SEED, POST /_emulator/seed). */
export const SEEDS: Readonly<Record<string, Seed>> = {
  default: loadSeed("seed.json", defaultSeed),
  // Deliberate configuration mistakes for testing a configuration checker (see ../README.md).
  misconfigured: loadSeed("seed.misconfigured.json", misconfiguredSeed),
};

export const state = {
  /** Chosen with POST /_emulator/seed until the next reset; null = env.SEED, else "default". */
  seedName: null as string | null,
  clockOffsetMs: 0,
  overrides: {} as Partial<ServiceSettings>,
  /** Keyed by device code. */
  devices: new Map<string, DeviceRecord>(),
  /** User code → device code. */
  userCodes: new Map<string, string>(),
  accessTokens: new Map<string, TokenRecord>(),
  refreshTokens: new Map<string, TokenRecord>(),
  requests: [] as LoggedRequest[],
  faults: [] as Fault[],
  /**
   * Every API answer since the contract check last took them (POST /_emulator/answers/take),
   * and how many API requests came in meanwhile. A reset keeps both: the check must see the
   * answers of a test that resets halfway.
   */
  answers: { received: 0, dropped: 0, list: [] as RecordedAnswer[] },
};

/** The only time source, so tests can move the clock through the control API. */
export function now(): number {
  return Date.now() + state.clockOffsetMs;
}

export function seedName(env: Env): string {
  return state.seedName ?? (env.SEED?.trim() || "default");
}

export function currentSeed(env: Env): Seed {
  const name = seedName(env);
  const found = Object.hasOwn(SEEDS, name) ? SEEDS[name] : undefined;
  // A mistyped SEED must not silently fall back to the default: every request fails instead.
  if (found === undefined) throw new Error(`SEED: no seed named '${name}' (known: ${Object.keys(SEEDS).join(", ")})`);
  return found;
}

/** Empties every record and returns to the seed that env.SEED names. */
export function resetState(): void {
  state.seedName = null;
  state.clockOffsetMs = 0;
  state.overrides = {};
  state.devices.clear();
  state.userCodes.clear();
  state.accessTokens.clear();
  state.refreshTokens.clear();
  state.requests.length = 0;
  state.faults.length = 0;
}

/** "true" or "false"; anything else fails every call (like an unknown SEED) rather than guessing. */
function flagVariable(name: string, value: string | undefined): boolean | undefined {
  const v = value?.trim();
  if (v === undefined || v === "") return undefined;
  if (v === "true" || v === "false") return v === "true";
  throw new Error(`${name}: '${v}' is neither true nor false`);
}

/** Seed service with PUBLIC_URL and OMIT_NULL_FIELDS applied, then the control-API overrides. */
export function effectiveService(env: Env): ServiceSettings {
  const base: ServiceSettings = { ...currentSeed(env).service };
  const publicUrl = env.PUBLIC_URL?.trim().replace(/\/+$/, "");
  if (publicUrl) {
    const rec = base as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(rec)) {
      if (typeof v === "string" && v.startsWith(SEED_ORIGIN)) rec[k] = publicUrl + v.slice(SEED_ORIGIN.length);
    }
  }
  const omitNullFields = flagVariable("OMIT_NULL_FIELDS", env.OMIT_NULL_FIELDS);
  if (omitNullFields !== undefined) base.omitNullFields = omitNullFields;
  return { ...base, ...state.overrides };
}

/** The numeric ID wins over an alias that happens to look like another client's ID. */
export function findClient(clients: readonly ClientDef[], idOrAlias: string): { client: ClientDef; aliasUsed: boolean } | null {
  for (const c of clients) {
    if (String(c.clientId) === idOrAlias) return { client: c, aliasUsed: false };
  }
  for (const c of clients) {
    if (c.clientIdAlias !== null && c.clientIdAlias === idOrAlias) return { client: c, aliasUsed: true };
  }
  return null;
}

export function clientById(clients: readonly ClientDef[], id: number): ClientDef | null {
  return clients.find((c) => c.clientId === id) ?? null;
}

export function logRequest(entry: LoggedRequest): void {
  state.requests.push(entry);
  if (state.requests.length > REQUEST_LOG_LIMIT) state.requests.splice(0, state.requests.length - REQUEST_LOG_LIMIT);
}

export function countApiRequest(): void {
  state.answers.received += 1;
}

/** The record of an answer in the making; the caller fills it in when the answer is sent. */
export function openAnswer(api: string, method: string, path: string, fault: FaultMode | null): RecordedAnswer {
  const entry: RecordedAnswer = { api, method, path, status: null, body: null, omitNullFields: true, fault, pending: true };
  const { list } = state.answers;
  list.push(entry);
  if (list.length > ANSWER_LOG_LIMIT) state.answers.dropped += list.splice(0, list.length - ANSWER_LOG_LIMIT).length;
  return entry;
}

/** The answers since the last call, and the counts that prove none went missing; starts afresh. */
export function takeAnswers(): { received: number; dropped: number; answers: RecordedAnswer[] } {
  const { received, dropped, list } = state.answers;
  state.answers = { received: 0, dropped: 0, list: [] };
  return { received, dropped, answers: list };
}

export function saveDevice(rec: DeviceRecord): void {
  state.devices.set(rec.deviceCode, rec);
  state.userCodes.set(rec.userCode, rec.deviceCode);
}

export function deviceByUserCode(userCode: string): DeviceRecord | null {
  const dc = state.userCodes.get(userCode);
  return dc === undefined ? null : (state.devices.get(dc) ?? null);
}

export function saveTokens(rec: TokenRecord): void {
  state.accessTokens.set(rec.accessToken, rec);
  if (rec.refreshToken !== null) state.refreshTokens.set(rec.refreshToken, rec);
}

export function deleteTokens(rec: TokenRecord): void {
  state.accessTokens.delete(rec.accessToken);
  if (rec.refreshToken !== null) state.refreshTokens.delete(rec.refreshToken);
}

/**
 * Lazy purge: expired codes stay long enough to answer EXPIRED instead of NOT_EXIST, and
 * consumed ones long enough to answer the reuse error.
 */
export function purge(service: ServiceSettings): void {
  const t = now();
  const keepMs = Math.max(0, service.expiredCodeRetentionSeconds) * 1000;
  for (const [dc, rec] of state.devices) {
    if (t >= rec.expiresAt + keepMs) {
      state.devices.delete(dc);
      if (state.userCodes.get(rec.userCode) === dc) state.userCodes.delete(rec.userCode);
    }
  }
  for (const rec of state.accessTokens.values()) {
    const refreshAlive = rec.refreshToken !== null && t < rec.refreshTokenExpiresAt;
    if (t >= rec.accessTokenExpiresAt && !refreshAlive) deleteTokens(rec);
  }
}
