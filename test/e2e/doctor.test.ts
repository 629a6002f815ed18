// `npm run doctor` end to end: the real script as a child process, against the offline
// emulator it starts itself (default and misconfigured seeds, v3 and v2), against an
// emulator served over HTTP as a deployment's Authlete would be, and against an Authlete
// that is not there or never answers. Output lines, --json and exit codes are the contract.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Miniflare, NoOpLog } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { CHECK_IDS, CLIENT_CHECK_IDS, SERVICE_SETTING_IDS } from "../../scripts/doctor/checks.mjs";
import { SECRETS } from "../../scripts/doctor/worker.mjs";
import { emulatorWorker, root, startMiniflare } from "../../scripts/lib/workers.mjs";

const SCRIPT = join(root, "scripts/doctor.mjs");
const WRANGLER = readFileSync(join(root, "wrangler.toml"), "utf8");
const EXAMPLE = readFileSync(join(root, ".dev.vars.example"), "utf8");
const LOCAL_SECRETS = readDevVars(root);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A wrangler.toml (and .dev.vars next to it) in a directory of its own; returns the toml's path. */
function config(toml: string, devVars?: string) {
  const dir = mkdtempSync(join(tmpdir(), "doctor-"));
  dirs.push(dir);
  writeFileSync(join(dir, "wrangler.toml"), toml);
  if (devVars !== undefined) writeFileSync(join(dir, ".dev.vars"), devVars);
  return join(dir, "wrangler.toml");
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the doctor with only the variables given (the developer's shell must not leak in). */
function doctor(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !SECRETS.includes(k) && !["PUBLIC_URL", "DOCTOR_CLIENT_IDS", "SEED", "PORT"].includes(k)),
  ) as Record<string, string>;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: root, env: { ...clean, WRANGLER_SEND_METRICS: "false", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The report's check lines by id (`client.auth[1002]`): mark, message and the fix under it. */
function lines(stdout: string) {
  const out = new Map<string, { mark: string; message: string; fix?: string }>();
  const rows = stdout.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const m = /^ {2}([✔✖⚠]) (\S+) {2}(.*)$/.exec(rows[i]!);
    if (!m) continue;
    const fix = /^ {6}fix: (.*)$/.exec(rows[i + 1] ?? "")?.[1];
    out.set(m[2]!, { mark: m[1]!, message: m[3]!, ...(fix ? { fix } : {}) });
  }
  return out;
}

const noStack = (r: Run) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
const noSecrets = (r: Run) => {
  for (const name of SECRETS) {
    const value = LOCAL_SECRETS[name];
    if (value) expect(`${r.stdout}${r.stderr}`, name).not.toContain(value);
  }
};

const ALL = [...CHECK_IDS, ...["1001", "1002", "1003"].flatMap((id) => CLIENT_CHECK_IDS.map((check) => `${check}[${id}]`))];

describe("npm run doctor against the local setup (the emulator it starts)", () => {
  it("as the repository stands: every check ✔, exit 0", async () => {
    const r = await doctor([], { SEED: "default" });
    const got = lines(r.stdout);
    expect([...got.keys()]).toEqual(ALL);
    for (const [id, line] of got) expect(line.mark, `${id}: ${line.message}`).toBe("✔");
    expect(got.get("worker.durable-object")?.message).toBe("Durable Object binding BUDGETS → class BudgetCounter");
    expect(got.get("worker.durable-object.grants")?.message).toBe("Durable Object binding GRANTS → class DeviceGrant");
    expect(got.get("worker.durable-object.reported-networks")?.message).toBe("Durable Object binding REPORTED_NETWORKS → class ReportedNetwork");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("the offline emulator (seed default), started for this run");
    noStack(r);
    noSecrets(r);
  });

  it("the summary: 35 passed, nothing skipped, and the clients named in .dev.vars", async () => {
    const r = await doctor(["--config", config(WRANGLER, EXAMPLE)]);
    const got = lines(r.stdout);
    expect([...got.keys()]).toEqual(ALL);
    expect([...got.values()].every((l) => l.mark === "✔")).toBe(true);
    expect(r.stdout).toMatch(/✖ 0 failed {3}⚠ 0 warnings {3}✔ 35 passed {3}– 0 skipped/);
    expect(r.stdout).toContain("clients     1001, 1002, 1003 (DOCTOR_CLIENT_IDS, .dev.vars)");
    expect(r.code).toBe(0);
  });

  it("CLIENT_POLICY against the emulator's service and clients: each entry's client, scopes, lifetimes and DPoP; PROXIMITY_POLICY deprecated", async () => {
    const policy = {
      default: { scopes: ["openid", "profile", "email", "offline_access"] },
      "1001": { tokens: { accessTokenSeconds: 900, refreshTokenSeconds: 3600 }, dpop: "require" },
      "1006": { scopes: ["openid", "tv.purchase", "tv.nonsense"], tokens: { accessTokenSeconds: 1200 } },
      "4242": { oneCodeOnePerson: "block" },
    };
    const devVars = `${EXAMPLE}\nCLIENT_POLICY=${JSON.stringify(policy)}\nPROXIMITY_POLICY={"default":{"crossCountry":"block"}}\n`;
    const r = await doctor(["--config", config(WRANGLER, devVars)], { SEED: "default" });
    const got = lines(r.stdout);
    expect(r.stdout).toContain("\nPolicy (CLIENT_POLICY)\n");
    expect(got.get("worker.policy")).toEqual({ mark: "✔", message: "CLIENT_POLICY parses: a default entry and clients 1001, 1006, 4242" });
    expect(got.get("worker.proximity-policy")?.mark).toBe("⚠");
    expect(got.get("worker.proximity-policy")?.fix).toContain(
      `"default":{"scopes":["openid","profile","email","offline_access"],"proximity":{"crossCountry":"block"}}`,
    );
    // The clients the policy names are read, whether or not DOCTOR_CLIENT_IDS names them.
    expect(got.get("policy.client[1006]")).toEqual({ mark: "✔", message: 'client 1006 "Demo Kiosk (requestable scopes, short tokens)": its entry applies' });
    expect(got.get("policy.client[4242]")?.mark).toBe("⚠");
    expect(got.get("policy.client[4242]")?.message).toContain("CLIENT_POLICY names client 4242, which the service does not have");
    expect(got.get("policy.scopes[default]")?.mark).toBe("✔");
    expect(got.get("policy.scopes[1006]")?.message).toBe(
      "scopes openid tv.purchase tv.nonsense: tv.nonsense: not among the service's supportedScopes, so no device can be granted it; tv.purchase: the client may not request it (its requestable scopes: openid, profile, tv.watch)",
    );
    expect(got.get("policy.tokens[1001]")?.message).toContain(
      "the refresh lifetime bounds only the first refresh token: a refresh issues one with a fresh 86400 s",
    );
    expect(got.get("policy.tokens[1006]")?.message).toContain("tokens.accessTokenSeconds 1200 s is longer than the client's 600 s");
    expect(got.get("policy.dpop[1001]")).toEqual({ mark: "✔", message: "dpop require: the service verifies DPoP proofs (ES256, RS256, PS256)" });
    // Warnings only: exit 0.
    expect(r.code).toBe(0);
    noStack(r);
    noSecrets(r);
  });

  it("the misconfigured seed: each planted mistake is reported with its fix, the controls pass, exit 1", async () => {
    const r = await doctor(["--config", config(WRANGLER, EXAMPLE)], { SEED: "misconfigured" });
    const got = lines(r.stdout);
    const o = "http://127.0.0.1:8787";
    // emulator/README.md, "Seeds": field → bad value, one check each.
    const planted: Record<string, [string, string, string]> = {
      "service.device-code-grant": ["✖", "DEVICE_CODE is not among the service's supportedGrantTypes", "enable DEVICE_CODE"],
      "discovery.device-authorization-endpoint": [
        "✖",
        "https://other-host.example/device_authorization",
        `(deviceAuthorizationEndpoint) to ${o}/device_authorization`,
      ],
      "service.verification-uri": ["✖", `${o}/activate`, `(deviceVerificationUri) to ${o}/device`],
      "service.verification-uri-complete": ["✖", "has no USER_CODE placeholder", `(deviceVerificationUriComplete) to ${o}/device?user_code=USER_CODE`],
      "service.user-code-charset": ["✖", "the service makes NUMERIC codes, the page accepts BASE20", "userCodeCharset) to BASE20"],
      "service.user-code-length": ["✖", "the service makes 6-character codes, the page accepts 8", "userCodeLength) to 8"],
      "service.code-duration": ["✖", "deviceFlowCodeDuration 30 s is below KV's 60 s minimum TTL", "deviceFlowCodeDuration) to 600"],
      "service.polling-interval": ["✖", "120 s is above POLL_MAX_INTERVAL_SECONDS (60 s)", "deviceFlowPollingInterval) to 5"],
      "discovery.issuer": ["✖", "https://issuer.elsewhere.example", `(issuer) to ${o}`],
      "discovery.token-endpoint": ["✖", "https://other-host.example/oauth/token", `(tokenEndpoint) to ${o}/token`],
      "discovery.revocation-endpoint": ["✖", `${o}/oauth/revoke`, `(revocationEndpoint) to ${o}/revoke`],
      "discovery.jwks-uri": ["✖", `${o}/.well-known/jwks.json`, `(jwksUri) to ${o}/jwks`],
      "client.device-code-grant[1001]": ["✖", "lacks the DEVICE_CODE grant", "add DEVICE_CODE to the client's Grant Types"],
      "client.auth[1002]": ["⚠", "a CONFIDENTIAL client with NONE", "CLIENT_SECRET_BASIC"],
      "client.auth[1003]": ["⚠", "a PUBLIC client told to authenticate with CLIENT_SECRET_POST", "to NONE"],
    };
    expect([...got.keys()]).toEqual(ALL);
    for (const [id, line] of got) {
      const want = planted[id];
      if (want) {
        expect(line.mark, id).toBe(want[0]);
        expect(line.message, id).toContain(want[1]);
        expect(line.fix, id).toContain(want[2]);
      } else {
        expect(line.mark, `${id}: ${line.message}`).toBe("✔");
      }
    }
    expect(r.stdout).toMatch(/✖ 13 failed {3}⚠ 2 warnings {3}✔ 20 passed {3}– 0 skipped/);
    expect(r.code).toBe(1);
  });

  it("--json: one document on stdout; each check with id, status, message and a fix when it is not ✔; secrets only as set or missing", async () => {
    const r = await doctor(["--json", "--config", config(WRANGLER, EXAMPLE)], { SEED: "misconfigured" });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(["ok", "environment", "config", "publicUrl", "authlete", "secrets", "clients", "counts", "checks"]);
    expect(report).toMatchObject({
      ok: false,
      environment: "local",
      publicUrl: "http://127.0.0.1:8787",
      authlete: { version: 3, baseUrl: "http://authlete-emulator", via: "emulator", seed: "misconfigured" },
      secrets: { AUTHLETE_SERVICE_ID: "set", AUTHLETE_SERVICE_ACCESS_TOKEN: "set", EDGE_SECRET: "set", USERS: "set" },
      clients: ["1001", "1002", "1003"],
      counts: { pass: 20, fail: 13, warn: 2, skip: 0 },
    });
    for (const c of report.checks) {
      expect(["pass", "fail", "warn", "skip"]).toContain(c.status);
      expect(typeof c.id).toBe("string");
      expect(typeof c.message).toBe("string");
      if (c.status === "fail" || c.status === "warn") expect(typeof c.fix).toBe("string");
    }
    expect(report.checks.find((c: { id: string; target?: string }) => c.id === "client.auth" && c.target === "1002")).toMatchObject({ status: "warn" });
    noSecrets(r);
  });

  it("refused credentials: one ✖ line saying so, the rest skipped, exit 1, no stack trace, no secret", async () => {
    const r = await doctor(["--config", config(WRANGLER, EXAMPLE)], { AUTHLETE_SERVICE_ACCESS_TOKEN: "not-the-service-token" });
    const got = lines(r.stdout);
    expect(got.get("authlete.connection")?.mark).toBe("✖");
    expect(got.get("authlete.connection")?.message).toMatch(/^Authlete refused the Worker's credentials: HTTP 401 A001203/);
    expect(got.get("authlete.connection")?.fix).toContain("AUTHLETE_SERVICE_ACCESS_TOKEN");
    expect([...got.values()].filter((l) => l.mark === "✖")).toHaveLength(1);
    expect(r.stdout).toContain("  – authlete.service  skipped: needs an answer from Authlete (authlete.connection)");
    expect(r.stdout).toMatch(/– skipped, needs an answer from Authlete \(authlete\.connection\): client\.found\[1001\], .*client\.auth\[1003\]\n/);
    expect(r.stdout).not.toContain("not-the-service-token");
    expect(r.code).toBe(1);
    noStack(r);
  });
});

describe("npm run doctor on Authlete 2.x (the emulator's v2 paths)", () => {
  const v2 = WRANGLER.replace('AUTHLETE_API_VERSION = "3"', 'AUTHLETE_API_VERSION = "2"');

  it("with the service owner's pair: service/get is read and every check ✔", async () => {
    const r = await doctor(["--config", config(v2, EXAMPLE)]);
    const got = lines(r.stdout);
    expect([...got.keys()]).toEqual(ALL);
    expect([...got.values()].every((l) => l.mark === "✔")).toBe(true);
    expect(r.stdout).toContain("2.x at http://authlete-emulator");
    expect(r.code).toBe(0);
  });

  it("without it: the checks that need service/get are listed as skipped, not failed; exit 0", async () => {
    const devVars = EXAMPLE.split("\n")
      .filter((l) => !l.startsWith("AUTHLETE_SERVICE_OWNER_"))
      .join("\n");
    const r = await doctor(["--config", config(v2, devVars)]);
    expect(r.stdout).toContain(
      "  – authlete.service  skipped: Authlete 2.x reads the service with the service owner's key and secret: set AUTHLETE_SERVICE_OWNER_API_KEY and AUTHLETE_SERVICE_OWNER_API_SECRET (doctor only)",
    );
    expect(r.stdout).toContain(`  – skipped, needs service/get (authlete.service): ${SERVICE_SETTING_IDS.join(", ")}\n`);
    const got = lines(r.stdout);
    // Discovery and the clients need only the service's own key and secret.
    for (const id of ["service.device-code-grant", "discovery.issuer", "discovery.jwks-uri", "client.found[1001]", "client.auth[1003]"])
      expect(got.get(id)?.mark, id).toBe("✔");
    expect(r.code).toBe(0);
  });

  it("with a wrong owner secret: authlete.service ✖ naming the owner's pair", async () => {
    const r = await doctor(["--config", config(v2, EXAMPLE)], { AUTHLETE_SERVICE_OWNER_API_SECRET: "wrong-owner-secret" });
    const got = lines(r.stdout);
    expect(got.get("authlete.service")?.mark).toBe("✖");
    expect(got.get("authlete.service")?.fix).toContain("the service owner's pair, not the service's");
    expect(r.code).toBe(1);
  });
});

describe("npm run doctor against a deployment's Authlete over HTTP", () => {
  const PUBLIC = "https://device.example.com";
  let mf: Miniflare;
  let authleteUrl: string;
  let silent: Server;
  let silentUrl: string;
  let closedUrl: string;

  beforeAll(async () => {
    // The emulator on a real port, its URLs naming the public host: what a deployed Worker's Authlete looks like.
    mf = startMiniflare({ host: "127.0.0.1", port: 0, log: new NoOpLog(), cf: { country: "JP" }, workers: [await emulatorWorker({ publicUrl: PUBLIC })] });
    authleteUrl = (await mf.ready).origin;
    // Accepts connections and never answers.
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    closedUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((r) => closed.close(r));
  });
  afterAll(async () => {
    await mf?.dispose();
    silent?.close();
  });

  /** The repository's [env.production], its KV id filled in and its Authlete at `base`. */
  const production = (base: string, timeoutMs = "5000") => {
    const at = WRANGLER.indexOf("\n[env.production]\n");
    const env = WRANGLER.slice(at)
      .replace('AUTHLETE_BASE_URL = "https://us.authlete.com"', `AUTHLETE_BASE_URL = "${base}"`)
      .replace('AUTHLETE_TIMEOUT_MS = "5000"', `AUTHLETE_TIMEOUT_MS = "${timeoutMs}"`)
      .replace('id = "00000000000000000000000000000000"', 'id = "0123456789abcdef0123456789abcdef"');
    return WRANGLER.slice(0, at) + env;
  };
  const productionSecrets = {
    AUTHLETE_SERVICE_ID: LOCAL_SECRETS["AUTHLETE_SERVICE_ID"]!,
    AUTHLETE_SERVICE_ACCESS_TOKEN: LOCAL_SECRETS["AUTHLETE_SERVICE_ACCESS_TOKEN"]!,
    EDGE_SECRET: "a-production-secret-of-at-least-32-characters",
    USERS: LOCAL_SECRETS["USERS"]!,
  };

  it("--env production with the secrets in the environment: every check ✔ and exit 0; .dev.vars is not read", async () => {
    // A .dev.vars with wrong values next to the file: a deployment's secrets are never there.
    const path = config(production(authleteUrl), "AUTHLETE_SERVICE_ACCESS_TOKEN=wrong\nEDGE_SECRET=short\n");
    const r = await doctor(["--env", "production", "--config", path, "--public-url", PUBLIC, "--client", "1001", "--client", "1002,1003"], productionSecrets);
    const got = lines(r.stdout);
    expect([...got.keys()]).toEqual(ALL);
    expect([...got.entries()].filter(([, l]) => l.mark !== "✔")).toEqual([]);
    expect(got.get("worker.edge-secret")?.message).toBe("EDGE_SECRET set (environment)");
    expect(got.get("worker.kv")?.message).toBe("KV namespace binding KV → 0123456789abcdef0123456789abcdef");
    expect(r.code).toBe(0);
  });

  it("--env production as the repository has it, nothing passed: the placeholder KV id, each missing secret and the public URL, with fixes; Authlete not asked", async () => {
    const r = await doctor(["--env", "production"]);
    const got = lines(r.stdout);
    expect(got.get("worker.kv")).toEqual({
      mark: "✖",
      message: "KV namespace id 00000000000000000000000000000000 is the placeholder",
      fix: "run npx wrangler kv namespace create device-flow-edge and put the printed id into [[env.production.kv_namespaces]] in wrangler.toml",
    });
    expect(got.get("worker.authlete-credentials")?.fix).toContain("npx wrangler secret put AUTHLETE_SERVICE_ACCESS_TOKEN --env production");
    expect(got.get("worker.edge-secret")?.fix).toContain("openssl rand -base64 32 | npx wrangler secret put EDGE_SECRET --env production");
    expect(got.get("worker.users")?.fix).toContain("npm run hash-password, then npx wrangler secret put USERS --env production");
    expect(got.get("worker.public-url")?.fix).toContain("--public-url https://<your host>");
    expect(r.stdout).toContain("– skipped, needs the Authlete credentials (worker.authlete-credentials): authlete.connection, authlete.service");
    expect(r.stdout).toContain("– client.found  skipped: no client IDs: pass --client <id>");
    expect(r.code).toBe(1);
  });

  it("unreachable Authlete: one clear ✖ line, exit 1, no stack trace", async () => {
    const path = config(production(closedUrl));
    const r = await doctor(["--env", "production", "--config", path, "--public-url", PUBLIC], productionSecrets);
    expect(lines(r.stdout).get("authlete.connection")).toEqual({
      mark: "✖",
      message: `cannot reach Authlete at ${closedUrl}: connection refused (ECONNREFUSED)`,
      fix: "check AUTHLETE_BASE_URL and this machine's network",
    });
    expect(r.code).toBe(1);
    noStack(r);
  });

  it("an Authlete that never answers: ✖ after AUTHLETE_TIMEOUT_MS", async () => {
    const path = config(production(silentUrl, "300"));
    const started = Date.now();
    const r = await doctor(["--env", "production", "--config", path, "--public-url", PUBLIC], productionSecrets);
    expect(lines(r.stdout).get("authlete.connection")?.message).toBe(`cannot reach Authlete at ${silentUrl}: no answer within 300 ms (AUTHLETE_TIMEOUT_MS)`);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(1);
  });
});

describe("npm run doctor usage", () => {
  it("--help: the usage on stdout, exit 0", async () => {
    const r = await doctor(["--help"]);
    expect(r.stdout).toMatch(/^Usage: npm run doctor -- \[options\]/);
    expect(r.stdout).toContain("Exit codes: 0 nothing failed (only ✔ and ⚠), 1 a check failed (✖), 2 bad usage.");
    expect(r.code).toBe(0);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--env", "staging"], 'No environment found in configuration with name "staging"'],
    [["--public-url", "https://device.example.com/app"], "must be an http(s) origin"],
    [["--client", ""], "--client needs a client ID"],
    [["--config", "missing/wrangler.toml"], "cannot read missing/wrangler.toml"],
  ])("%j: one line saying why, exit 2", async (args, message) => {
    const r = await doctor(args);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(2);
    noStack(r);
  });
});
