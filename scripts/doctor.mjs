#!/usr/bin/env node
// `npm run doctor`: checks one environment's Authlete service and device clients against
// this Worker's configuration, before a device ever polls. A Node script outside the Worker
// bundle: it reads the configuration as the Worker gets it (scripts/doctor/worker.mjs), asks
// Authlete (scripts/doctor/authlete.mjs) and compares (scripts/doctor/checks.mjs).
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { authleteChecks, count, originOf, splitIds, workerChecks } from "./doctor/checks.mjs";

export const EXIT = { ok: 0, failed: 1, usage: 2 };

const USAGE = `Usage: npm run doctor -- [options]

Checks an environment's Authlete service and device clients against this Worker's
configuration. Locally (the top level of wrangler.toml, what npm start runs) it starts the
offline emulator itself; npm start need not be running.

  --env NAME         an [env.NAME] section of wrangler.toml (default: the top level)
  --public-url URL   the origin the Worker is served at, e.g. https://device.example.com
                     (default: PUBLIC_URL; locally http://127.0.0.1:8787, or PORT)
  --client ID        a device client's numeric ID (repeatable; default: DOCTOR_CLIENT_IDS)
  --config FILE      the wrangler configuration (default: wrangler.toml)
  --json             print one JSON report on stdout
  -h, --help         this text

Secrets come from .dev.vars locally and from environment variables, which win. Deployed
secrets cannot be read back, so for an environment pass them as environment variables:
AUTHLETE_SERVICE_ID and AUTHLETE_SERVICE_ACCESS_TOKEN (3.0) or AUTHLETE_SERVICE_API_KEY and
AUTHLETE_SERVICE_API_SECRET (2.x), EDGE_SECRET (and EDGE_SECRET_PREVIOUS during a rotation),
USERS. Authlete 2.x reads the service with
the service owner's pair, AUTHLETE_SERVICE_OWNER_API_KEY and AUTHLETE_SERVICE_OWNER_API_SECRET
(doctor only; never put them in the Worker). No secret value is ever printed.

Exit codes: 0 nothing failed (only ✔ and ⚠), 1 a check failed (✖), 2 bad usage.`;

const MARK = { pass: "✔", fail: "✖", warn: "⚠", skip: "–" };
const SECTIONS = [
  { title: "Worker", prefix: ["worker."] },
  { title: "Authlete", prefix: ["authlete."] },
  { title: "Service and discovery", prefix: ["service.", "discovery."] },
  { title: "Clients", prefix: ["client."] },
  { title: "OpenID providers (AUTHENTICATOR=oidc)", prefix: ["provider."] },
  { title: "Policy (CLIENT_POLICY)", prefix: ["policy."] },
];

/** The section a check is reported under; every check id has one (test/e2e/doctor-checks.test.ts holds the lists to it). */
export const sectionOf = (/** @type {string} */ id) => SECTIONS.find((s) => s.prefix.some((p) => id.startsWith(p)))?.title ?? null;

/** @param {import("./doctor/checks.mjs").Check} c */
const label = (c) => (c.target ? `${c.id}[${c.target}]` : c.id);

/**
 * The report as text: a heading, one line per check (skips with the same reason folded into
 * one line) and a fix under each ✖ and ⚠.
 * @param {{ checks: import("./doctor/checks.mjs").Check[], heading: string[] }} report
 */
export function renderText({ checks, heading }) {
  const lines = [...heading];
  for (const section of SECTIONS) {
    const mine = checks.filter((c) => sectionOf(c.id) === section.title);
    if (!mine.length) continue;
    lines.push("", section.title);
    for (let i = 0; i < mine.length; i++) {
      const c = mine[i];
      if (!c) continue;
      if (c.status === "skip") {
        const same = [c];
        while (mine[i + 1]?.status === "skip" && mine[i + 1]?.message === c.message) same.push(/** @type {any} */ (mine[++i]));
        lines.push(
          same.length > 1 ? `  ${MARK.skip} skipped, ${c.message}: ${same.map(label).join(", ")}` : `  ${MARK.skip} ${label(c)}  skipped: ${c.message}`,
        );
        continue;
      }
      lines.push(`  ${MARK[c.status]} ${label(c)}  ${c.message}`);
      if (c.fix && c.status !== "pass") lines.push(`      fix: ${c.fix}`);
    }
  }
  const n = count(checks);
  lines.push("", `${MARK.fail} ${n.fail} failed   ${MARK.warn} ${n.warn} warnings   ${MARK.pass} ${n.pass} passed   ${MARK.skip} ${n.skip} skipped`);
  return `${lines.join("\n")}\n`;
}

class UsageError extends Error {}

/** @param {string[]} argv */
function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        env: { type: "string" },
        "public-url": { type: "string" },
        client: { type: "string", multiple: true },
        config: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.env !== undefined && !/^[\w-]+$/.test(values.env)) throw new UsageError(`--env ${values.env}: not an environment name`);
  if (values["public-url"] !== undefined && originOf(values["public-url"]) === null) {
    throw new UsageError(`--public-url ${values["public-url"]}: must be an http(s) origin such as https://device.example.com (no path)`);
  }
  const clients = (values.client ?? []).flatMap(splitIds);
  if (values.client && clients.length === 0) throw new UsageError("--client needs a client ID");
  return { ...values, clients };
}

/**
 * The whole command as a function, so tests can run it with their own streams and environment.
 * @param {string[]} argv
 * @param {{ stdout?: NodeJS.WritableStream, stderr?: NodeJS.WritableStream, env?: NodeJS.ProcessEnv }} [io]
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const processEnv = io.env ?? process.env;
  let args;
  try {
    args = parse(argv);
  } catch (err) {
    stderr.write(`doctor: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }

  // wrangler, esbuild and Miniflare take a moment to load: not for --help or a usage error.
  const [{ readWorker, SECRETS, WranglerConfigError }, { openTransport, readAuthlete, redact }] = await Promise.all([
    import("./doctor/worker.mjs"),
    import("./doctor/authlete.mjs"),
  ]);
  const configPath = resolve(args.config ?? "wrangler.toml");
  let setup;
  try {
    setup = await readWorker({ configPath, envName: args.env, publicUrl: args["public-url"], clients: args.clients, processEnv });
  } catch (err) {
    if (!(err instanceof WranglerConfigError)) throw err;
    // wrangler's words for a missing file or an unknown environment: a usage error, without its stack.
    const lines = err.message.split("\n").map((l) => l.trim());
    const message = lines.find((l) => l.startsWith("- "))?.slice(2) ?? lines.find(Boolean) ?? "";
    stderr.write(`doctor: cannot read ${args.config ?? "wrangler.toml"}${args.env ? ` for --env ${args.env}` : ""}: ${message}\n`);
    return EXIT.usage;
  }

  const w = setup.facts;
  const checks = workerChecks(w);
  let transport;
  try {
    transport = await openTransport(setup);
  } catch (err) {
    // Only the local emulator is started here (workerd); fetch itself cannot fail to open.
    stderr.write(`doctor: could not start the offline emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
  try {
    const facts = await readAuthlete(setup, transport.transport);
    checks.push(...authleteChecks(w, facts, { baseUrl: setup.authlete.baseUrl, version: setup.authlete.version }));
  } finally {
    await transport.close().catch(() => {});
  }

  // Nothing Authlete says may carry a secret into the report.
  const secretValues = SECRETS.map((k) => w.vars[k]).filter((v) => typeof v === "string");
  const safe = checks.map((c) => ({
    ...c,
    message: redact(c.message, /** @type {string[]} */ (secretValues)),
    ...(c.fix ? { fix: redact(c.fix, /** @type {string[]} */ (secretValues)) } : {}),
  }));
  const n = count(safe);
  const environment = args.env ?? "local";
  const via = setup.via.kind === "emulator" ? "emulator" : setup.via.kind === "fetch" ? "fetch" : "binding";

  if (args.json) {
    const report = {
      ok: n.fail === 0,
      environment,
      config: setup.configPath,
      publicUrl: w.publicUrl.url,
      authlete: {
        version: setup.authlete.version,
        baseUrl: setup.authlete.baseUrl,
        via,
        ...(setup.via.kind === "emulator" ? { seed: setup.via.seed } : {}),
      },
      secrets: setup.secrets,
      clients: setup.clients.ids,
      counts: n,
      checks: safe,
    };
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const a = setup.authlete;
    const where = setup.via.kind === "emulator" ? `: the offline emulator (seed ${setup.via.seed}), started for this run` : "";
    const heading = [
      `device-flow-edge doctor: environment ${environment} (${args.env ? `[env.${args.env}]` : "top level"} of ${setup.configPath})`,
      `  Authlete    ${a.version === 3 ? "3.0" : a.version === 2 ? "2.x" : "?"} at ${a.baseUrl || "?"}${where}`,
      `  public URL  ${w.publicUrl.url ?? "none"}${w.publicUrl.url ? ` (${w.publicUrl.source})` : ""}`,
      `  clients     ${setup.clients.ids.length ? `${setup.clients.ids.join(", ")} (${setup.clients.source})` : "none"}`,
    ];
    stdout.write(renderText({ checks: safe, heading }));
  }
  return n.fail === 0 ? EXIT.ok : EXIT.failed;
}

const invoked = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invoked) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`doctor: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
