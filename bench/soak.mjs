// `npm run soak`: many devices at once against the local server (Worker + emulator in
// workerd via Miniflare, loopback only). Every device is a real openid-client poller; every
// user goes through the real verification page over HTTP (confirm, sign in, approve or
// deny) in random order. Checks that each device gets exactly its own outcome, that no
// approval is lost, and that Authlete saw no more token calls than polling control allows.
// Bounded: SOAK_DEVICES (default 500), SOAK_USERS in parallel (default 16), SOAK_TIMEOUT_S.
//
// It prints the counts and writes them into BENCHMARKS.md (its own section).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import * as oidc from "openid-client";
import { withSoakSection } from "./lib/report-section.mjs";

// The local server the e2e tests use is TypeScript: esbuild compiles it for Node (as the
// bench stack compiles the Workers), so this runs on any Node the project supports and
// type-checks without importing a .ts path. import.meta.url keeps its source location, so
// the module finds the repository root as it does under vitest.
const LOCAL_SERVER = "dist/bench/local-server.mjs";
await build({
  entryPoints: ["test/e2e/local-server.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  define: { "import.meta.url": JSON.stringify(pathToFileURL("test/e2e/local-server.ts").href) },
  outfile: LOCAL_SERVER,
  logLevel: "warning",
});
/** @type {typeof import("../test/e2e/local-server")} */
const { startLocalServer } = await import(pathToFileURL(LOCAL_SERVER).href);

/**
 * One device flow: the device's grant, its user's decision, what the device saw, and how it ended.
 * @typedef {{ i: number, da: oidc.DeviceAuthorizationResponse, decision: "approve" | "deny", polls: number, slowDowns: number,
 *   started: number, ended: number, outcome: Promise<Outcome> | null }} Device
 * @typedef {{ tokens?: Awaited<ReturnType<typeof oidc.pollDeviceAuthorizationGrant>>, error?: unknown }} Outcome
 */

const int = (name, fallback) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
};
const N = int("SOAK_DEVICES", 500);
const USERS = int("SOAK_USERS", 16);
const INTERVAL = int("SOAK_INTERVAL_S", 2);
const TIMEOUT_S = int("SOAK_TIMEOUT_S", 600);
const OUT = process.env.SOAK_OUT ?? "BENCHMARKS.md";
const watchdog = setTimeout(() => {
  console.error(`soak: stopped after SOAK_TIMEOUT_S=${TIMEOUT_S} s`);
  process.exit(2);
}, TIMEOUT_S * 1000);

// A seeded PRNG (mulberry32): the same SOAK_SEED gives the same decisions and order.
let seed = int("SOAK_SEED", 8628);
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

let tokenCallsLogged = 0;
const server = await startLocalServer({
  // One machine plays every device and every user, and every user signs in as `demo`: budgets
  // per address and per user would stop it. A sign-in holds a reservation in the per-user budgets
  // until its password is checked, so 16 people signing in as one user at once would spend a
  // budget of 5 even though none of them fails.
  vars: {
    LIMIT_DEVICE_AUTHORIZATION_PER_IP: "999999/600",
    LIMIT_DEVICE_AUTHORIZATION_PER_CLIENT: "999999/600",
    LIMIT_CODE_ENTRY_FAILURES_PER_IP: "999999/600",
    LIMIT_SIGN_IN_FAILURES_PER_IP: "999999/600",
    LIMIT_SIGN_IN_FAILURES_PER_USER_AND_IP: "999999/600",
    LIMIT_SIGN_IN_FAILURES_PER_USER: "999999/600",
    LIMIT_SIGN_IN_FAILURES_PER_DEVICE: "999999/600",
  },
  onLog: (line) => {
    if (line.includes('"route":"/token"') && line.includes('"authlete":true')) tokenCallsLogged++;
    else if (!line.includes('"level":"info"')) process.stderr.write(`${line}\n`);
  },
});
const origin = server.origin;
const control = async (path, body) => {
  const res = await server.emulator(`/_emulator/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status}`);
};

/** The soak itself; returns early when it cannot go on. */
const soak = async () => {
  await control("service", { deviceFlowPollingInterval: INTERVAL });
  /** @type {Map<string, Device>} */
  const byCode = new Map();
  /** Counts each device's polls and the ones answered at the edge with slow_down. @param {string} url @param {RequestInit} options */
  const countingFetch = async (url, options) => {
    const res = await fetch(url, options);
    if (url.endsWith("/token")) {
      const d = byCode.get(new URLSearchParams(String(options.body)).get("device_code") ?? "");
      if (d) {
        d.polls++;
        if (res.status === 400 && (await res.clone().json()).error === "slow_down") d.slowDowns++;
      }
    }
    return res;
  };
  const config = await oidc.discovery(new URL(origin), "demo-device", undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
    // The WHATWG fetch accepts everything openid-client sends; only the two libraries' typings differ.
    [oidc.customFetch]: /** @type {oidc.CustomFetch} */ (countingFetch),
  });

  const t0 = performance.now();
  // All devices start at once.
  const devices = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const da = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
      /** @type {Device} */
      const d = { i, da, decision: random() < 0.5 ? "approve" : "deny", polls: 0, slowDowns: 0, started: performance.now(), ended: 0, outcome: null };
      byCode.set(da.device_code, d);
      return d;
    }),
  );
  for (const d of devices) {
    d.outcome = oidc.pollDeviceAuthorizationGrant(config, d.da).then(
      (tokens) => {
        d.ended = performance.now();
        return { tokens };
      },
      (error) => {
        d.ended = performance.now();
        return { error };
      },
    );
  }

  // Users, in random order, a few at a time, each through the real page.
  const order = [...devices].sort(() => random() - 0.5);
  let signIn = "";
  const pageOutcomes = { connected: 0, denied: 0, other: 0 };
  /** Where a user's page ended instead of "connected" or "denied". @type {string[]} */
  const strayPages = [];
  const user = async (d) => {
    const jar = new Map();
    if (signIn) jar.set("__Host-device-signin", signIn);
    let csrf = "";
    const go = async (path, form) => {
      const res = await fetch(`${origin}${path}`, {
        method: form ? "POST" : "GET",
        redirect: "manual",
        headers: {
          Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
          ...(form ? { "Content-Type": "application/x-www-form-urlencoded", Origin: origin } : {}),
        },
        body: form ? new URLSearchParams({ csrf, ...form }).toString() : undefined,
      });
      for (const c of res.headers.getSetCookie()) {
        const pair = c.split(";", 1)[0] ?? "";
        const k = pair.slice(0, pair.indexOf("="));
        const v = pair.slice(pair.indexOf("=") + 1);
        if (v) jar.set(k, v);
        else jar.delete(k);
      }
      const html = await res.text();
      csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? csrf;
      return { status: res.status, html };
    };
    // The link fills in the code; the person sends it, then confirms the device.
    await go(`/device?user_code=${d.da.user_code}`);
    await go("/device");
    await go("/device", { user_code: d.da.user_code });
    await go("/device"); // confirm
    await go("/device/confirm", {});
    let page = await go("/device");
    if (page.html.includes('name="password"')) {
      await go("/device/sign-in", { username: "demo", password: "demo" });
      signIn ||= jar.get("__Host-device-signin") ?? "";
      page = await go("/device");
    }
    await go("/device/consent", { action: d.decision });
    page = await go("/device");
    if (page.html.includes("Your device is connected")) pageOutcomes.connected++;
    else if (page.html.includes("Request denied")) pageOutcomes.denied++;
    else {
      pageOutcomes.other++;
      strayPages.push(`device ${d.i} (${d.decision}): ${page.status} "${/<h1[^>]*>([^<]*)</.exec(page.html)?.[1] ?? "no heading"}"`);
    }
  };
  const queue = [...order];
  await Promise.all(
    Array.from({ length: USERS }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await user(d);
    }),
  );
  const usersDone = performance.now();
  // A person whose page went astray never decided: their device would poll until its code
  // expires, so say what the page showed and stop instead of waiting that out.
  if (strayPages.length > 0) {
    console.error(`soak: FAIL: ${strayPages.length} of ${N} users did not end on "connected" or "denied":\n  ${strayPages.slice(0, 10).join("\n  ")}`);
    process.exitCode = 1;
    return;
  }

  // Every device's outcome, checked against what its user decided and what Authlete issued.
  let approvedOk = 0,
    deniedOk = 0,
    wrong = 0,
    lost = 0,
    crossed = 0;
  const tokens = new Set();
  for (const d of devices) {
    // A device whose polling never started counts as lost or wrong, like any other miss.
    const { tokens: t, error } = (await d.outcome) ?? {};
    if (d.decision === "approve") {
      if (!t) {
        lost++;
        continue;
      }
      const state = await (await server.emulator(`/_emulator/state/token/${encodeURIComponent(t.access_token)}`)).json();
      if (state.userCode !== d.da.user_code || tokens.has(t.access_token)) crossed++;
      else approvedOk++;
      tokens.add(t.access_token);
    } else if (error instanceof oidc.ResponseBodyError && error.error === "access_denied") deniedOk++;
    else wrong++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const polls = devices.reduce((n, d) => n + d.polls, 0);
  const slowDowns = devices.reduce((n, d) => n + d.slowDowns, 0);
  // Polling control lets through at most one poll per interval per device, plus the first.
  const bound = devices.reduce((n, d) => n + Math.ceil((d.ended - d.started) / 1000 / INTERVAL) + 1, 0);
  const approvals = devices.filter((d) => d.decision === "approve").length;
  const pass = approvedOk === approvals && deniedOk === N - approvals && wrong === 0 && lost === 0 && crossed === 0 && tokenCallsLogged <= bound;

  const rows = [
    ["devices started at once", N],
    ["users in parallel (through the page)", USERS],
    ["approved → got their own tokens", `${approvedOk} / ${approvals}`],
    ["denied → got access_denied", `${deniedOk} / ${N - approvals}`],
    ["lost approvals", lost],
    ["tokens delivered to the wrong device", crossed],
    ["any other outcome", wrong],
    ['pages ending "connected" / "denied" / other', `${pageOutcomes.connected} / ${pageOutcomes.denied} / ${pageOutcomes.other}`],
    ["token requests sent by the devices", polls],
    ["… answered at the edge with slow_down", slowDowns],
    ["Authlete /auth/token calls (Worker log)", tokenCallsLogged],
    [`polling-control bound (Σ ⌈duration / ${INTERVAL} s⌉ + 1)`, bound],
    ["users done after", `${((usersDone - t0) / 1000).toFixed(1)} s`],
    ["all devices done after", `${seconds.toFixed(1)} s`],
  ];
  const table = rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n");
  console.log(`\n${table}\n\nsoak: ${pass ? "PASS" : "FAIL"}`);
  const section = `## Soak: ${N} concurrent device flows (\`npm run soak\`)

${new Date().toISOString()}, seed ${process.env.SOAK_SEED ?? 8628}, polling interval ${INTERVAL} s. Devices are openid-client pollers
started at once; users approve or deny in random order through the real verification page
(confirm, sign in once per browser, consent). Result: **${pass ? "pass" : "FAIL"}**.

| | |
|---|---|
${table}
`;
  let md = "";
  try {
    md = readFileSync(OUT, "utf8");
  } catch {
    md = "# Benchmarks\n";
  }
  writeFileSync(OUT, withSoakSection(md, section));
  console.log(`Wrote the soak section of ${OUT}.`);
  process.exitCode = pass ? 0 : 1;
};
try {
  await soak();
} finally {
  clearTimeout(watchdog);
  await server.stop();
}
