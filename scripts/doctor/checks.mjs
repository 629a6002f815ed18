// The checks of `npm run doctor`, as pure functions of what was read: the Worker's
// configuration (scripts/doctor/worker.mjs) and Authlete's answers (scripts/doctor/authlete.mjs).
// What each compares is docs/authlete-api.md §13.4; every failure and warning carries a fix.
import { CREDENTIALS } from "../../src/config/credentials.mjs";
import { ROUTES } from "../../src/routes.mjs";

/**
 * @typedef {"pass" | "fail" | "warn" | "skip"} Status
 * @typedef {(typeof CHECK_IDS)[number] | (typeof CLIENT_CHECK_IDS)[number] | (typeof PROVIDER_CHECK_IDS)[number] | (typeof POLICY_CHECK_IDS)[number]} CheckId one of the lists below, and nothing else
 * @typedef {{ id: CheckId, status: Status, message: string, fix?: string, target?: string }} Check
 * One thing the Worker's parser refuses (src/config ConfigError's issues): the variable, the
 * path to the value inside it as the Worker writes it (USERS.0.passwordHash), and what is wrong.
 * @typedef {{ variable: string, path: string, message: string }} Issue
 * @typedef {{ ok: true, value: any } | { ok: false, issues: Issue[] }} Parsed
 * @typedef {{ binding: string, id?: string }} KvBinding
 * @typedef {{ name: string, class_name?: string }} DurableObjectBinding
 * What the Worker's configuration says. `core` and `page` are its own loaders' verdicts;
 * `parsed` is loadConfig's result, from a second parse with a stand-in EDGE_SECRET when that
 * alone was refused (Authlete can be asked without it), or null.
 * @typedef {{
 *   envName: string | null,
 *   vars: Record<string, unknown>,
 *   sources: Record<string, string>,
 *   kv: KvBinding[],
 *   durableObjects: DurableObjectBinding[],
 *   core: Parsed,
 *   parsed: any,
 *   page: Parsed,
 *   policy?: Parsed,
 *   userCode: { charset: string, length: number } | null,
 *   publicUrl: { url: string | null, source: string, error?: string },
 *   constants: { kvMinTtlSeconds: number, defaultIntervalSeconds: number, deviceCodeGrant: string, verifiedClaims: Record<string, string> },
 * }} WorkerFacts
 * @typedef {{ kind: "ok", status: number, body: any }
 *   | { kind: "http", status: number, resultCode?: string, resultMessage?: string }
 *   | { kind: "not-json", status: number }
 *   | { kind: "unreachable", reason: string }
 *   | { kind: "timeout", ms: number }
 *   | { kind: "skipped", reason: string }} Reply
 * `policyClients`: client/get of each client CLIENT_POLICY names that `clients` does not.
 * @typedef {{ discovery: Reply, service: Reply, clients: { id: string, reply: Reply }[], policyClients?: { id: string, reply: Reply }[] }} AuthleteFacts
 */

/** The service's own device-flow settings, which only service/get shows (skipped together without it). */
export const SERVICE_SETTING_IDS = /** @type {const} */ ([
  "service.verification-uri",
  "service.verification-uri-complete",
  "service.user-code-charset",
  "service.user-code-length",
  "service.code-duration",
  "service.polling-interval",
]);

/** Every check the doctor makes, in the order it reports them; the client checks follow, once per client. */
export const CHECK_IDS = /** @type {const} */ ([
  "worker.config",
  "worker.authlete-credentials",
  "worker.edge-secret",
  "worker.users",
  "worker.page",
  "worker.kv",
  "worker.durable-object",
  "worker.durable-object.grants",
  "worker.durable-object.reported-networks",
  "worker.policy",
  "worker.proximity-policy",
  "worker.public-url",
  "authlete.connection",
  "authlete.service",
  "service.device-code-grant",
  "discovery.issuer",
  "discovery.device-authorization-endpoint",
  "discovery.token-endpoint",
  "discovery.revocation-endpoint",
  "discovery.jwks-uri",
  ...SERVICE_SETTING_IDS,
]);

/** The checks made for each device client. */
export const CLIENT_CHECK_IDS = /** @type {const} */ (["client.found", "client.device-code-grant", "client.auth"]);

/** The checks made for each upstream OpenID provider (AUTHENTICATOR=oidc), after the Worker's own. */
export const PROVIDER_CHECK_IDS = /** @type {const} */ (["provider.redirect-uri", "provider.subject"]);

/**
 * The checks made for each CLIENT_POLICY entry (a client id, or `default`), after the clients':
 * the client exists (not for `default`), its scopes, its token lifetimes, DPoP.
 */
export const POLICY_CHECK_IDS = /** @type {const} */ (["policy.client", "policy.scopes", "policy.tokens", "policy.dpop"]);

/**
 * Durable Object bindings the Worker needs, with the id of each one's check: the budgets the
 * edge keeps strictly, each device grant's home (src/grant/object.ts), and the watch list of
 * reported networks (src/protection/reported-network-object.ts).
 */
export const REQUIRED_DURABLE_OBJECTS = /** @type {const} */ ([
  { name: "BUDGETS", id: "worker.durable-object" },
  { name: "GRANTS", id: "worker.durable-object.grants" },
  { name: "REPORTED_NETWORKS", id: "worker.durable-object.reported-networks" },
]);

/** The service owner's pair, which only v2 `service/get` takes (docs/authlete-api.md §13.1); read by the doctor only. */
export const OWNER_CREDENTIALS = ["AUTHLETE_SERVICE_OWNER_API_KEY", "AUTHLETE_SERVICE_OWNER_API_SECRET"];

/** Values that must not sit in wrangler.toml, where they are committed in plain text. */
const SENSITIVE = new Set([
  "AUTHLETE_SERVICE_API_SECRET",
  "AUTHLETE_SERVICE_ACCESS_TOKEN",
  "EDGE_SECRET",
  "EDGE_SECRET_PREVIOUS",
  "USERS",
  ...OWNER_CREDENTIALS,
]);

/** Code durations a person can finish in: open the link, sign in, approve (seconds). */
const DURATION = { comfortable: 300, long: 1800, suggested: 600 };
/** RFC 8628 §3.2: the interval a client uses when it is given none. */
const RFC_INTERVAL = 5;

/** Client authentication methods the Worker cannot relay: it does not forward client certificates. */
const TLS_METHODS = new Set(["TLS_CLIENT_AUTH", "SELF_SIGNED_TLS_CLIENT_AUTH"]);

/** @param {Status} status @param {CheckId} id @param {string} message @param {string} [fix] @returns {Check} */
const check = (status, id, message, fix) => (fix === undefined ? { id, status, message } : { id, status, message, fix });

/** @param {unknown} v */
const text = (v) => (typeof v === "string" ? v.trim() : "");

/** @param {WorkerFacts} w @param {string} name */
const isSet = (w, name) => text(w.vars[name]) !== "";

/** Where a setting of this environment lives, for the fixes. */
function where(w) {
  const env = w.envName;
  return {
    vars: env ? `[env.${env}.vars] in wrangler.toml` : "[vars] in wrangler.toml",
    /** @param {string} name @param {string} [pipe] a command whose output is the value */
    secret: (name, pipe = "") =>
      env ? `${pipe}npx wrangler secret put ${name} --env ${env}` : `add ${name}=… to .dev.vars (npm start copies .dev.vars.example there)`,
    /** @param {string} name */
    deleteSecret: (name) => (env ? `npx wrangler secret delete ${name} --env ${env}` : `remove ${name} from .dev.vars`),
    /** Said once after the commands: what the doctor itself needs. */
    readBack: env ? "; then give the doctor the same values as environment variables (deployed secrets cannot be read back)" : "",
  };
}

/** @param {WorkerFacts} w @param {string} name */
function origin(w, name) {
  const src = w.sources[name];
  return src ? `${name} set (${src})` : `${name} set`;
}

/** @param {Parsed} parsed @param {(v: string) => boolean} keep */
const issuesOf = (parsed, keep) => (parsed.ok ? [] : parsed.issues.filter((i) => keep(i.variable)));
/** @param {Issue[]} issues */
const describe = (issues) => issues.map((i) => `${i.path}: ${i.message}`).join("; ");

/** The API version the configuration asks for, or null when it names none the Worker knows. */
export function apiVersion(w) {
  const v = text(w.vars["AUTHLETE_API_VERSION"]);
  return v === "2" ? 2 : v === "3" ? 3 : null;
}

/**
 * The checks that need no network: the Worker's variables parsed by its own code, its
 * secrets and bindings in this environment, and the public URL the service is compared with.
 * @param {WorkerFacts} w
 * @returns {Check[]}
 */
export function workerChecks(w) {
  const at = where(w);
  const out = [];
  const version = apiVersion(w);
  const credentialNames = version ? CREDENTIALS[version] : [];
  const own = new Set(["EDGE_SECRET", "EDGE_SECRET_PREVIOUS", "USERS", ...credentialNames]);

  // worker.config: everything loadConfig refuses, but for the secrets that have their own line.
  const coreIssues = issuesOf(w.core, (v) => !own.has(v));
  if (coreIssues.length) {
    out.push(check("fail", "worker.config", `the Worker refuses its variables: ${describe(coreIssues)}`, `set them in ${at.vars} (README, Configuration)`));
  } else {
    const v = w.parsed;
    const which = w.core.ok ? "the variables" : "the other variables";
    const summary = v
      ? `: Authlete ${v.authlete.version === 3 ? "3.0" : "2.x"} at ${v.authlete.baseUrl}, POLL_MAX_INTERVAL_SECONDS ${v.pollMaxIntervalSeconds}`
      : "";
    out.push(check("pass", "worker.config", `${which} parse as the Worker parses them${summary}`));
  }

  out.push(secretCheck(w, "worker.authlete-credentials", credentialNames, version === null ? "AUTHLETE_API_VERSION is not 2 or 3 (worker.config)" : null));
  out.push(edgeSecretCheck(w));

  // worker.users: the built-in users of the password authenticator (a secret).
  const authenticator = text(w.vars["AUTHENTICATOR"]) || "password";
  if (authenticator === "password") out.push(secretCheck(w, "worker.users", ["USERS"], null, "npm run hash-password, then "));
  else out.push(check("pass", "worker.users", `AUTHENTICATOR is ${authenticator}: no built-in users needed`));

  const pageIssues = issuesOf(w.page, (v) => v !== "USERS");
  if (pageIssues.length) {
    out.push(
      check("fail", "worker.page", `the verification page refuses its variables: ${describe(pageIssues)}`, `set them in ${at.vars} (README, Configuration)`),
    );
  } else {
    const uc = w.userCode;
    out.push(check("pass", "worker.page", `the page's variables parse${uc ? `: user codes ${uc.charset}, ${uc.length} characters` : ""}`));
  }

  out.push(kvCheck(w));
  for (const { name, id } of REQUIRED_DURABLE_OBJECTS) {
    const found = w.durableObjects.find((d) => d.name === name);
    out.push(
      found
        ? check("pass", id, `Durable Object binding ${name} → class ${found.class_name ?? "?"}`)
        : check(
            "fail",
            id,
            `no Durable Object binding ${name}`,
            `declare [[${w.envName ? `env.${w.envName}.` : ""}durable_objects.bindings]] name = "${name}" in wrangler.toml, with its class and migration`,
          ),
    );
  }
  out.push(...policyVariableChecks(w));
  out.push(publicUrlCheck(w));
  out.push(...providerChecks(w));
  return out;
}

/**
 * The policy variables as the Worker parses them (src/config/policy.ts): worker.policy, and
 * worker.proximity-policy for the deprecated PROXIMITY_POLICY, with the CLIENT_POLICY that
 * replaces it written out.
 * @param {WorkerFacts} w
 * @returns {Check[]}
 */
function policyVariableChecks(w) {
  const at = where(w);
  const out = [];
  const p = w.policy ?? { ok: true, value: null };
  if (!p.ok) {
    out.push(
      check(
        "fail",
        "worker.policy",
        `the Worker refuses its policy: ${describe(p.issues)}: new codes and the page fail, devices already polling go on`,
        `set them in ${at.vars} (README, Policy)`,
      ),
    );
  } else {
    const ids = p.value ? Object.keys(p.value.policies.clients) : [];
    const keys = entryKeys(w);
    out.push(
      check(
        "pass",
        "worker.policy",
        keys.length
          ? `CLIENT_POLICY parses: ${keys.includes("default") ? "a default entry" : "no default entry"}${ids.length ? ` and client${ids.length > 1 ? "s" : ""} ${ids.join(", ")}` : ""}`
          : "CLIENT_POLICY not set: every client gets the defaults (README, Policy)",
      ),
    );
  }
  if (isSet(w, "PROXIMITY_POLICY")) {
    const merged = mergedPolicy(w);
    out.push(
      check(
        "warn",
        "worker.proximity-policy",
        `PROXIMITY_POLICY is deprecated: still read, as each entry's "proximity" (CLIENT_POLICY's own settings go over it)`,
        merged
          ? `move it into CLIENT_POLICY: set CLIENT_POLICY = '${merged}' in ${at.vars} and remove PROXIMITY_POLICY`
          : `move each entry into CLIENT_POLICY as its "proximity" and remove PROXIMITY_POLICY (README, Policy)`,
      ),
    );
  } else {
    out.push(check("pass", "worker.proximity-policy", "PROXIMITY_POLICY (deprecated) not set"));
  }
  return out;
}

/** @param {WorkerFacts} w @param {string} name @returns {Record<string, any> | null} */
function jsonVar(w, name) {
  try {
    const v = JSON.parse(text(w.vars[name]) || "{}");
    return typeof v === "object" && v !== null && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** The entries the operator wrote (default and client ids), in CLIENT_POLICY or the deprecated PROXIMITY_POLICY. @param {WorkerFacts} w */
function entryKeys(w) {
  return [...new Set([...Object.keys(jsonVar(w, "PROXIMITY_POLICY") ?? {}), ...Object.keys(jsonVar(w, "CLIENT_POLICY") ?? {})])];
}

/** PROXIMITY_POLICY moved into CLIENT_POLICY as each entry's `proximity`, CLIENT_POLICY's own winning, as the Worker reads them. @param {WorkerFacts} w */
function mergedPolicy(w) {
  const old = jsonVar(w, "PROXIMITY_POLICY");
  const cur = jsonVar(w, "CLIENT_POLICY");
  if (!old || !cur) return null;
  /** @type {Record<string, any>} */
  const merged = { ...cur };
  for (const [key, proximity] of Object.entries(old)) merged[key] = { ...cur[key], proximity: { ...proximity, ...cur[key]?.proximity } };
  return JSON.stringify(merged);
}

/**
 * Each upstream OpenID provider, once the page's variables parse: the redirect URI to register
 * at it (its own, on this Worker's host), and every choice that lets a subject from it meet
 * another person's: no namespace, an email address, a claim people choose.
 * @param {WorkerFacts} w
 * @returns {Check[]}
 */
function providerChecks(w) {
  const a = w.page.ok ? w.page.value.authenticator : null;
  if (a?.kind !== "oidc") return [];
  const at = where(w);
  const base = w.publicUrl.url;
  const out = [];
  for (const p of a.providers) {
    /** @param {Status} status @param {CheckId} id @param {string} message @param {string} [fix] */
    const one = (status, id, message, fix) => ({ ...check(status, id, message, fix), target: p.id });
    const host = new URL(p.redirectUri).origin;
    out.push(
      base !== null && host !== base
        ? one(
            "fail",
            "provider.redirect-uri",
            `${p.redirectUri} is not on ${base} (${w.publicUrl.source}): ${p.label} would send people back to another host`,
            `set OIDC_REDIRECT_URI = "${base}/device/callback/{id}" in ${at.vars}, and register ${base}/device/callback/${p.id} at ${p.label}`,
          )
        : one("pass", "provider.redirect-uri", `register ${p.redirectUri} at ${p.label} as the redirect URI of client ${p.clientId} (this provider's alone)`),
    );

    /** @type {[string, string][]} what is risky, and the fix */
    const risks = [];
    if (p.sharedSubjects)
      risks.push([
        `shared_subjects: subjects are its ${p.subjectClaim} as is, one namespace with USERS and every provider that shares: whoever is "demo" at ${p.label} is the built-in "demo" here`,
        `remove "shared_subjects" unless ${p.label}, the other providers that share and USERS are one user base`,
      ]);
    const verified = w.constants.verifiedClaims[p.subjectClaim];
    if (verified)
      risks.push([
        `subject_claim ${p.subjectClaim}: the subject changes when the person's ${p.subjectClaim} does, and a sign-in is refused unless ${p.label} says ${verified}: true`,
        `use "sub" (or an id ${p.label} assigns, such as Entra ID's "oid")`,
      ]);
    if (p.allowUserChosenSubject)
      risks.push([
        `allow_user_chosen_subject: subject_claim ${p.subjectClaim} may be a value people choose; whoever takes another person's at ${p.label} becomes them here`,
        `use "sub", and remove "allow_user_chosen_subject"`,
      ]);
    out.push(
      risks.length
        ? one("warn", "provider.subject", risks.map(([r]) => r).join("; "), risks.map(([, f]) => f).join("; "))
        : one("pass", "provider.subject", `subjects are ${p.id}:<${p.subjectClaim}>, apart from the built-in users' and every other provider's`),
    );
  }
  return out;
}

/**
 * One line for a group of secrets: each set or missing (never a value), with the Worker's own
 * complaint about a value it refuses.
 * @param {WorkerFacts} w @param {CheckId} id @param {readonly string[]} names @param {string | null} skipped @param {string} [pipe]
 */
function secretCheck(w, id, names, skipped, pipe = "") {
  if (skipped) return check("skip", id, skipped);
  const at = where(w);
  /** @param {string[]} list */
  const fixes = (list) => `${list.map((n) => at.secret(n, pipe)).join("; ")}${at.readBack}`;
  const missing = names.filter((n) => !isSet(w, n));
  if (missing.length) return check("fail", id, `${missing.join(", ")} missing`, fixes(missing));
  const refused = [...issuesOf(w.core, (v) => names.includes(v)), ...issuesOf(w.page, (v) => names.includes(v))];
  if (refused.length) return check("fail", id, `the Worker refuses ${describe(refused)}`, fixes([...new Set(refused.map((i) => i.variable))]));
  const exposed = names.filter((n) => SENSITIVE.has(n) && w.sources[n] === "wrangler.toml");
  const set = names.map((n) => origin(w, n)).join(", ");
  if (exposed.length) {
    return check(
      "warn",
      id,
      `${set}: ${exposed.join(", ")} sits in wrangler.toml, in plain text`,
      `remove ${exposed.join(", ")} from ${at.vars}; ${exposed.map((n) => at.secret(n)).join("; ")}`,
    );
  }
  return check("pass", id, id === "worker.users" && w.page.ok ? `${set}: ${w.page.value.authenticator.users.length} built-in user(s)` : set);
}

/**
 * worker.edge-secret: EDGE_SECRET like any secret (set, accepted by the Worker's rule, not in
 * wrangler.toml), and EDGE_SECRET_PREVIOUS when a rotation is under way: the same rule, and a
 * reminder to delete it once nothing made under the old secret is still wanted.
 * @param {WorkerFacts} w
 */
function edgeSecretCheck(w) {
  const id = "worker.edge-secret";
  const current = secretCheck(w, id, ["EDGE_SECRET"], null, "openssl rand -base64 32 | ");
  if (!isSet(w, "EDGE_SECRET_PREVIOUS") || current.status === "fail") return current;
  const at = where(w);
  const drop = at.deleteSecret("EDGE_SECRET_PREVIOUS");
  const refused = issuesOf(w.core, (v) => v === "EDGE_SECRET_PREVIOUS");
  if (refused.length) {
    return check(
      "fail",
      id,
      `the Worker refuses ${describe(refused)}`,
      `${drop}: an old secret this weak may be known, so rotate without it (verifications in progress start again)`,
    );
  }
  if (text(w.vars["EDGE_SECRET_PREVIOUS"]) === text(w.vars["EDGE_SECRET"])) {
    return check("warn", id, `${current.message}; EDGE_SECRET_PREVIOUS is the same value, so it does nothing`, drop);
  }
  const previous = secretCheck(w, id, ["EDGE_SECRET_PREVIOUS"], null);
  if (current.status === "warn" || previous.status === "warn") return current.status === "warn" ? current : previous;
  return check(
    "warn",
    id,
    `${current.message}; ${origin(w, "EDGE_SECRET_PREVIOUS")}: a rotation is under way, what the old secret made is still read`,
    `once the longest of SIGN_IN_SESSION_SECONDS, the budgets' windows and the codes' lifetime has passed since the rotation (a day covers the defaults): ${drop}`,
  );
}

/** @param {WorkerFacts} w */
function kvCheck(w) {
  const kv = w.kv.find((k) => k.binding === "KV");
  const create = `run npx wrangler kv namespace create device-flow-edge and put the printed id into [[${w.envName ? `env.${w.envName}.` : ""}kv_namespaces]] in wrangler.toml`;
  if (!kv) return check("fail", "worker.kv", "no KV namespace binding KV", `declare binding = "KV": ${create}`);
  const id = text(kv.id);
  if (w.envName === null)
    return id ? check("pass", "worker.kv", `KV namespace binding KV → ${id} (local)`) : check("fail", "worker.kv", "KV has no id", create);
  if (/^0{32}$/.test(id)) return check("fail", "worker.kv", `KV namespace id ${id} is the placeholder`, create);
  if (!/^[0-9a-f]{32}$/.test(id)) return check("fail", "worker.kv", `KV namespace id "${id}" is not a namespace id (32 hex digits)`, create);
  return check("pass", "worker.kv", `KV namespace binding KV → ${id}`);
}

/** @param {WorkerFacts} w */
function publicUrlCheck(w) {
  const p = w.publicUrl;
  const fix = "pass --public-url https://<your host> (or set PUBLIC_URL): the origin the Worker serves";
  if (p.error) return check("fail", "worker.public-url", p.error, fix);
  if (p.url === null) return check("fail", "worker.public-url", "no public URL: the service's URLs cannot be compared with this Worker's", fix);
  if (w.envName !== null && p.url.startsWith("http:")) {
    return check("warn", "worker.public-url", `${p.url} (${p.source}) is not https: RFC 8628 needs TLS for every endpoint`, fix);
  }
  return check("pass", "worker.public-url", `${p.url} (${p.source})`);
}

/** @param {Reply} r */
function failure(r) {
  switch (r.kind) {
    case "http":
      return `HTTP ${r.status}${r.resultCode ? ` ${r.resultCode}` : ""}${r.resultMessage ? ` ${r.resultMessage}` : ""}`;
    case "not-json":
      return `HTTP ${r.status} with a body that is not JSON`;
    case "unreachable":
      return r.reason;
    case "timeout":
      return `no answer within ${r.ms} ms (AUTHLETE_TIMEOUT_MS)`;
    case "skipped":
      return r.reason;
    default:
      return "answered";
  }
}

/**
 * The checks that compare Authlete's answers with the Worker: the credentials, the
 * service's device-flow settings and discovery, each device client.
 * @param {WorkerFacts} w
 * @param {AuthleteFacts} a
 * @param {{ baseUrl: string, version: 2 | 3 | null }} target
 * @returns {Check[]}
 */
export function authleteChecks(w, a, target) {
  const out = [];
  const at = where(w);
  const version = target.version;
  const d = a.discovery;
  const names = version ? CREDENTIALS[version].join(" and ") : "the credentials";

  // authlete.connection: service/configuration with the Worker's own credentials, which is what the Worker relays as discovery.
  if (d.kind === "ok") {
    out.push(check("pass", "authlete.connection", `Authlete at ${target.baseUrl} accepts the Worker's credentials (service/configuration)`));
  } else if (d.kind === "skipped") {
    out.push(check("skip", "authlete.connection", d.reason));
  } else if (d.kind === "unreachable" || d.kind === "timeout") {
    out.push(
      check("fail", "authlete.connection", `cannot reach Authlete at ${target.baseUrl}: ${failure(d)}`, "check AUTHLETE_BASE_URL and this machine's network"),
    );
  } else if (d.kind === "http" && (d.status === 401 || d.status === 403)) {
    out.push(
      check(
        "fail",
        "authlete.connection",
        `Authlete refused the Worker's credentials: ${failure(d)}`,
        version === 3
          ? "check AUTHLETE_SERVICE_ID and AUTHLETE_SERVICE_ACCESS_TOKEN: the token must be an access token of that service"
          : "check AUTHLETE_SERVICE_API_KEY and AUTHLETE_SERVICE_API_SECRET: the service's key and secret",
      ),
    );
  } else {
    out.push(
      check(
        "fail",
        "authlete.connection",
        `Authlete at ${target.baseUrl} answered service/configuration with ${failure(d)}`,
        `check AUTHLETE_BASE_URL (3.0: https://us.authlete.com or jp., eu., br.; 2.x: https://api.authlete.com) and AUTHLETE_API_VERSION with ${names}`,
      ),
    );
  }
  const reachable = d.kind === "ok";
  const unreachable = d.kind === "skipped" ? d.reason : "needs an answer from Authlete (authlete.connection)";

  // authlete.service: service/get, the only source of the verification URIs and the user-code and timing settings.
  const s = a.service;
  /** @type {string | null} why the service checks cannot run */
  let noService = null;
  if (!reachable) {
    out.push(check("skip", "authlete.service", unreachable));
    noService = unreachable;
  } else if (s.kind === "skipped") {
    out.push(check("skip", "authlete.service", s.reason));
    noService = "needs service/get (authlete.service)";
  } else if (s.kind !== "ok") {
    const refused = s.kind === "http" && (s.status === 401 || s.status === 403);
    out.push(
      check(
        "fail",
        "authlete.service",
        `service/get failed: ${failure(s)}`,
        refused
          ? version === 2
            ? "check AUTHLETE_SERVICE_OWNER_API_KEY and AUTHLETE_SERVICE_OWNER_API_SECRET: the service owner's pair, not the service's"
            : "give the service access token permission to read the service"
          : "check AUTHLETE_SERVICE_ID (3.0) or AUTHLETE_SERVICE_API_KEY (2.x): the service to read",
      ),
    );
    noService = "service/get failed (authlete.service)";
  } else if (!Array.isArray(s.body?.supportedGrantTypes)) {
    // docs/authlete-api.md §13.1: a token that may manage clients only gets a limited view; missing members mean "cannot tell".
    out.push(
      check(
        "warn",
        "authlete.service",
        "service/get answered a limited view, without the device-flow settings",
        "use a service access token that may read the service itself",
      ),
    );
    noService = "service/get gave a limited view (authlete.service)";
  } else {
    out.push(check("pass", "authlete.service", `service/get: "${s.body.serviceName ?? s.body.apiKey}"`));
  }
  const svc = noService === null && s.kind === "ok" ? s.body : null;
  const doc = reachable ? d.body : null;
  const base = w.publicUrl.url;
  const noBase = "no public URL (worker.public-url)";

  // DEVICE_CODE: service/get when there is one, else discovery's grant_types_supported (§7.2 [I]).
  if (svc) {
    out.push(
      svc.supportedGrantTypes.includes("DEVICE_CODE")
        ? check("pass", "service.device-code-grant", "DEVICE_CODE is among the service's supportedGrantTypes")
        : check(
            "fail",
            "service.device-code-grant",
            `DEVICE_CODE is not among the service's supportedGrantTypes (${svc.supportedGrantTypes.join(", ") || "none"}): the device flow is off`,
            "enable DEVICE_CODE in the service's Supported Grant Types (supportedGrantTypes) in the Authlete console",
          ),
    );
  } else if (doc) {
    const grants = Array.isArray(doc.grant_types_supported) ? doc.grant_types_supported : [];
    out.push(
      grants.includes(w.constants.deviceCodeGrant)
        ? check("pass", "service.device-code-grant", "discovery's grant_types_supported has the device-code grant (service/get not read)")
        : check(
            "fail",
            "service.device-code-grant",
            "discovery's grant_types_supported lacks the device-code grant: the device flow is off",
            "enable DEVICE_CODE in the service's Supported Grant Types (supportedGrantTypes) in the Authlete console",
          ),
    );
  } else {
    out.push(check("skip", "service.device-code-grant", unreachable));
  }

  // Discovery (what the Worker relays to devices): issuer and endpoints on this Worker's origin.
  /** @param {CheckId} id @param {string} member @param {string} route @param {string} label @param {string} field @param {boolean} optional */
  const endpoint = (id, member, route, label, field, optional) => {
    if (!doc) return check("skip", id, unreachable);
    if (base === null) return check("skip", id, noBase);
    const want = route === "" ? base : `${base}${route}`;
    const got = doc[member];
    const fix = `set the service's ${label} (${field}) to ${want}`;
    if (got === undefined || got === null || got === "") {
      return check(optional ? "warn" : "fail", id, `discovery has no ${member}${optional ? ": clients that use discovery cannot find it" : ""}`, fix);
    }
    return got === want ? check("pass", id, `${member} ${got}`) : check("fail", id, `${member} is ${got}, not ${want}`, fix);
  };
  out.push(endpoint("discovery.issuer", "issuer", "", "Issuer Identifier", "issuer", false));
  out.push(
    endpoint(
      "discovery.device-authorization-endpoint",
      "device_authorization_endpoint",
      ROUTES.deviceAuthorization,
      "Device Authorization Endpoint",
      "deviceAuthorizationEndpoint",
      false,
    ),
  );
  out.push(endpoint("discovery.token-endpoint", "token_endpoint", ROUTES.token, "Token Endpoint", "tokenEndpoint", false));
  out.push(endpoint("discovery.revocation-endpoint", "revocation_endpoint", ROUTES.revocation, "Revocation Endpoint", "revocationEndpoint", true));
  out.push(endpoint("discovery.jwks-uri", "jwks_uri", ROUTES.jwks, "JWK Set Endpoint URI", "jwksUri", true));

  // The service's own device-flow settings (service/get only).
  const why = noService ?? "";
  if (!svc) {
    for (const id of SERVICE_SETTING_IDS) out.push(check("skip", id, why));
  } else {
    out.push(verificationUri(svc, base));
    out.push(verificationUriComplete(svc, base));
    out.push(...userCode(w, svc, at));
    out.push(...timing(w, svc));
  }

  out.push(...clientChecks(a.clients, reachable ? null : unreachable));
  out.push(...policyChecks(w, a, { unreachable: reachable ? null : unreachable, svc, doc, noService }));
  return out;
}

/**
 * Each CLIENT_POLICY entry against the service: the client it names exists (⚠ otherwise: the
 * entry applies to no one), its scopes are ones the service supports and the client may request,
 * its lifetimes shorten the tokens (Authlete takes /device/complete's as they are, longer ones
 * too, docs/authlete-api.md §5.1) and a short refresh lifetime is not renewed by every refresh,
 * and DPoP is something the service verifies.
 * @param {WorkerFacts} w @param {AuthleteFacts} a
 * @param {{ unreachable: string | null, svc: any, doc: any, noService: string | null }} o
 * @returns {Check[]}
 */
function policyChecks(w, a, o) {
  const p = w.policy?.ok ? w.policy.value : null;
  if (!p) return [];
  const keys = entryKeys(w);
  const targets = [...(keys.includes("default") ? ["default"] : []), ...Object.keys(p.policies.clients)];
  const replies = [...a.clients, ...(a.policyClients ?? [])];
  const out = [];
  for (const target of targets) {
    const pol = target === "default" ? p.policies.default : p.policies.clients[target];
    /** @param {Status} status @param {CheckId} id @param {string} message @param {string} [fix] */
    const one = (status, id, message, fix) => ({ ...check(status, id, message, fix), target });
    const reply = replies.find((r) => r.id === target)?.reply;
    const client = reply?.kind === "ok" ? (reply.body ?? {}) : null;
    if (target !== "default") {
      if (o.unreachable !== null || !reply || reply.kind === "skipped")
        out.push(one("skip", "policy.client", o.unreachable ?? (reply ? failure(reply) : "not read")));
      else if (client)
        out.push(one("pass", "policy.client", `client ${client.clientId ?? target}${client.clientName ? ` "${client.clientName}"` : ""}: its entry applies`));
      else {
        const notFound = reply.kind === "http" && reply.status !== 401 && reply.status !== 403 && reply.status < 500;
        out.push(
          notFound
            ? one(
                "warn",
                "policy.client",
                `CLIENT_POLICY names client ${target}, which the service does not have (${failure(reply)}): its entry applies to no one`,
                "key each entry by Authlete's numeric client id (what client/get takes and /device/verification answers), not by an alias",
              )
            : one("skip", "policy.client", `client/get ${target} failed: ${failure(reply)}`),
        );
      }
    }
    out.push(policyScopes(pol, client, o, one));
    out.push(policyTokens(pol, client, o, one));
    out.push(policyDpop(pol, o, one));
  }
  return out;
}

/** @typedef {(status: Status, id: CheckId, message: string, fix?: string) => Check} One */

/** @param {any} pol @param {any} client @param {{ svc: any, noService: string | null, unreachable: string | null }} o @param {One} one */
function policyScopes(pol, client, o, one) {
  const id = "policy.scopes";
  if (pol.scopes === null) return one("pass", id, "scopes not limited: the scopes Authlete grants stand");
  if (o.unreachable !== null) return one("skip", id, o.unreachable);
  if (!o.svc) return one("skip", id, o.noService ?? "needs service/get (authlete.service)");
  const supported = (Array.isArray(o.svc.supportedScopes) ? o.svc.supportedScopes : []).map((/** @type {any} */ s) => s?.name);
  const ext = client?.extension;
  const requestable = ext?.requestableScopesEnabled === true ? (Array.isArray(ext.requestableScopes) ? ext.requestableScopes : []) : null;
  /** @type {[string, string][]} */
  const risks = [];
  const unsupported = pol.scopes.filter((/** @type {string} */ s) => !supported.includes(s));
  if (unsupported.length)
    risks.push([
      `${unsupported.join(", ")}: not among the service's supportedScopes, so no device can be granted ${unsupported.length > 1 ? "them" : "it"}`,
      `remove ${unsupported.join(", ")} or correct the name (supportedScopes: ${supported.join(", ") || "none"})`,
    ]);
  const closed = requestable ? pol.scopes.filter((/** @type {string} */ s) => supported.includes(s) && !requestable.includes(s)) : [];
  if (closed.length)
    risks.push([
      `${closed.join(", ")}: the client may not request ${closed.length > 1 ? "them" : "it"} (its requestable scopes: ${requestable?.join(", ") || "none"})`,
      `remove ${closed.join(", ")}, or add ${closed.length > 1 ? "them" : "it"} to the client's requestable scopes in the Authlete console`,
    ]);
  return risks.length
    ? one("warn", id, `scopes ${pol.scopes.join(" ") || "(none)"}: ${risks.map(([r]) => r).join("; ")}`, risks.map(([, f]) => f).join("; "))
    : one("pass", id, `scopes ${pol.scopes.join(" ") || "(none)"}: requested scopes beyond these are dropped`);
}

/** @param {any} pol @param {any} client @param {{ svc: any, noService: string | null, unreachable: string | null }} o @param {One} one */
function policyTokens(pol, client, o, one) {
  const id = "policy.tokens";
  const t = pol.tokens;
  const set = [
    ["tokens.accessTokenSeconds", t.accessTokenSeconds, "access"],
    ["tokens.refreshTokenSeconds", t.refreshTokenSeconds, "refresh"],
    ["tokens.afterWarning.accessTokenSeconds", t.afterWarning.accessTokenSeconds, "access"],
    ["tokens.afterWarning.refreshTokenSeconds", t.afterWarning.refreshTokenSeconds, "refresh"],
  ].filter(([, v]) => v !== null);
  if (!set.length) return one("pass", id, "token lifetimes not set: the service's stand");
  if (o.unreachable !== null) return one("skip", id, o.unreachable);
  if (!o.svc) return one("skip", id, o.noService ?? "needs service/get (authlete.service)");
  // What a device gets without the policy: the service's lifetime, or the client's when shorter (docs/authlete-api.md §13.2).
  const own = (/** @type {"access" | "refresh"} */ kind) => {
    const service = Number(o.svc[`${kind}TokenDuration`]) || 0;
    const mine = Number(client?.extension?.[`${kind}TokenDuration`]) || 0;
    return mine > 0 && mine < service ? { s: mine, whose: "the client's" } : { s: service, whose: "the service's" };
  };
  /** @type {[string, string][]} */
  const risks = [];
  for (const [name, v, kind] of set) {
    const base = own(/** @type {"access" | "refresh"} */ (kind));
    if (base.s > 0 && Number(v) > base.s)
      risks.push([
        `${name} ${v} s is longer than ${base.whose} ${base.s} s: Authlete issues what /device/complete asks, longer too (docs/authlete-api.md §5.1), so this lengthens device tokens`,
        `set ${name} to at most ${base.s}, or leave it out`,
      ]);
  }
  for (const kind of /** @type {const} */ (["access", "refresh"])) {
    const usual = t[`${kind}TokenSeconds`];
    const after = t.afterWarning[`${kind}TokenSeconds`];
    if (usual !== null && after !== null && after >= usual)
      risks.push([
        `tokens.afterWarning.${kind}TokenSeconds ${after} s is not shorter than tokens.${kind}TokenSeconds ${usual} s: after the stronger warning the shorter applies, so it changes nothing`,
        `make tokens.afterWarning.${kind}TokenSeconds shorter than ${usual}`,
      ]);
  }
  const refresh = t.refreshTokenSeconds ?? t.afterWarning.refreshTokenSeconds;
  const grants = Array.isArray(client?.grantTypes) ? client.grantTypes : null;
  if (refresh !== null && o.svc.refreshTokenDurationKept !== true && o.svc.refreshTokenKept !== true && (grants === null || grants.includes("REFRESH_TOKEN")))
    risks.push([
      `the refresh lifetime bounds only the first refresh token: a refresh issues one with a fresh ${own("refresh").s} s (the service's refreshTokenDurationKept is off)`,
      "turn on the service's refreshTokenDurationKept (docs/authlete-api.md §5.1), so a refreshed token keeps what the first had left",
    ]);
  const summary = set.map(([name, v]) => `${name.replace("tokens.", "")} ${v} s`).join(", ");
  return risks.length
    ? one("warn", id, `${summary}: ${risks.map(([r]) => r).join("; ")}`, risks.map(([, f]) => f).join("; "))
    : one("pass", id, `${summary}, all shorter than the service's`);
}

/** @param {any} pol @param {{ doc: any, unreachable: string | null }} o @param {One} one */
function policyDpop(pol, o, one) {
  const id = "policy.dpop";
  if (pol.dpop === null) return one("pass", id, "dpop not asked");
  if (o.unreachable !== null || !o.doc) return one("skip", id, o.unreachable ?? "needs discovery (authlete.connection)");
  // RFC 9449 §5.1: the algorithms the service verifies DPoP proofs with, in its metadata (docs/authlete-api.md §7.2).
  const algs = Array.isArray(o.doc.dpop_signing_alg_values_supported) ? o.doc.dpop_signing_alg_values_supported : [];
  if (algs.length) return one("pass", id, `dpop ${pol.dpop}: the service verifies DPoP proofs (${algs.join(", ")})`);
  return one(
    pol.dpop === "require" ? "fail" : "warn",
    id,
    `dpop ${pol.dpop}, but the service's discovery lists no dpop_signing_alg_values_supported: Authlete cannot verify the proofs${pol.dpop === "require" ? " every device must send" : ""}`,
    "enable DPoP for the service in the Authlete console (its DPoP signing algorithms), or leave dpop out",
  );
}

/** @param {any} svc @param {string | null} base */
function verificationUri(svc, base) {
  const id = "service.verification-uri";
  if (base === null) return check("skip", id, "no public URL (worker.public-url)");
  const want = `${base}${ROUTES.verification}`;
  const got = svc.deviceVerificationUri;
  const fix = `set the service's Verification URI (deviceVerificationUri) to ${want}`;
  if (!got) return check("fail", id, "the service has no deviceVerificationUri: device authorization cannot succeed", fix);
  return got === want
    ? check("pass", id, `deviceVerificationUri ${got}`)
    : check("fail", id, `deviceVerificationUri is ${got}, not ${want}: people would open another page`, fix);
}

/** @param {any} svc @param {string | null} base */
function verificationUriComplete(svc, base) {
  const id = "service.verification-uri-complete";
  if (base === null) return check("skip", id, "no public URL (worker.public-url)");
  const want = `${base}${ROUTES.verificationComplete}`;
  const got = svc.deviceVerificationUriComplete;
  const fix = `set the service's Verification URI with Placeholder (deviceVerificationUriComplete) to ${want}`;
  if (!got) return check("warn", id, "the service has no deviceVerificationUriComplete: devices get no link that fills in the code (no QR code)", fix);
  if (!got.includes("USER_CODE"))
    return check("fail", id, `deviceVerificationUriComplete ${got} has no USER_CODE placeholder: every device would show the same link`, fix);
  let onPage = false;
  try {
    const u = new URL(got);
    // The page reads the code from ?user_code= (src/verification/steps/show.tsx).
    onPage = `${u.origin}${u.pathname}` === `${base}${ROUTES.verification}` && u.searchParams.get("user_code") === "USER_CODE";
  } catch {
    onPage = false;
  }
  return onPage
    ? check("pass", id, `deviceVerificationUriComplete ${got}`)
    : check("fail", id, `deviceVerificationUriComplete is ${got}, not ${want}: the link would not fill in the code on this Worker's page`, fix);
}

/** @param {WorkerFacts} w @param {any} svc @param {ReturnType<typeof where>} at */
function userCode(w, svc, at) {
  const uc = w.userCode;
  if (!uc) {
    const why = "the page's variables do not parse (worker.page)";
    return [check("skip", "service.user-code-charset", why), check("skip", "service.user-code-length", why)];
  }
  // docs/authlete-api.md §8.2: no charset means BASE20 [I]; length 0 means Authlete's default, assumed 8 / 9 [U].
  const charset = svc.userCodeCharset || "BASE20";
  const out = [
    charset === uc.charset
      ? check("pass", "service.user-code-charset", `userCodeCharset ${charset} = USER_CODE_CHARSET ${uc.charset}`)
      : check(
          "fail",
          "service.user-code-charset",
          `the service makes ${charset} codes, the page accepts ${uc.charset} (USER_CODE_CHARSET): every typed code would be refused`,
          `make them agree: set the service's User Code Charset (userCodeCharset) to ${uc.charset}, or USER_CODE_CHARSET = "${charset}" in ${at.vars}`,
        ),
  ];
  const set = Number(svc.userCodeLength) || 0;
  const length = set > 0 ? set : charset === "NUMERIC" ? 9 : 8;
  const id = "service.user-code-length";
  if (length !== uc.length) {
    const worker = length >= 4 && length <= 20 ? `, or USER_CODE_LENGTH = "${length}" in ${at.vars}` : "";
    out.push(
      check(
        "fail",
        id,
        `the service makes ${length}-character codes${set ? "" : " (its default)"}, the page accepts ${uc.length} (USER_CODE_LENGTH): every typed code would be refused`,
        `make them agree: set the service's User Code Length (userCodeLength) to ${uc.length}${worker}`,
      ),
    );
  } else if (set === 0) {
    out.push(
      check(
        "warn",
        id,
        `userCodeLength is 0 (Authlete's default): the page assumes ${length}, but the default is unconfirmed (docs/authlete-api.md §8.2)`,
        `set the service's User Code Length (userCodeLength) to ${length} explicitly`,
      ),
    );
  } else {
    out.push(check("pass", id, `userCodeLength ${set} = the page's ${uc.length}`));
  }
  return out;
}

/** @param {WorkerFacts} w @param {any} svc */
function timing(w, svc) {
  const out = [];
  const duration = Number(svc.deviceFlowCodeDuration) || 0;
  const interval = Number(svc.deviceFlowPollingInterval) || 0;
  const kvMin = w.constants.kvMinTtlSeconds;
  const fixDuration = `set the service's Code Duration (deviceFlowCodeDuration) to ${DURATION.suggested} (between ${DURATION.comfortable} and ${DURATION.long})`;
  const d = "service.code-duration";
  if (duration === 0)
    out.push(check("warn", d, "deviceFlowCodeDuration is not set: Authlete's default is undocumented (docs/authlete-api.md §8.1)", fixDuration));
  else if (duration < kvMin)
    out.push(
      check(
        "fail",
        d,
        `deviceFlowCodeDuration ${duration} s is below KV's ${kvMin} s minimum TTL and too short to open the link, sign in and approve`,
        fixDuration,
      ),
    );
  else if (duration < DURATION.comfortable)
    out.push(check("warn", d, `deviceFlowCodeDuration ${duration} s leaves little time to sign in and approve`, fixDuration));
  else if (duration > DURATION.long)
    out.push(check("warn", d, `deviceFlowCodeDuration ${duration} s keeps each user code guessable for long (RFC 8628 §5.1)`, fixDuration));
  else out.push(check("pass", d, `deviceFlowCodeDuration ${duration} s`));

  const p = "service.polling-interval";
  if (!w.parsed) {
    out.push(check("skip", p, "needs POLL_MAX_INTERVAL_SECONDS from a configuration the Worker accepts (worker.config)"));
    return out;
  }
  const max = w.parsed.pollMaxIntervalSeconds;
  const fixInterval = `set the service's Polling Interval (deviceFlowPollingInterval) to ${RFC_INTERVAL}`;
  if (interval > max)
    out.push(
      check(
        "fail",
        p,
        `deviceFlowPollingInterval ${interval} s is above POLL_MAX_INTERVAL_SECONDS (${max} s): slow_down can never raise it`,
        `${fixInterval}, or raise POLL_MAX_INTERVAL_SECONDS to at least ${interval}`,
      ),
    );
  else if (duration > 0 && interval >= duration)
    out.push(
      check("fail", p, `deviceFlowPollingInterval ${interval} s is not shorter than the code's ${duration} s: a device could not poll in time`, fixInterval),
    );
  else if (interval === 0)
    out.push(
      check(
        "warn",
        p,
        `deviceFlowPollingInterval is 0: devices are told no interval and fall back to ${w.constants.defaultIntervalSeconds} s (RFC 8628 §3.2)`,
        `${fixInterval} explicitly`,
      ),
    );
  else if (interval < RFC_INTERVAL)
    out.push(
      check(
        "warn",
        p,
        `deviceFlowPollingInterval ${interval} s is below RFC 8628's ${RFC_INTERVAL} s: every device costs more polls, KV writes and Authlete calls`,
        fixInterval,
      ),
    );
  else out.push(check("pass", p, `deviceFlowPollingInterval ${interval} s ≤ POLL_MAX_INTERVAL_SECONDS ${max} s`));
  return out;
}

/**
 * Each device client: found, allowed the device-code grant, and a type that matches its
 * authentication method.
 * @param {{ id: string, reply: Reply }[]} clients
 * @param {string | null} unreachable
 */
function clientChecks(clients, unreachable) {
  if (clients.length === 0) {
    return [check("skip", "client.found", "no client IDs: pass --client <id> (repeatable) or set DOCTOR_CLIENT_IDS=<id>,<id>")];
  }
  const out = [];
  for (const { id, reply } of clients) {
    /** @param {Status} status @param {CheckId} cid @param {string} message @param {string} [fix] */
    const one = (status, cid, message, fix) => ({ ...check(status, cid, message, fix), target: id });
    if (unreachable !== null || reply.kind === "skipped") {
      const why = unreachable ?? failure(reply);
      for (const cid of CLIENT_CHECK_IDS) out.push(one("skip", cid, why));
      continue;
    }
    if (reply.kind !== "ok") {
      const notFound = reply.kind === "http" && reply.status !== 401 && reply.status !== 403 && reply.status < 500;
      out.push(
        one(
          "fail",
          "client.found",
          `client/get ${id} failed: ${failure(reply)}`,
          notFound
            ? "check the client ID: client/get takes the numeric ID, an alias may not be found (docs/authlete-api.md §13.2)"
            : "check the service credentials",
        ),
      );
      out.push(one("skip", "client.device-code-grant", "client/get failed (client.found)"), one("skip", "client.auth", "client/get failed (client.found)"));
      continue;
    }
    const c = reply.body ?? {};
    const grants = Array.isArray(c.grantTypes) ? c.grantTypes : [];
    const name = c.clientName ? ` "${c.clientName}"` : "";
    const alias = c.clientIdAlias && String(c.clientIdAlias) !== String(c.clientId) ? ` (alias ${c.clientIdAlias})` : "";
    out.push(one("pass", "client.found", `client ${c.clientId ?? id}${name}${alias}: ${c.clientType ?? "?"}, ${c.tokenAuthMethod ?? "?"}`));
    out.push(
      grants.includes("DEVICE_CODE")
        ? one("pass", "client.device-code-grant", "has the DEVICE_CODE grant")
        : one(
            "fail",
            "client.device-code-grant",
            `lacks the DEVICE_CODE grant (grants: ${grants.join(", ") || "none"}): its device authorization requests are refused`,
            "add DEVICE_CODE to the client's Grant Types (grantTypes) in the Authlete console",
          ),
    );
    out.push(clientAuth(c, one));
  }
  return out;
}

/**
 * Client type against token-endpoint authentication. Authlete issues a secret to every
 * client, public ones included (docs/authlete-api.md §13.2), so a `clientSecret` in the
 * answer says nothing: what matters is whether the client is told to use one. A PUBLIC client
 * with a method other than NONE is told to present a secret a device cannot keep; a
 * CONFIDENTIAL one with NONE is not authenticated at all. Both work at the token endpoint,
 * which is why each is a warning and not a failure. Client-certificate methods fail: the
 * Worker cannot forward a TLS client certificate to Authlete.
 * @param {any} c
 * @param {(status: Status, id: CheckId, message: string, fix?: string) => Check} one
 */
function clientAuth(c, one) {
  const type = c.clientType;
  const method = c.tokenAuthMethod || "NONE";
  const id = "client.auth";
  if (TLS_METHODS.has(method)) {
    return one(
      "fail",
      id,
      `${method}: the Worker does not forward client certificates to Authlete`,
      "choose NONE (public), CLIENT_SECRET_BASIC, CLIENT_SECRET_POST or a JWT method",
    );
  }
  if (type === "PUBLIC" && method !== "NONE") {
    return one(
      "warn",
      id,
      `a PUBLIC client told to authenticate with ${method}: a device cannot keep a secret`,
      "set its Token Endpoint Authentication Method to NONE, or make it CONFIDENTIAL if it really holds a credential",
    );
  }
  if (type === "CONFIDENTIAL" && method === "NONE") {
    return one(
      "warn",
      id,
      "a CONFIDENTIAL client with NONE: it is not authenticated at the token endpoint",
      "set its Token Endpoint Authentication Method to CLIENT_SECRET_BASIC (or another method), or make it PUBLIC",
    );
  }
  return one("pass", id, `${type} with ${method}`);
}

/**
 * @param {Check[]} checks
 * @returns {Record<Status, number>}
 */
export function count(checks) {
  /** @type {Record<Status, number>} */
  const n = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of checks) n[c.status]++;
  return n;
}

/** Client IDs as given: separated by commas or spaces. @param {string} s */
export function splitIds(s) {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * The origin of an http(s) URL given without path, query or fragment, or null.
 * @param {string} raw
 */
export function originOf(raw) {
  try {
    const u = new URL(raw.trim());
    if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password || u.search || u.hash || (u.pathname !== "/" && u.pathname !== ""))
      return null;
    return u.origin;
  } catch {
    return null;
  }
}
