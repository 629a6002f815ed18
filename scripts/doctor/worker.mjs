// The Worker's configuration for one environment, read the way the Worker gets it:
// wrangler.toml through wrangler's own reader, the local secrets through wrangler's own
// .dev.vars loader, and every variable parsed by the Worker's own code (src/config), bundled
// with esbuild because Node cannot import src/ (its imports have no extensions).
import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative } from "node:path";
import { unstable_getVarsForDev } from "wrangler";
import { CREDENTIALS } from "../../src/config/credentials.mjs";
import { readDevVars } from "../dev-vars.mjs";
import { localOrigin, PortError } from "../lib/local-origin.mjs";
import { bundleSource, emulatorName, readWranglerConfig, root } from "../lib/workers.mjs";
import { OWNER_CREDENTIALS, originOf, REQUIRED_DURABLE_OBJECTS, splitIds } from "./checks.mjs";

/**
 * Names whose values are secrets (`wrangler secret put`, .dev.vars locally): the environment
 * may supply them, and they are only ever reported as set or missing.
 */
export const SECRETS = [...CREDENTIALS[2], ...CREDENTIALS[3], "EDGE_SECRET", "EDGE_SECRET_PREVIOUS", "USERS", ...OWNER_CREDENTIALS];

/** Variables only the doctor reads: the public origin and the device clients to check. */
export const DOCTOR_VARS = ["PUBLIC_URL", "DOCTOR_CLIENT_IDS"];

/** wrangler could not read the file or has no such environment: the operator's mistake, not the doctor's. */
export class WranglerConfigError extends Error {}

/** What the doctor uses from src/, bundled once per run. */
const ENTRY = `
export { ConfigError, loadConfig, loadPageConfig, loadPolicyConfig, pathText, VERIFIED_CLAIMS } from "./src/config/index.ts";
export { KV_MIN_TTL_SECONDS } from "./src/storage/kv.ts";
export { DEFAULT_INTERVAL_SECONDS, DEVICE_CODE_GRANT } from "./src/protection/polling.ts";
`;

/** @type {Promise<any> | undefined} */
let workerModules;
function loadWorkerModules() {
  workerModules ??= bundleSource(ENTRY).then((code) => import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`));
  return workerModules;
}

/**
 * Runs one of the Worker's loaders; its ConfigError's issues become the doctor's, each with
 * its variable and its path written as the Worker writes it (USERS.0.passwordHash).
 * @param {any} mod @param {() => any} load
 * @returns {import("./checks.mjs").Parsed}
 */
function attempt(mod, load) {
  try {
    return { ok: true, value: load() };
  } catch (err) {
    if (!(err instanceof mod.ConfigError)) throw err;
    /** @type {{ path: [string, ...(string | number)[]], message: string }[]} */
    const issues = /** @type {any} */ (err).issues;
    return { ok: false, issues: issues.map((i) => ({ variable: i.path[0], path: mod.pathText(i.path), message: i.message })) };
  }
}

/**
 * The policy variables (CLIENT_POLICY, PROXIMITY_POLICY, HOSTING_ASNS, REPORTED_NETWORK_HOURS)
 * parsed by the Worker's own loader, as readWorker parses them.
 * @param {Record<string, unknown>} vars
 * @returns {Promise<import("./checks.mjs").Parsed>}
 */
export async function parsePolicy(vars) {
  const mod = await loadWorkerModules();
  return attempt(mod, () => mod.loadPolicyConfig(vars));
}

/** Stand-ins for the bindings wrangler.toml declares: the loaders only check that they are there. */
function bindingStubs(config) {
  /** @type {Record<string, unknown>} */
  const env = {};
  const noop = async () => null;
  for (const kv of config.kv_namespaces ?? []) env[kv.binding] = { get: noop, put: noop, delete: noop, list: noop };
  for (const d of config.durable_objects?.bindings ?? []) env[d.name] = { getByName: () => ({}), idFromName: () => ({}), get: () => ({ fetch: noop }) };
  for (const s of config.services ?? []) env[s.binding] = { fetch: noop };
  // The bindings have checks of their own (worker.kv, worker.durable-object): a missing one is
  // reported there, once, not again as a variable the Worker's parser refuses.
  env["KV"] ??= { get: noop, put: noop, delete: noop, list: noop };
  for (const { name } of REQUIRED_DURABLE_OBJECTS) env[name] ??= { getByName: () => ({}), idFromName: () => ({}), get: () => ({ fetch: noop }) };
  return env;
}

/**
 * @typedef {{
 *   facts: import("./checks.mjs").WorkerFacts,
 *   configPath: string,
 *   authlete: { version: 2 | 3 | null, usable: boolean, baseUrl: string, timeoutMs: number, credentials: Record<string, string> },
 *   via: { kind: "fetch" } | { kind: "emulator", seed: string } | { kind: "binding", service: string },
 *   clients: { ids: string[], source: string, policyIds: string[] },
 *   secrets: Record<string, "set" | "missing">,
 * }} WorkerSetup
 */

/**
 * @param {{ configPath: string, envName?: string | undefined, publicUrl?: string | undefined, clients?: string[] | undefined, processEnv?: NodeJS.ProcessEnv }} options
 * @returns {Promise<WorkerSetup>}
 */
export async function readWorker({ configPath, envName, publicUrl, clients, processEnv = process.env }) {
  let config;
  try {
    config = readWranglerConfig(configPath, envName);
  } catch (err) {
    throw new WranglerConfigError(err instanceof Error ? err.message : String(err));
  }
  const dir = dirname(config.configPath ?? configPath);
  const local = envName === undefined;

  /** @type {Record<string, unknown>} */
  const vars = {};
  /** @type {Record<string, string>} */
  const sources = {};
  for (const [k, v] of Object.entries(config.vars ?? {})) {
    vars[k] = v;
    sources[k] = "wrangler.toml";
  }
  if (local) {
    // wrangler dev's own merge: [vars], then .dev.vars (or .env) over them.
    const devVarsFile = existsSync(`${dir}/.dev.vars`) ? ".dev.vars" : ".env";
    const dev = unstable_getVarsForDev(config.configPath, undefined, config.vars ?? {}, undefined, true);
    for (const [k, b] of Object.entries(dev)) {
      if (b.type === "secret_text") {
        vars[k] = b.value;
        sources[k] = devVarsFile;
      }
    }
    // npm start adds what .dev.vars lacks from .dev.vars.example (scripts/start.mjs), and creates it from there.
    if (existsSync(`${dir}/.dev.vars.example`)) {
      for (const [k, v] of Object.entries(readDevVars(dir))) {
        if (!(k in vars)) {
          vars[k] = v;
          sources[k] = ".dev.vars.example";
        }
      }
    }
  }
  // What CI or an operator passes: secrets and the doctor's own variables, never [vars], which come from the file.
  for (const name of [...SECRETS, ...DOCTOR_VARS]) {
    const value = processEnv[name];
    if (value !== undefined && value.trim() !== "") {
      vars[name] = value;
      sources[name] = "environment";
    }
  }

  const mod = await loadWorkerModules();
  /** @type {Record<string, unknown>} */
  const workerEnv = { ...bindingStubs(config) };
  for (const [k, v] of Object.entries(vars)) if (!DOCTOR_VARS.includes(k) && !OWNER_CREDENTIALS.includes(k)) workerEnv[k] = v;
  const core = attempt(mod, () => mod.loadConfig(workerEnv));
  // Authlete can be asked without the HMAC key, which only the Worker itself needs: when that is
  // what the configuration lacks, parse once more with a stand-in for it alone.
  const usable = core.ok
    ? core
    : attempt(mod, () => mod.loadConfig({ ...workerEnv, EDGE_SECRET: "doctor-stand-in-".repeat(4), EDGE_SECRET_PREVIOUS: undefined }));
  const page = attempt(mod, () => mod.loadPageConfig(workerEnv));
  // A bad USERS (a secret the operator may not have passed) must not hide the user-code settings:
  // parse the page once more with a stand-in authenticator, which only the user-code part outlives.
  const pageForCodes = page.ok
    ? page
    : attempt(mod, () =>
        mod.loadPageConfig({ ...workerEnv, AUTHENTICATOR: "access", ACCESS_TEAM_DOMAIN: "https://doctor.cloudflareaccess.com", ACCESS_AUD: "doctor" }),
      );
  const userCode = pageForCodes.ok ? pageForCodes.value.userCode : null;
  // CLIENT_POLICY and the lists every client shares, parsed apart as the Worker parses them (src/config/policy.ts).
  const policy = attempt(mod, () => mod.loadPolicyConfig(workerEnv));

  const url = resolvePublicUrl({ flag: publicUrl, vars, sources, local, env: processEnv });

  const str = (/** @type {string} */ k) => (typeof vars[k] === "string" ? String(vars[k]).trim() : "");
  const version = str("AUTHLETE_API_VERSION") === "2" ? 2 : str("AUTHLETE_API_VERSION") === "3" ? 3 : null;
  /** @type {Record<string, string>} */
  const credentials = {};
  for (const k of [...CREDENTIALS[2], ...CREDENTIALS[3], ...OWNER_CREDENTIALS]) if (str(k)) credentials[k] = str(k);

  // The Worker sends every Authlete call through the AUTHLETE service binding when it has one (src/config/core.ts).
  const binding = (config.services ?? []).find((s) => s.binding === "AUTHLETE");
  /** @type {WorkerSetup["via"]} */
  let via = { kind: "fetch" };
  if (binding) {
    if (binding.service === emulatorName()) {
      // The emulator's own variables as wrangler dev gives them (emulator/.dev.vars), SEED from the environment winning.
      const emuConfig = readWranglerConfig(`${root}/emulator/wrangler.toml`);
      const emuVars = unstable_getVarsForDev(emuConfig.configPath, undefined, emuConfig.vars ?? {}, undefined, true);
      const seed = processEnv.SEED?.trim() || String(emuVars["SEED"]?.value ?? "").trim() || "default";
      via = { kind: "emulator", seed };
    } else {
      via = { kind: "binding", service: String(binding.service) };
    }
  }

  const named = clients?.length
    ? { ids: clients, source: "--client" }
    : str("DOCTOR_CLIENT_IDS")
      ? { ids: splitIds(str("DOCTOR_CLIENT_IDS")), source: `DOCTOR_CLIENT_IDS, ${sources["DOCTOR_CLIENT_IDS"]}` }
      : { ids: [], source: "none" };
  // The clients CLIENT_POLICY names are read too (policy.client), whether or not they are named above.
  const policyIds = policy.ok ? Object.keys(policy.value.policies.clients).filter((id) => !named.ids.includes(id)) : [];

  /** @type {Record<string, "set" | "missing">} */
  const secrets = {};
  const needed = [
    ...(version ? CREDENTIALS[version] : []),
    "EDGE_SECRET",
    ...((str("AUTHENTICATOR") || "password") === "password" ? ["USERS"] : []),
    ...(version === 2 ? OWNER_CREDENTIALS : []),
  ];
  for (const k of needed) secrets[k] = str(k) ? "set" : "missing";

  const timeout = Number(str("AUTHLETE_TIMEOUT_MS"));
  return {
    facts: {
      envName: envName ?? null,
      vars,
      sources,
      kv: (config.kv_namespaces ?? []).map((k) => ({ binding: k.binding, id: k.id })),
      durableObjects: (config.durable_objects?.bindings ?? []).map((d) => ({ name: d.name, class_name: d.class_name })),
      core,
      parsed: usable.ok ? usable.value : null,
      page,
      policy,
      userCode,
      publicUrl: url,
      constants: {
        kvMinTtlSeconds: mod.KV_MIN_TTL_SECONDS,
        defaultIntervalSeconds: mod.DEFAULT_INTERVAL_SECONDS,
        deviceCodeGrant: mod.DEVICE_CODE_GRANT,
        verifiedClaims: mod.VERIFIED_CLAIMS,
      },
    },
    configPath: shown(config.configPath ?? configPath),
    authlete: {
      version,
      usable: usable.ok,
      baseUrl: usable.ok ? usable.value.authlete.baseUrl : str("AUTHLETE_BASE_URL").replace(/\/+$/, ""),
      timeoutMs: usable.ok ? usable.value.authlete.timeoutMs : Number.isInteger(timeout) && timeout > 0 ? timeout : 5000,
      credentials,
    },
    via,
    clients: { ...named, policyIds },
    secrets,
  };
}

/** A path as the operator would type it: relative inside the working directory, else as is. @param {string} path */
function shown(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * The origin the service's URLs must name: --public-url, else PUBLIC_URL, else (locally) the
 * origin npm start serves (PORT, scripts/lib/local-origin.mjs).
 * @param {{ flag?: string | undefined, vars: Record<string, unknown>, sources: Record<string, string>, local: boolean, env?: NodeJS.ProcessEnv }} o
 * @returns {import("./checks.mjs").WorkerFacts["publicUrl"]}
 */
export function resolvePublicUrl({ flag, vars, sources, local, env = {} }) {
  const fromVar = typeof vars["PUBLIC_URL"] === "string" ? String(vars["PUBLIC_URL"]).trim() : "";
  /** @type {string | null} */
  let raw = null;
  let source = "none";
  if (flag) [raw, source] = [flag, "--public-url"];
  else if (fromVar) [raw, source] = [fromVar, `PUBLIC_URL, ${sources["PUBLIC_URL"]}`];
  else if (local) {
    source = "npm start's origin";
    try {
      raw = localOrigin(env);
    } catch (err) {
      if (!(err instanceof PortError)) throw err;
      return { url: null, source, error: err.message };
    }
  }
  if (raw === null) return { url: null, source };
  const checked = originOf(raw);
  return checked === null
    ? { url: null, source, error: `${source} ${raw} is not an http(s) origin such as https://device.example.com` }
    : { url: checked, source };
}
