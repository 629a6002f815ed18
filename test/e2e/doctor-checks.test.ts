// The doctor's checks as pure functions (scripts/doctor/checks.mjs): every check's ✔, ✖, ⚠
// and skipped outcome from made-up facts, so each rule is proved without an Authlete; and the
// reading of a configuration (scripts/doctor/worker.mjs) with the Worker's own parser.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import {
  type AuthleteFacts,
  authleteChecks,
  CHECK_IDS,
  type Check,
  type CheckId,
  CLIENT_CHECK_IDS,
  type Parsed,
  POLICY_CHECK_IDS,
  PROVIDER_CHECK_IDS,
  SERVICE_SETTING_IDS,
  type WorkerFacts,
  workerChecks,
} from "../../scripts/doctor/checks.mjs";
import { parsePolicy, readWorker, resolvePublicUrl } from "../../scripts/doctor/worker.mjs";
import { renderText, sectionOf } from "../../scripts/doctor.mjs";
import { root } from "../../scripts/lib/workers.mjs";

const ORIGIN = "https://device.example.com";
const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** A production environment the doctor has nothing to say against. */
function worker(over: Partial<WorkerFacts> = {}, vars: Record<string, unknown> = {}): WorkerFacts {
  return {
    envName: "production",
    vars: {
      AUTHLETE_API_VERSION: "3",
      AUTHLETE_BASE_URL: "https://us.authlete.com",
      AUTHLETE_SERVICE_ID: "5550001",
      AUTHLETE_SERVICE_ACCESS_TOKEN: "token",
      EDGE_SECRET: "x".repeat(32),
      USERS: "[]",
      ...vars,
    },
    sources: { AUTHLETE_SERVICE_ID: "environment", AUTHLETE_SERVICE_ACCESS_TOKEN: "environment", EDGE_SECRET: "environment", USERS: "environment" },
    kv: [{ binding: "KV", id: "0123456789abcdef0123456789abcdef" }],
    durableObjects: [
      { name: "BUDGETS", class_name: "Budgets" },
      { name: "GRANTS", class_name: "DeviceGrant" },
      { name: "REPORTED_NETWORKS", class_name: "ReportedNetwork" },
    ],
    core: { ok: true, value: {} },
    parsed: { authlete: { version: 3, baseUrl: "https://us.authlete.com" }, pollMaxIntervalSeconds: 60 },
    page: { ok: true, value: { authenticator: { kind: "password", users: [{}] } } },
    userCode: { charset: "BASE20", length: 8 },
    publicUrl: { url: ORIGIN, source: "--public-url" },
    constants: {
      kvMinTtlSeconds: 60,
      defaultIntervalSeconds: 5,
      deviceCodeGrant: GRANT,
      verifiedClaims: { email: "email_verified", phone_number: "phone_number_verified" },
    },
    ...over,
  };
}

const service = (over: Record<string, unknown> = {}) => ({
  kind: "ok" as const,
  status: 200,
  body: {
    apiKey: 5550001,
    serviceName: "Prod",
    supportedGrantTypes: ["DEVICE_CODE", "REFRESH_TOKEN"],
    deviceVerificationUri: `${ORIGIN}/device`,
    deviceVerificationUriComplete: `${ORIGIN}/device?user_code=USER_CODE`,
    deviceFlowCodeDuration: 600,
    deviceFlowPollingInterval: 5,
    userCodeCharset: "BASE20",
    userCodeLength: 8,
    ...over,
  },
});

const discovery = (over: Record<string, unknown> = {}) => ({
  kind: "ok" as const,
  status: 200,
  body: {
    issuer: ORIGIN,
    token_endpoint: `${ORIGIN}/token`,
    revocation_endpoint: `${ORIGIN}/revoke`,
    jwks_uri: `${ORIGIN}/jwks`,
    device_authorization_endpoint: `${ORIGIN}/device_authorization`,
    grant_types_supported: [GRANT],
    ...over,
  },
});

const client = (over: Record<string, unknown> = {}) => ({
  kind: "ok" as const,
  status: 200,
  body: {
    clientId: 1001,
    clientIdAlias: "tv",
    clientName: "TV",
    clientType: "PUBLIC",
    tokenAuthMethod: "NONE",
    clientSecret: "issued-anyway",
    grantTypes: ["DEVICE_CODE"],
    ...over,
  },
});

function authlete(over: Partial<AuthleteFacts> = {}): AuthleteFacts {
  return { discovery: discovery(), service: service(), clients: [{ id: "1001", reply: client() }], ...over };
}

const TARGET = { baseUrl: "https://us.authlete.com", version: 3 as const };
const run = (w = worker(), a = authlete()) => [...workerChecks(w), ...authleteChecks(w, a, TARGET)];
const find = (checks: Check[], id: CheckId, target?: string) => {
  const c = checks.find((x) => x.id === id && x.target === target);
  if (!c) throw new Error(`no check ${id}${target ? `[${target}]` : ""} in ${checks.map((x) => x.id).join(", ")}`);
  return c;
};
const one = (id: CheckId, w?: WorkerFacts, a?: AuthleteFacts, target?: string) => find(run(w, a), id, target);

describe("doctor checks: a correct deployment", () => {
  it("passes every check, and only passes carry no fix", () => {
    const checks = run();
    expect(checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual([...CHECK_IDS, ...CLIENT_CHECK_IDS]);
  });
});

describe("doctor checks: upstream OpenID providers (AUTHENTICATOR=oidc)", () => {
  const provider = (over: Record<string, unknown> = {}) => ({
    id: "okta",
    label: "Okta",
    clientId: "0oa1",
    redirectUri: `${ORIGIN}/device/callback/okta`,
    subjectClaim: "sub",
    sharedSubjects: false,
    allowUserChosenSubject: false,
    ...over,
  });
  const oidc = (...providers: Record<string, unknown>[]) =>
    worker({ page: { ok: true, value: { authenticator: { kind: "oidc", users: [], providers } } } }, { AUTHENTICATOR: "oidc", USERS: undefined });

  it("each provider: its own redirect URI to register, and subjects in its namespace; checked after the Worker's own, per provider", () => {
    const checks = workerChecks(oidc(provider(), provider({ id: "entra", label: "Entra ID", redirectUri: `${ORIGIN}/device/callback/entra` })));
    expect(checks.filter((c) => c.target).map((c) => `${c.id}[${c.target}]`)).toEqual(
      ["okta", "entra"].flatMap((id) => PROVIDER_CHECK_IDS.map((check) => `${check}[${id}]`)),
    );
    expect(find(checks, "provider.redirect-uri", "okta")).toEqual({
      id: "provider.redirect-uri",
      status: "pass",
      target: "okta",
      message: `register ${ORIGIN}/device/callback/okta at Okta as the redirect URI of client 0oa1 (this provider's alone)`,
    });
    expect(find(checks, "provider.subject", "entra").message).toBe("subjects are entra:<sub>, apart from the built-in users' and every other provider's");
    expect(checks.filter((c) => c.status !== "pass")).toEqual([]);
  });

  it("provider.redirect-uri ✖ when OIDC_REDIRECT_URI is on another host than the Worker's", () => {
    const c = find(workerChecks(oidc(provider({ redirectUri: "https://old.example.com/device/callback/okta" }))), "provider.redirect-uri", "okta");
    expect(c.status).toBe("fail");
    expect(c.message).toBe(`https://old.example.com/device/callback/okta is not on ${ORIGIN} (--public-url): Okta would send people back to another host`);
    expect(c.fix).toBe(
      `set OIDC_REDIRECT_URI = "${ORIGIN}/device/callback/{id}" in [env.production.vars] in wrangler.toml, and register ${ORIGIN}/device/callback/okta at Okta`,
    );
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["no namespace (shared_subjects)", { sharedSubjects: true }, /^shared_subjects: subjects are its sub as is, one namespace with USERS/],
    ["an email address as the subject", { subjectClaim: "email" }, /^subject_claim email: .* unless Okta says email_verified: true$/],
    [
      "a claim people choose (allow_user_chosen_subject)",
      { subjectClaim: "preferred_username", allowUserChosenSubject: true },
      /^allow_user_chosen_subject: subject_claim preferred_username may be a value people choose/,
    ],
  ])("provider.subject ⚠ for %s, with the fix", (_, over, message) => {
    const c = find(workerChecks(oidc(provider(over))), "provider.subject", "okta");
    expect(c.status).toBe("warn");
    expect(c.message).toMatch(message);
    expect(c.fix).toMatch(/^(use "sub"|remove "shared_subjects")/);
  });

  it("every risky choice of one provider in one line", () => {
    const c = find(workerChecks(oidc(provider({ sharedSubjects: true, subjectClaim: "email" }))), "provider.subject", "okta");
    expect(c.message.split("; ").map((m) => m.split(":")[0])).toEqual(["shared_subjects", "subject_claim email"]);
  });

  it("read from a configuration with the Worker's parser: the old single callback is refused with what to register; a good one gives the provider checks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "doctor-oidc-"));
    try {
      const toml = `name = "w"\nmain = "index.ts"\ncompatibility_date = "2026-07-01"\n[vars]\nAUTHLETE_BASE_URL = "https://us.authlete.com"\nAUTHLETE_API_VERSION = "3"\n[[kv_namespaces]]\nbinding = "KV"\nid = "local"\n`;
      writeFileSync(join(dir, "wrangler.toml"), toml);
      const providers = JSON.stringify([{ id: "okta", label: "Okta", issuer: "https://example.okta.com", client_id: "abc", subject_claim: "email" }]);
      const vars = (redirect: string) => `AUTHENTICATOR=oidc\nOIDC_PROVIDERS=${providers}\nOIDC_CLIENT_SECRET_OKTA=s\nOIDC_REDIRECT_URI=${redirect}\n`;
      writeFileSync(join(dir, ".dev.vars"), vars("http://127.0.0.1:8787/device/callback"));
      const old = await readWorker({ configPath: join(dir, "wrangler.toml"), processEnv: {} });
      expect(find(workerChecks(old.facts), "worker.page").message).toContain(
        "OIDC_REDIRECT_URI: each provider now has a redirect URI of its own: set http://127.0.0.1:8787/device/callback/{id} and register http://127.0.0.1:8787/device/callback/<id> at each provider",
      );
      writeFileSync(join(dir, ".dev.vars"), vars("http://127.0.0.1:8787/device/callback/{id}"));
      const checks = workerChecks((await readWorker({ configPath: join(dir, "wrangler.toml"), processEnv: {} })).facts);
      expect(find(checks, "provider.redirect-uri", "okta")).toMatchObject({
        status: "pass",
        message: expect.stringContaining("register http://127.0.0.1:8787/device/callback/okta at Okta"),
      });
      expect(find(checks, "provider.subject", "okta")).toMatchObject({ status: "warn", message: expect.stringMatching(/^subject_claim email: /) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("doctor checks: CLIENT_POLICY against the service", () => {
  /** The Worker's facts with these policy variables, parsed by the Worker's own loader (as the doctor does). */
  async function withPolicy(vars: Record<string, string>): Promise<WorkerFacts> {
    return { ...worker({}, vars), policy: await parsePolicy(vars) };
  }
  const policyOf = (p: object) => withPolicy({ CLIENT_POLICY: JSON.stringify(p) });
  const scoped = (names: string[]) => names.map((name) => ({ name, defaultEntry: false }));
  const svc = (over: Record<string, unknown> = {}) =>
    service({ supportedScopes: scoped(["openid", "profile", "email", "tv.watch"]), accessTokenDuration: 3600, refreshTokenDuration: 86_400, ...over });
  const facts = (over: Partial<AuthleteFacts> = {}) =>
    authlete({ service: svc(), discovery: discovery({ dpop_signing_alg_values_supported: ["ES256"] }), ...over });

  it("per entry, after the clients: policy.client (not for default), scopes, tokens, dpop; a policy without entries adds none", async () => {
    const checks = run(await policyOf({ default: { scopes: ["openid"] }, "1001": { dpop: "bind" } }), facts());
    const ids = checks.filter((c) => c.id.startsWith("policy.")).map((c) => `${c.id}[${c.target}]`);
    expect(ids).toEqual([
      ...POLICY_CHECK_IDS.filter((id) => id !== "policy.client").map((id) => `${id}[default]`),
      ...POLICY_CHECK_IDS.map((id) => `${id}[1001]`),
    ]);
    expect(checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(run(await withPolicy({}), facts()).map((c) => c.id)).toEqual([...CHECK_IDS, ...CLIENT_CHECK_IDS]);
  });

  it("worker.policy: what the Worker refuses, in its words; worker.proximity-policy ⚠ with the CLIENT_POLICY that replaces it", async () => {
    const bad = worker({ policy: { ok: false, issues: [{ variable: "CLIENT_POLICY", path: "CLIENT_POLICY.1001.scope", message: "is not a known setting" }] } });
    expect(find(workerChecks(bad), "worker.policy")).toMatchObject({
      status: "fail",
      message: "the Worker refuses its policy: CLIENT_POLICY.1001.scope: is not a known setting: new codes and the page fail, devices already polling go on",
    });
    const old = await withPolicy({
      PROXIMITY_POLICY: '{"default":{"maxCodeAgeSeconds":600},"1002":{"crossCountry":"block"}}',
      CLIENT_POLICY: '{"1002":{"proximity":{"maxCodeAgeSeconds":120}},"1001":{"scopes":["openid"]}}',
    });
    expect(find(workerChecks(old), "worker.policy").message).toBe("CLIENT_POLICY parses: a default entry and clients 1001, 1002");
    const deprecated = find(workerChecks(old), "worker.proximity-policy");
    expect(deprecated).toMatchObject({ status: "warn", message: expect.stringContaining("PROXIMITY_POLICY is deprecated: still read") });
    const merged = JSON.parse(/CLIENT_POLICY = '(.*)' in \[env\.production\.vars\]/.exec(deprecated.fix!)![1]!);
    expect(merged).toEqual({
      default: { proximity: { maxCodeAgeSeconds: 600 } },
      "1002": { proximity: { crossCountry: "block", maxCodeAgeSeconds: 120 } },
      "1001": { scopes: ["openid"] },
    });
    // The merged value reads as the two did.
    const policies = (p: Parsed) => (p.ok ? p.value.policies : p.issues);
    expect(policies(await parsePolicy({ CLIENT_POLICY: JSON.stringify(merged) }))).toEqual(policies(await parsePolicy(old.vars)));
    expect(find(workerChecks(await policyOf({})), "worker.proximity-policy").status).toBe("pass");
  });

  it("policy.client ⚠ for a client the service does not have (its entry applies to no one); read even when not named for the client checks", async () => {
    const a = facts({ policyClients: [{ id: "4242", reply: { kind: "http", status: 404, resultCode: "A026301", resultMessage: "no such client" } }] });
    expect(one("policy.client", await policyOf({ "4242": { dpop: "bind" } }), a, "4242")).toMatchObject({
      status: "warn",
      message: "CLIENT_POLICY names client 4242, which the service does not have (HTTP 404 A026301 no such client): its entry applies to no one",
      fix: expect.stringContaining("Authlete's numeric client id"),
    });
    expect(one("policy.client", await policyOf({ "1001": {} }), facts(), "1001")).toMatchObject({
      status: "pass",
      message: 'client 1001 "TV": its entry applies',
    });
  });

  it("policy.scopes ⚠ for a scope the service does not support, or the client may not request", async () => {
    const kiosk = client({
      extension: { requestableScopesEnabled: true, requestableScopes: ["openid", "tv.watch"], accessTokenDuration: 0, refreshTokenDuration: 0 },
    });
    const c = one(
      "policy.scopes",
      await policyOf({ "1001": { scopes: ["openid", "profle", "email", "tv.watch"] } }),
      facts({ clients: [{ id: "1001", reply: kiosk }] }),
      "1001",
    );
    expect(c.status).toBe("warn");
    expect(c.message).toBe(
      "scopes openid profle email tv.watch: profle: not among the service's supportedScopes, so no device can be granted it; email: the client may not request it (its requestable scopes: openid, tv.watch)",
    );
    expect(c.fix).toContain("remove profle or correct the name (supportedScopes: openid, profile, email, tv.watch)");
    // The default entry is held to the service only.
    expect(one("policy.scopes", await policyOf({ default: { scopes: ["openid", "email"] } }), facts(), "default").status).toBe("pass");
    // Without service/get: skipped, not guessed.
    const limited = one(
      "policy.scopes",
      await policyOf({ default: { scopes: ["openid"] } }),
      facts({ service: { kind: "skipped", reason: "v2 without the owner's pair" } }),
      "default",
    );
    expect(limited.status).toBe("skip");
  });

  it("policy.tokens ⚠ for a lifetime longer than the service's (or the client's shorter one), afterWarning not shorter, and a refresh lifetime a refresh renews", async () => {
    const longer = one("policy.tokens", await policyOf({ "1001": { tokens: { accessTokenSeconds: 7200 } } }), facts(), "1001");
    expect(longer).toMatchObject({ status: "warn", fix: "set tokens.accessTokenSeconds to at most 3600, or leave it out" });
    expect(longer.message).toContain(
      "tokens.accessTokenSeconds 7200 s is longer than the service's 3600 s: Authlete issues what /device/complete asks, longer too",
    );
    const own = client({ extension: { requestableScopesEnabled: false, accessTokenDuration: 600, refreshTokenDuration: 0 } });
    expect(
      one("policy.tokens", await policyOf({ "1001": { tokens: { accessTokenSeconds: 900 } } }), facts({ clients: [{ id: "1001", reply: own }] }), "1001")
        .message,
    ).toContain("is longer than the client's 600 s");
    expect(
      one("policy.tokens", await policyOf({ "1001": { tokens: { accessTokenSeconds: 300, afterWarning: { accessTokenSeconds: 600 } } } }), facts(), "1001")
        .message,
    ).toContain("tokens.afterWarning.accessTokenSeconds 600 s is not shorter than tokens.accessTokenSeconds 300 s");
    const refresh = await policyOf({ "1001": { tokens: { refreshTokenSeconds: 3600 } } });
    const renewed = one(
      "policy.tokens",
      refresh,
      facts({ clients: [{ id: "1001", reply: client({ grantTypes: ["DEVICE_CODE", "REFRESH_TOKEN"] }) }] }),
      "1001",
    );
    expect(renewed.message).toContain("the refresh lifetime bounds only the first refresh token: a refresh issues one with a fresh 86400 s");
    expect(renewed.fix).toContain("refreshTokenDurationKept");
    expect(one("policy.tokens", refresh, facts({ service: svc({ refreshTokenDurationKept: true }) }), "1001").status).toBe("pass");
    expect(
      one("policy.tokens", await policyOf({ "1001": { tokens: { accessTokenSeconds: 900, afterWarning: { accessTokenSeconds: 300 } } } }), facts(), "1001"),
    ).toMatchObject({
      status: "pass",
      message: "accessTokenSeconds 900 s, afterWarning.accessTokenSeconds 300 s, all shorter than the service's",
    });
  });

  it("policy.dpop: require on a service without DPoP ✖, bind ⚠; with it ✔", async () => {
    const none = facts({ discovery: discovery() });
    expect(one("policy.dpop", await policyOf({ "1001": { dpop: "require" } }), none, "1001")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("dpop require, but the service's discovery lists no dpop_signing_alg_values_supported"),
    });
    expect(one("policy.dpop", await policyOf({ "1001": { dpop: "bind" } }), none, "1001").status).toBe("warn");
    expect(one("policy.dpop", await policyOf({ "1001": { dpop: "require" } }), facts(), "1001").message).toBe(
      "dpop require: the service verifies DPoP proofs (ES256)",
    );
  });

  it("Authlete unreachable: every policy check that needs it is skipped", async () => {
    const down = authlete({ discovery: { kind: "unreachable", reason: "connection refused (ECONNREFUSED)" } });
    const checks = run(await policyOf({ "1001": { scopes: ["openid"], tokens: { accessTokenSeconds: 600 }, dpop: "bind" } }), down).filter((c) =>
      c.id.startsWith("policy."),
    );
    expect(checks.map((c) => c.status)).toEqual(["skip", "skip", "skip", "skip"]);
  });
});

describe("doctor checks: the Worker's configuration", () => {
  it("worker.config: a variable the Worker refuses is named with the Worker's words; secrets are left to their own lines", () => {
    const w = worker({
      core: {
        ok: false,
        issues: [
          { variable: "AUTHLETE_BASE_URL", path: "AUTHLETE_BASE_URL", message: "must be an http(s) URL without query or fragment" },
          { variable: "EDGE_SECRET", path: "EDGE_SECRET", message: "is missing" },
        ],
      },
      parsed: null,
    });
    const c = find(workerChecks(w), "worker.config");
    expect(c.status).toBe("fail");
    expect(c.message).toContain("AUTHLETE_BASE_URL: must be an http(s) URL");
    expect(c.message).not.toContain("EDGE_SECRET");
    expect(c.fix).toContain("[env.production.vars]");
  });

  it("worker.authlete-credentials: each version's pair; missing ones get wrangler secret put and the note that secrets cannot be read back", () => {
    const c = one("worker.authlete-credentials", worker({}, { AUTHLETE_SERVICE_ACCESS_TOKEN: "" }));
    expect(c.status).toBe("fail");
    expect(c.message).toBe("AUTHLETE_SERVICE_ACCESS_TOKEN missing");
    expect(c.fix).toContain("npx wrangler secret put AUTHLETE_SERVICE_ACCESS_TOKEN --env production");
    expect(c.fix).toContain("cannot be read back");
    const v2 = one("worker.authlete-credentials", worker({}, { AUTHLETE_API_VERSION: "2", AUTHLETE_SERVICE_API_KEY: "k" }));
    expect(v2.message).toBe("AUTHLETE_SERVICE_API_SECRET missing");
    expect(one("worker.authlete-credentials", worker({}, { AUTHLETE_API_VERSION: "4" })).status).toBe("skip");
  });

  it("worker.authlete-credentials: a value the Worker refuses (a service id that is not a number)", () => {
    const c = one(
      "worker.authlete-credentials",
      worker({ core: { ok: false, issues: [{ variable: "AUTHLETE_SERVICE_ID", path: "AUTHLETE_SERVICE_ID", message: "must be the numeric service id" }] } }),
    );
    expect(c.status).toBe("fail");
    expect(c.message).toContain("AUTHLETE_SERVICE_ID: must be the numeric service id");
  });

  it("worker.edge-secret: missing, too short (the Worker's words), in wrangler.toml in plain text (⚠), set; never the value", () => {
    const missing = one("worker.edge-secret", worker({}, { EDGE_SECRET: undefined }));
    expect(missing).toMatchObject({ status: "fail", message: "EDGE_SECRET missing" });
    expect(missing.fix).toContain("openssl rand -base64 32 | npx wrangler secret put EDGE_SECRET --env production");
    const short = one(
      "worker.edge-secret",
      worker(
        {
          core: { ok: false, issues: [{ variable: "EDGE_SECRET", path: "EDGE_SECRET", message: "must be at least 32 characters (openssl rand -base64 32)" }] },
        },
        { EDGE_SECRET: "short" },
      ),
    );
    expect(short.status).toBe("fail");
    expect(short.message).toContain("must be at least 32 characters");
    expect(JSON.stringify(short)).not.toContain('"short"');
    const committed = worker({}, { EDGE_SECRET: "y".repeat(40) });
    committed.sources["EDGE_SECRET"] = "wrangler.toml";
    const exposed = one("worker.edge-secret", committed);
    expect(exposed.status).toBe("warn");
    expect(exposed.fix).toContain("remove EDGE_SECRET from [env.production.vars]");
    expect(one("worker.edge-secret")).toMatchObject({ status: "pass", message: "EDGE_SECRET set (environment)" });
    expect(JSON.stringify(run())).not.toContain("x".repeat(32));
  });

  it("worker.edge-secret during a rotation: EDGE_SECRET_PREVIOUS is a reminder (⚠) to delete it later; refused by the rule (✖) or the same value (⚠), with the command; never a value", () => {
    const previous = "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY=";
    const rotating = worker({}, { EDGE_SECRET_PREVIOUS: previous });
    rotating.sources["EDGE_SECRET_PREVIOUS"] = "environment";
    const c = one("worker.edge-secret", rotating);
    expect(c.status).toBe("warn");
    expect(c.message).toBe(
      "EDGE_SECRET set (environment); EDGE_SECRET_PREVIOUS set (environment): a rotation is under way, what the old secret made is still read",
    );
    expect(c.fix).toContain("npx wrangler secret delete EDGE_SECRET_PREVIOUS --env production");
    expect(JSON.stringify(c)).not.toContain(previous);
    const weak = one(
      "worker.edge-secret",
      worker(
        {
          core: {
            ok: false,
            issues: [
              { variable: "EDGE_SECRET_PREVIOUS", path: "EDGE_SECRET_PREVIOUS", message: "must not be one character repeated (openssl rand -base64 32)" },
            ],
          },
        },
        { EDGE_SECRET_PREVIOUS: "z".repeat(40) },
      ),
    );
    expect(weak.status).toBe("fail");
    expect(weak.message).toBe("the Worker refuses EDGE_SECRET_PREVIOUS: must not be one character repeated (openssl rand -base64 32)");
    expect(weak.fix).toContain("rotate without it");
    // Its refusal is this check's, not worker.config's.
    expect(
      one("worker.config", worker({ core: { ok: false, issues: [{ variable: "EDGE_SECRET_PREVIOUS", path: "EDGE_SECRET_PREVIOUS", message: "x" }] } })).status,
    ).toBe("pass");
    const same = one("worker.edge-secret", worker({}, { EDGE_SECRET_PREVIOUS: "x".repeat(32) }));
    expect(same).toMatchObject({ status: "warn", message: "EDGE_SECRET set (environment); EDGE_SECRET_PREVIOUS is the same value, so it does nothing" });
    // Without it, nothing is said of it.
    expect(one("worker.edge-secret").message).toBe("EDGE_SECRET set (environment)");
  });

  it("worker.edge-secret locally: the fix is .dev.vars", () => {
    expect(one("worker.edge-secret", worker({ envName: null }, { EDGE_SECRET: "" })).fix).toContain("add EDGE_SECRET=… to .dev.vars");
  });

  it("worker.users: needed by the password authenticator only", () => {
    expect(one("worker.users", worker({}, { USERS: "" }))).toMatchObject({ status: "fail", message: "USERS missing" });
    expect(one("worker.users", worker({}, { USERS: "", AUTHENTICATOR: "access" })).status).toBe("pass");
    const refused = one("worker.users", worker({ page: { ok: false, issues: [{ variable: "USERS", path: "USERS", message: "must be valid JSON" }] } }));
    expect(refused.status).toBe("fail");
    expect(refused.message).toContain("USERS: must be valid JSON");
  });

  it("worker.page: a page variable the Worker refuses", () => {
    const c = one(
      "worker.page",
      worker({
        page: { ok: false, issues: [{ variable: "USER_CODE_CHARSET", path: "USER_CODE_CHARSET", message: "must be one of BASE20, NUMERIC" }] },
        userCode: null,
      }),
    );
    expect(c.status).toBe("fail");
    expect(c.message).toContain("USER_CODE_CHARSET: must be one of BASE20, NUMERIC");
    expect(one("service.user-code-charset", worker({ userCode: null })).status).toBe("skip");
  });

  it("worker.kv: missing, the placeholder id, not an id; any id locally", () => {
    const placeholder = one("worker.kv", worker({ kv: [{ binding: "KV", id: "00000000000000000000000000000000" }] }));
    expect(placeholder).toMatchObject({ status: "fail", message: "KV namespace id 00000000000000000000000000000000 is the placeholder" });
    expect(placeholder.fix).toContain("npx wrangler kv namespace create device-flow-edge");
    expect(placeholder.fix).toContain("[[env.production.kv_namespaces]]");
    expect(one("worker.kv", worker({ kv: [{ binding: "KV", id: "my-namespace" }] })).status).toBe("fail");
    expect(one("worker.kv", worker({ kv: [] })).message).toBe("no KV namespace binding KV");
    expect(one("worker.kv", worker({ envName: null, kv: [{ binding: "KV", id: "local-device-flow-edge" }] })).status).toBe("pass");
  });

  it("worker.durable-object: ✖ until a binding BUDGETS is declared, ✔ once it is", () => {
    const none = one("worker.durable-object", worker({ durableObjects: [] }));
    expect(none).toMatchObject({ status: "fail", message: "no Durable Object binding BUDGETS" });
    expect(none.fix).toContain('[[env.production.durable_objects.bindings]] name = "BUDGETS"');
    expect(one("worker.durable-object", worker({ durableObjects: [{ name: "OTHER" }] })).status).toBe("fail");
    expect(one("worker.durable-object").message).toBe("Durable Object binding BUDGETS → class Budgets");
  });

  it("worker.durable-object.grants: ✖ until a binding GRANTS is declared, ✔ once it is", () => {
    const none = one("worker.durable-object.grants", worker({ durableObjects: [{ name: "BUDGETS" }] }));
    expect(none).toMatchObject({ status: "fail", message: "no Durable Object binding GRANTS" });
    expect(none.fix).toContain('[[env.production.durable_objects.bindings]] name = "GRANTS"');
    expect(one("worker.durable-object.grants").message).toBe("Durable Object binding GRANTS → class DeviceGrant");
  });

  it("worker.durable-object.reported-networks: ✖ until a binding REPORTED_NETWORKS is declared, ✔ once it is", () => {
    const none = one("worker.durable-object.reported-networks", worker({ durableObjects: [{ name: "BUDGETS" }, { name: "GRANTS" }] }));
    expect(none).toMatchObject({ status: "fail", message: "no Durable Object binding REPORTED_NETWORKS" });
    expect(none.fix).toContain('[[env.production.durable_objects.bindings]] name = "REPORTED_NETWORKS"');
    expect(one("worker.durable-object.reported-networks").message).toBe("Durable Object binding REPORTED_NETWORKS → class ReportedNetwork");
  });

  it("worker.public-url: required for an environment, https expected, an origin only", () => {
    expect(one("worker.public-url", worker({ publicUrl: { url: null, source: "none" } })).status).toBe("fail");
    expect(one("worker.public-url", worker({ publicUrl: { url: "http://device.example.com", source: "--public-url" } })).status).toBe("warn");
    expect(one("worker.public-url", worker({ envName: null, publicUrl: { url: "http://127.0.0.1:8787", source: "npm start's origin" } })).status).toBe("pass");
    const bad = resolvePublicUrl({ vars: { PUBLIC_URL: "https://device.example.com/app" }, sources: { PUBLIC_URL: "environment" }, local: false });
    expect(bad.url).toBeNull();
    expect(bad.error).toContain("is not an http(s) origin");
    expect(resolvePublicUrl({ vars: {}, sources: {}, local: true, env: { PORT: "9000" } })).toEqual({
      url: "http://127.0.0.1:9000",
      source: "npm start's origin",
    });
    expect(resolvePublicUrl({ vars: {}, sources: {}, local: true, env: {} }).url).toBe("http://127.0.0.1:8787");
    // A PORT npm start could not listen on is the check's ✖, not a guess.
    const port = resolvePublicUrl({ vars: {}, sources: {}, local: true, env: { PORT: "80801" } });
    expect(port).toMatchObject({ url: null, error: "PORT=80801 is not a port: give a number from 1 to 65535" });
    expect(one("worker.public-url", worker({ envName: null, publicUrl: port })).status).toBe("fail");
    expect(resolvePublicUrl({ flag: "https://a.example/", vars: { PUBLIC_URL: "https://b.example" }, sources: {}, local: false }).url).toBe(
      "https://a.example",
    );
    // Without a public URL the comparisons cannot run, and say so.
    const w = worker({ publicUrl: { url: null, source: "none" } });
    expect(one("discovery.issuer", w).status).toBe("skip");
    expect(one("service.verification-uri", w).status).toBe("skip");
  });
});

describe("doctor checks: Authlete answers", () => {
  it("authlete.connection: unreachable, timed out, credentials refused, a wrong base URL, not JSON; the rest is skipped", () => {
    const unreachable = run(worker(), authlete({ discovery: { kind: "unreachable", reason: "connection refused (ECONNREFUSED)" } }));
    expect(find(unreachable, "authlete.connection")).toMatchObject({
      status: "fail",
      message: "cannot reach Authlete at https://us.authlete.com: connection refused (ECONNREFUSED)",
    });
    expect(
      unreachable.filter((c) => c.id.startsWith("service.") || c.id.startsWith("discovery.") || c.id.startsWith("client.")).every((c) => c.status === "skip"),
    ).toBe(true);
    expect(one("authlete.connection", worker(), authlete({ discovery: { kind: "timeout", ms: 5000 } })).message).toContain(
      "no answer within 5000 ms (AUTHLETE_TIMEOUT_MS)",
    );
    const refused = one(
      "authlete.connection",
      worker(),
      authlete({ discovery: { kind: "http", status: 401, resultCode: "A001203", resultMessage: "bad token" } }),
    );
    expect(refused.message).toBe("Authlete refused the Worker's credentials: HTTP 401 A001203 bad token");
    expect(refused.fix).toContain("AUTHLETE_SERVICE_ACCESS_TOKEN");
    expect(one("authlete.connection", worker(), authlete({ discovery: { kind: "http", status: 404 } })).fix).toContain("check AUTHLETE_BASE_URL");
    expect(one("authlete.connection", worker(), authlete({ discovery: { kind: "not-json", status: 200 } })).message).toContain("not JSON");
  });

  it("authlete.service: v2 without the owner's pair is skipped and so are the checks that need it; refused owner credentials fail; a limited view warns", () => {
    const skipped = run(worker(), authlete({ service: { kind: "skipped", reason: "set AUTHLETE_SERVICE_OWNER_API_KEY" } }));
    expect(find(skipped, "authlete.service").status).toBe("skip");
    for (const id of SERVICE_SETTING_IDS) expect(find(skipped, id)).toMatchObject({ status: "skip", message: "needs service/get (authlete.service)" });
    // What discovery carries is still checked.
    expect(find(skipped, "service.device-code-grant").message).toContain("discovery's grant_types_supported");
    expect(find(skipped, "discovery.issuer").status).toBe("pass");
    expect(skipped.some((c) => c.status === "fail")).toBe(false);

    const v2 = { baseUrl: "https://api.authlete.com", version: 2 as const };
    const refused = authleteChecks(worker(), authlete({ service: { kind: "http", status: 401, resultCode: "A001203" } }), v2);
    expect(find(refused, "authlete.service").fix).toContain("AUTHLETE_SERVICE_OWNER_API_KEY and AUTHLETE_SERVICE_OWNER_API_SECRET");
    const limited = run(worker(), authlete({ service: { kind: "ok", status: 200, body: { apiKey: 1, serviceName: "x" } } }));
    expect(find(limited, "authlete.service").status).toBe("warn");
    expect(find(limited, "service.user-code-charset").status).toBe("skip");
  });

  it("service.device-code-grant: from service/get, else from discovery", () => {
    const c = one("service.device-code-grant", worker(), authlete({ service: service({ supportedGrantTypes: ["AUTHORIZATION_CODE"] }) }));
    expect(c.status).toBe("fail");
    expect(c.fix).toContain("enable DEVICE_CODE");
    expect(
      one(
        "service.device-code-grant",
        worker(),
        authlete({ service: { kind: "skipped", reason: "v2" }, discovery: discovery({ grant_types_supported: ["authorization_code"] }) }),
      ).status,
    ).toBe("fail");
  });

  it.each<[CheckId, string, string, string]>([
    ["discovery.issuer", "issuer", "https://issuer.elsewhere.example", "Issuer Identifier (issuer) to https://device.example.com"],
    [
      "discovery.device-authorization-endpoint",
      "device_authorization_endpoint",
      "https://other-host.example/device_authorization",
      "(deviceAuthorizationEndpoint) to https://device.example.com/device_authorization",
    ],
    ["discovery.token-endpoint", "token_endpoint", "https://other-host.example/oauth/token", "(tokenEndpoint) to https://device.example.com/token"],
    ["discovery.revocation-endpoint", "revocation_endpoint", `${ORIGIN}/oauth/revoke`, "(revocationEndpoint) to https://device.example.com/revoke"],
    ["discovery.jwks-uri", "jwks_uri", `${ORIGIN}/.well-known/jwks.json`, "(jwksUri) to https://device.example.com/jwks"],
  ])("%s: another URL fails with the fix", (id, member, value, fix) => {
    const c = one(id, worker(), authlete({ discovery: discovery({ [member]: value }) }));
    expect(c.status).toBe("fail");
    expect(c.message).toContain(value);
    expect(c.fix).toContain(fix);
  });

  it("discovery: a missing issuer or endpoint fails, a missing revocation endpoint or JWKS URI warns", () => {
    expect(one("discovery.issuer", worker(), authlete({ discovery: discovery({ issuer: undefined }) })).status).toBe("fail");
    expect(one("discovery.token-endpoint", worker(), authlete({ discovery: discovery({ token_endpoint: null }) })).status).toBe("fail");
    expect(one("discovery.revocation-endpoint", worker(), authlete({ discovery: discovery({ revocation_endpoint: undefined }) })).status).toBe("warn");
    expect(one("discovery.jwks-uri", worker(), authlete({ discovery: discovery({ jwks_uri: undefined }) })).status).toBe("warn");
    // An issuer with a trailing slash is another issuer (RFC 8414 §3.3).
    expect(one("discovery.issuer", worker(), authlete({ discovery: discovery({ issuer: `${ORIGIN}/` }) })).status).toBe("fail");
  });

  it("service.verification-uri: another page or host, or none", () => {
    const c = one("service.verification-uri", worker(), authlete({ service: service({ deviceVerificationUri: `${ORIGIN}/activate` }) }));
    expect(c.status).toBe("fail");
    expect(c.fix).toBe(`set the service's Verification URI (deviceVerificationUri) to ${ORIGIN}/device`);
    expect(one("service.verification-uri", worker(), authlete({ service: service({ deviceVerificationUri: null }) })).status).toBe("fail");
  });

  it("service.verification-uri-complete: no USER_CODE, another page, another parameter; unset warns", () => {
    const check = (v: unknown) => one("service.verification-uri-complete", worker(), authlete({ service: service({ deviceVerificationUriComplete: v }) }));
    expect(check(`${ORIGIN}/device?user_code=`).message).toContain("has no USER_CODE placeholder");
    expect(check(`${ORIGIN}/device?user_code=`).fix).toContain(`${ORIGIN}/device?user_code=USER_CODE`);
    expect(check(`https://elsewhere.example/device?user_code=USER_CODE`).status).toBe("fail");
    expect(check(`${ORIGIN}/device?code=USER_CODE`).status).toBe("fail");
    expect(check(null).status).toBe("warn");
    expect(check(`${ORIGIN}/device?user_code=USER_CODE`).status).toBe("pass");
  });

  it("service.user-code-charset and length: each mismatch fails with both ways to fix it; Authlete's default length warns", () => {
    const charset = one("service.user-code-charset", worker(), authlete({ service: service({ userCodeCharset: "NUMERIC", userCodeLength: 8 }) }));
    expect(charset.status).toBe("fail");
    expect(charset.fix).toContain("userCodeCharset) to BASE20");
    expect(charset.fix).toContain('USER_CODE_CHARSET = "NUMERIC" in [env.production.vars]');
    const length = one("service.user-code-length", worker(), authlete({ service: service({ userCodeLength: 6 }) }));
    expect(length.status).toBe("fail");
    expect(length.fix).toContain("userCodeLength) to 8");
    expect(length.fix).toContain('USER_CODE_LENGTH = "6"');
    expect(one("service.user-code-length", worker(), authlete({ service: service({ userCodeLength: 0 }) })).status).toBe("warn");
    // 0 on a NUMERIC service means 9 (docs/authlete-api.md §8.2), which a 9-digit page matches.
    const numeric = worker({ userCode: { charset: "NUMERIC", length: 9 } });
    expect(one("service.user-code-length", numeric, authlete({ service: service({ userCodeCharset: "NUMERIC", userCodeLength: 0 }) })).status).toBe("warn");
    expect(one("service.user-code-length", numeric, authlete({ service: service({ userCodeCharset: "NUMERIC", userCodeLength: 8 }) })).status).toBe("fail");
    // No charset on the service means BASE20.
    expect(one("service.user-code-charset", worker(), authlete({ service: service({ userCodeCharset: null }) })).status).toBe("pass");
  });

  it("service.code-duration: under KV's minimum TTL fails; unset, short and long warn", () => {
    const duration = (d: unknown) => one("service.code-duration", worker(), authlete({ service: service({ deviceFlowCodeDuration: d }) }));
    expect(duration(30)).toMatchObject({ status: "fail" });
    expect(duration(30).message).toContain("below KV's 60 s minimum TTL");
    expect(duration(30).fix).toContain("deviceFlowCodeDuration) to 600");
    expect(duration(0).status).toBe("warn");
    expect(duration(120).status).toBe("warn");
    expect(duration(7200).status).toBe("warn");
    expect(duration(600).status).toBe("pass");
  });

  it("service.polling-interval: above POLL_MAX_INTERVAL_SECONDS or not shorter than the code fails; 0 and under 5 s warn", () => {
    const interval = (i: unknown, d = 600) =>
      one("service.polling-interval", worker(), authlete({ service: service({ deviceFlowPollingInterval: i, deviceFlowCodeDuration: d }) }));
    expect(interval(120).status).toBe("fail");
    expect(interval(120).message).toContain("above POLL_MAX_INTERVAL_SECONDS (60 s)");
    expect(interval(120).fix).toContain("raise POLL_MAX_INTERVAL_SECONDS to at least 120");
    expect(interval(30, 30).status).toBe("fail");
    expect(interval(0).status).toBe("warn");
    expect(interval(2).status).toBe("warn");
    expect(interval(5).status).toBe("pass");
    const raised = worker({ parsed: { authlete: { version: 3, baseUrl: "x" }, pollMaxIntervalSeconds: 180 } });
    expect(one("service.polling-interval", raised, authlete({ service: service({ deviceFlowPollingInterval: 120 }) })).status).toBe("pass");
    expect(one("service.polling-interval", worker({ parsed: null })).status).toBe("skip");
  });

  it("client.found and client.device-code-grant: an unknown client fails and its other checks are skipped; no DEVICE_CODE fails", () => {
    const unknown = run(worker(), authlete({ clients: [{ id: "9999", reply: { kind: "http", status: 404, resultCode: "A026301" } }] }));
    expect(find(unknown, "client.found", "9999").status).toBe("fail");
    expect(find(unknown, "client.found", "9999").fix).toContain("numeric ID");
    expect(find(unknown, "client.auth", "9999").status).toBe("skip");
    const noGrant = one(
      "client.device-code-grant",
      worker(),
      authlete({ clients: [{ id: "1001", reply: client({ grantTypes: ["AUTHORIZATION_CODE"] }) }] }),
      "1001",
    );
    expect(noGrant.status).toBe("fail");
    expect(noGrant.fix).toContain("add DEVICE_CODE to the client's Grant Types");
  });

  it("client.auth: a secret alone is fine (Authlete issues one to every client); PUBLIC told to use it and CONFIDENTIAL with NONE warn; client certificates fail", () => {
    const auth = (over: Record<string, unknown>) => one("client.auth", worker(), authlete({ clients: [{ id: "1001", reply: client(over) }] }), "1001");
    expect(auth({ clientType: "PUBLIC", tokenAuthMethod: "NONE", clientSecret: "s" }).status).toBe("pass");
    expect(auth({ clientType: "PUBLIC", tokenAuthMethod: "CLIENT_SECRET_POST" })).toMatchObject({ status: "warn" });
    expect(auth({ clientType: "PUBLIC", tokenAuthMethod: "CLIENT_SECRET_POST" }).fix).toContain("to NONE");
    expect(auth({ clientType: "CONFIDENTIAL", tokenAuthMethod: "NONE" })).toMatchObject({ status: "warn" });
    expect(auth({ clientType: "CONFIDENTIAL", tokenAuthMethod: "NONE" }).fix).toContain("CLIENT_SECRET_BASIC");
    expect(auth({ clientType: "CONFIDENTIAL", tokenAuthMethod: "PRIVATE_KEY_JWT" }).status).toBe("pass");
    expect(auth({ clientType: "CONFIDENTIAL", tokenAuthMethod: "TLS_CLIENT_AUTH" }).status).toBe("fail");
  });

  it("no client IDs: one skipped line that says how to name them", () => {
    const c = one("client.found", worker(), authlete({ clients: [] }));
    expect(c.status).toBe("skip");
    expect(c.message).toContain("--client");
  });
});

describe("doctor report text", () => {
  it("every check the doctor can make is printed under a section (none is dropped from the text report)", () => {
    const ids = [...CHECK_IDS, ...CLIENT_CHECK_IDS, ...PROVIDER_CHECK_IDS, ...POLICY_CHECK_IDS];
    expect(ids.filter((id) => sectionOf(id) === null)).toEqual([]);
    const text = renderText({
      checks: [{ id: "provider.redirect-uri", target: "okta", status: "pass", message: "register https://x/device/callback/okta" }],
      heading: [],
    });
    expect(text).toContain("provider.redirect-uri[okta]  register https://x/device/callback/okta");
  });

  it("one line per check with its mark and id, a fix under each ✖ and ⚠, skips with one reason folded", () => {
    const checks: Check[] = [
      { id: "worker.kv", status: "fail", message: "placeholder", fix: "create one" },
      { id: "worker.public-url", status: "warn", message: "http", fix: "https" },
      { id: "service.code-duration", status: "skip", message: "why" },
      { id: "service.polling-interval", status: "skip", message: "why" },
      { id: "client.auth", target: "1001", status: "pass", message: "PUBLIC with NONE" },
    ];
    expect(renderText({ checks, heading: ["head"] })).toBe(
      [
        "head",
        "",
        "Worker",
        "  ✖ worker.kv  placeholder",
        "      fix: create one",
        "  ⚠ worker.public-url  http",
        "      fix: https",
        "",
        "Service and discovery",
        "  – skipped, why: service.code-duration, service.polling-interval",
        "",
        "Clients",
        "  ✔ client.auth[1001]  PUBLIC with NONE",
        "",
        "✖ 1 failed   ⚠ 1 warnings   ✔ 1 passed   – 2 skipped",
        "",
      ].join("\n"),
    );
  });
});

describe("doctor: reading a configuration as the Worker does", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function setup(toml: string, devVars?: string) {
    const dir = mkdtempSync(join(tmpdir(), "doctor-config-"));
    dirs.push(dir);
    writeFileSync(join(dir, "wrangler.toml"), toml);
    if (devVars !== undefined) writeFileSync(join(dir, ".dev.vars"), devVars);
    return join(dir, "wrangler.toml");
  }
  const TOML = `name = "w"\nmain = "index.ts"\ncompatibility_date = "2026-07-01"\n[vars]\nAUTHLETE_BASE_URL = "https://us.authlete.com"\nAUTHLETE_API_VERSION = "3"\nUSER_CODE_CHARSET = "NUMERIC"\n[[kv_namespaces]]\nbinding = "KV"\nid = "local"\n[[durable_objects.bindings]]\nname = "BUDGETS"\nclass_name = "BudgetCounter"\n[env.production.vars]\nAUTHLETE_BASE_URL = "https://jp.authlete.com"\nAUTHLETE_API_VERSION = "3"\n[[env.production.kv_namespaces]]\nbinding = "KV"\nid = "0123456789abcdef0123456789abcdef"\n`;

  it("the Worker's own issues, not its message split apart: each with its variable and its path as the Worker writes it", async () => {
    const demo = JSON.parse(readDevVars(root)["USERS"]!)[0];
    const users = JSON.stringify([{ ...demo, passwordHash: "plain" }, demo, { ...demo, username: "Demo" }]);
    const path = setup(TOML, `AUTHLETE_SERVICE_ID=42\nAUTHLETE_SERVICE_ACCESS_TOKEN=t\nUSERS=${users}\nACCENT_COLOR=red\n`);
    const s = await readWorker({ configPath: path, processEnv: {} });
    expect(s.facts.core.ok ? [] : s.facts.core.issues).toEqual([{ variable: "EDGE_SECRET", path: "EDGE_SECRET", message: "is missing" }]);
    expect(s.facts.page.ok ? [] : s.facts.page.issues).toEqual([
      { variable: "USERS", path: "USERS.0.passwordHash", message: "must be a hash printed by `npm run hash-password`" },
      { variable: "ACCENT_COLOR", path: "ACCENT_COLOR", message: "must be a colour like #1a56db" },
    ]);
    const checks = workerChecks(s.facts);
    expect(find(checks, "worker.users").message).toBe("the Worker refuses USERS.0.passwordHash: must be a hash printed by `npm run hash-password`");
    expect(find(checks, "worker.page").message).toBe("the verification page refuses its variables: ACCENT_COLOR: must be a colour like #1a56db");

    // A message with "; " and ": " of its own stays one issue.
    const provider = JSON.stringify([{ id: "okta", label: "Okta", issuer: "https://example.okta.com", client_id: "abc" }]);
    const oidc = setup(TOML, `AUTHENTICATOR=oidc\nOIDC_PROVIDERS=${provider}\nOIDC_REDIRECT_URI=https://device.example.com/device/callback/{id}\n`);
    const missing = 'OIDC_CLIENT_SECRET_OKTA is missing (a Worker secret; or token_endpoint_auth_method "none" for a public client with PKCE only)';
    const o = await readWorker({ configPath: oidc, processEnv: {} });
    expect(o.facts.page.ok ? [] : o.facts.page.issues).toEqual([{ variable: "OIDC_PROVIDERS", path: "OIDC_PROVIDERS[okta]", message: missing }]);
    expect(find(workerChecks(o.facts), "worker.page").message).toBe(`the verification page refuses its variables: OIDC_PROVIDERS[okta]: ${missing}`);
  });

  it("locally: [vars], then .dev.vars over them, then environment variables for secrets; the Worker's parser decides", async () => {
    const path = setup(TOML, "AUTHLETE_SERVICE_ID=42\nAUTHLETE_SERVICE_ACCESS_TOKEN=from-dev-vars\nEDGE_SECRET=short\nUSER_CODE_LENGTH=6\n");
    const s = await readWorker({ configPath: path, processEnv: { AUTHLETE_SERVICE_ACCESS_TOKEN: "from-env", AUTHLETE_BASE_URL: "https://ignored.example" } });
    expect(s.facts.sources).toMatchObject({
      AUTHLETE_SERVICE_ID: ".dev.vars",
      AUTHLETE_SERVICE_ACCESS_TOKEN: "environment",
      AUTHLETE_BASE_URL: "wrangler.toml",
    });
    expect(s.authlete.credentials["AUTHLETE_SERVICE_ACCESS_TOKEN"]).toBe("from-env");
    // [vars] come from the file: an environment variable of that name is not what the Worker gets.
    expect(s.authlete.baseUrl).toBe("https://us.authlete.com");
    expect(s.facts.core.ok).toBe(false);
    expect(s.facts.core.ok ? [] : s.facts.core.issues).toEqual([
      { variable: "EDGE_SECRET", path: "EDGE_SECRET", message: "must be at least 32 characters (openssl rand -base64 32)" },
    ]);
    // Authlete can still be asked: only the HMAC key was refused.
    expect(s.authlete.usable).toBe(true);
    // USERS missing: the page fails, but the user-code settings are still read with the Worker's parser.
    expect(s.facts.page.ok).toBe(false);
    expect(s.facts.userCode).toEqual({ charset: "NUMERIC", length: 6 });
    expect(s.via).toEqual({ kind: "fetch" });
    expect(s.secrets).toEqual({ AUTHLETE_SERVICE_ID: "set", AUTHLETE_SERVICE_ACCESS_TOKEN: "set", EDGE_SECRET: "set", USERS: "missing" });
  });

  it("built-in users whose names fold to one (demo and DEMO): worker.users ✖ in the Worker's words, before the Worker refuses them", async () => {
    const demo = JSON.parse(readDevVars(root)["USERS"]!)[0];
    const users = JSON.stringify([demo, { ...demo, username: "DEMO" }]);
    const path = setup(TOML, `AUTHLETE_SERVICE_ID=42\nAUTHLETE_SERVICE_ACCESS_TOKEN=t\nEDGE_SECRET=${"e".repeat(40)}\nUSERS=${users}\n`);
    const s = await readWorker({ configPath: path, processEnv: {} });
    const checks = workerChecks(s.facts);
    const c = find(checks, "worker.users");
    expect(c.status).toBe("fail");
    expect(c.message).toBe('the Worker refuses USERS.1.username: "DEMO" appears more than once (as "demo" in USERS.0): sign-in ignores case and width');
    expect(c.fix).toContain("add USERS=… to .dev.vars");
    // The page's other variables parse: USERS is reported once, on its own line.
    expect(find(checks, "worker.page").status).toBe("pass");
  });

  it("an environment: never .dev.vars (deployed secrets are not there), only the environment", async () => {
    const path = setup(TOML, "AUTHLETE_SERVICE_ID=42\nAUTHLETE_SERVICE_ACCESS_TOKEN=local\nEDGE_SECRET=local-local-local-local-local-local\n");
    const s = await readWorker({ configPath: path, envName: "production", processEnv: { EDGE_SECRET: "e".repeat(40) } });
    expect(s.authlete.baseUrl).toBe("https://jp.authlete.com");
    expect(s.secrets).toMatchObject({ AUTHLETE_SERVICE_ID: "missing", AUTHLETE_SERVICE_ACCESS_TOKEN: "missing", EDGE_SECRET: "set" });
    expect(s.facts.kv).toEqual([{ binding: "KV", id: "0123456789abcdef0123456789abcdef" }]);
    expect(s.facts.publicUrl).toEqual({ url: null, source: "none" });
  });

  it("the AUTHLETE service binding to the emulator: the emulator's seed, SEED from the environment winning", async () => {
    const path = setup(`${TOML.split("[env.production.vars]")[0]}[[services]]\nbinding = "AUTHLETE"\nservice = "authlete-emulator"\n`, "");
    expect((await readWorker({ configPath: path, processEnv: {} })).via).toEqual({ kind: "emulator", seed: "default" });
    expect((await readWorker({ configPath: path, processEnv: { SEED: "misconfigured" } })).via).toEqual({ kind: "emulator", seed: "misconfigured" });
    const other = setup(`${TOML.split("[env.production.vars]")[0]}[[services]]\nbinding = "AUTHLETE"\nservice = "something-else"\n`, "");
    expect((await readWorker({ configPath: other, processEnv: {} })).via).toEqual({ kind: "binding", service: "something-else" });
  });
});
