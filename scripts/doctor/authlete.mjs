// Authlete's read APIs as the doctor calls them (docs/authlete-api.md §7.2, §13): over fetch
// with the Worker's timeout, or, when the configuration sends Authlete calls through the
// AUTHLETE service binding to the offline emulator, to that emulator started here in
// Miniflare with the same script and seed and the public origin as its PUBLIC_URL.
import { NoOpLog } from "miniflare";
import { CREDENTIALS } from "../../src/config/credentials.mjs";
import { emulatorWorker, startMiniflare } from "../lib/workers.mjs";

/**
 * @typedef {import("./checks.mjs").Reply} Reply
 * @typedef {(url: string, init: { headers: Record<string, string> }) => Promise<{ status: number, text(): Promise<string> }>} Transport
 */

/** Words for the network errors an operator meets; anything else is shown as Node gives it. */
const NETWORK = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "name lookup failed",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** @param {unknown} err */
function networkReason(err) {
  const cause = /** @type {any} */ (err)?.cause ?? err;
  const code = typeof cause?.code === "string" ? cause.code : "";
  if (code in NETWORK) return `${NETWORK[/** @type {keyof typeof NETWORK} */ (code)]} (${code})`;
  if (code.startsWith("CERT_") || code.includes("CERT") || code.includes("SSL")) return `TLS certificate problem (${code})`;
  return String(cause?.message ?? err);
}

/**
 * One GET with a deadline, turned into a Reply. Never throws.
 * @param {Transport} transport @param {string} url @param {string} authorization @param {number} timeoutMs
 * @returns {Promise<Reply>}
 */
export async function get(transport, url, authorization, timeoutMs) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const answer = (async () => {
      const res = await transport(url, { headers: { Authorization: authorization, Accept: "application/json" } });
      return { status: res.status, text: await res.text() };
    })();
    const got = await Promise.race([answer, deadline]);
    if (got === null) {
      answer.catch(() => {});
      return { kind: "timeout", ms: timeoutMs };
    }
    const { status, text } = /** @type {{ status: number, text: string }} */ (got);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: "not-json", status };
    }
    if (status >= 200 && status < 300) return { kind: "ok", status, body };
    return {
      kind: "http",
      status,
      ...(typeof body?.resultCode === "string" ? { resultCode: body.resultCode } : {}),
      ...(typeof body?.resultMessage === "string" ? { resultMessage: body.resultMessage } : {}),
    };
  } catch (err) {
    if (/** @type {any} */ (err)?.name === "TimeoutError") return { kind: "timeout", ms: timeoutMs };
    return { kind: "unreachable", reason: networkReason(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** @param {string} user @param {string} pass */
const basic = (user, pass) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

/**
 * The transport for this setup, and how to release it.
 * @param {import("./worker.mjs").WorkerSetup} setup
 * @returns {Promise<{ transport: Transport, close(): Promise<void> }>}
 */
export async function openTransport(setup) {
  if (setup.via.kind !== "emulator") {
    return { transport: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(setup.authlete.timeoutMs) }), close: async () => {} };
  }
  const worker = await emulatorWorker({ publicUrl: setup.facts.publicUrl.url ?? undefined, seed: setup.via.seed });
  const mf = startMiniflare({
    host: "127.0.0.1",
    log: new NoOpLog(),
    // Its log lines would mix with the report (or break --json); the report says what matters.
    handleStructuredLogs: () => {},
    // An explicit cf object: Miniflare would otherwise try to download one.
    cf: { country: "JP", colo: "NRT" },
    workers: [worker],
  });
  await mf.ready;
  return {
    transport: async (url, init) => /** @type {any} */ (await mf.dispatchFetch(url, init)),
    close: () => mf.dispose(),
  };
}

/**
 * Reads what the checks compare: discovery (with the Worker's credentials), the service
 * (v3: the same token; v2: the service owner's pair, when given) and each client.
 * @param {import("./worker.mjs").WorkerSetup} setup
 * @param {Transport} transport
 * @returns {Promise<import("./checks.mjs").AuthleteFacts>}
 */
export async function readAuthlete(setup, transport) {
  const { version, baseUrl, timeoutMs, credentials: c } = setup.authlete;
  const ids = setup.clients.ids;
  const policyIds = setup.clients.policyIds ?? [];
  /** @param {string} reason @returns {import("./checks.mjs").AuthleteFacts} */
  const skipped = (reason) => ({
    discovery: { kind: "skipped", reason },
    service: { kind: "skipped", reason },
    clients: ids.map((id) => ({ id, reply: /** @type {Reply} */ ({ kind: "skipped", reason }) })),
    policyClients: policyIds.map((id) => ({ id, reply: /** @type {Reply} */ ({ kind: "skipped", reason }) })),
  });
  if (!setup.authlete.usable || version === null) {
    const missing = version !== null && CREDENTIALS[version].some((k) => !setup.authlete.credentials[k]);
    return skipped(missing ? "needs the Authlete credentials (worker.authlete-credentials)" : "needs a configuration the Worker accepts (worker.config)");
  }
  if (setup.via.kind === "binding")
    return skipped(`Authlete calls go through the AUTHLETE service binding to "${setup.via.service}", which only the emulator can stand in for`);

  const prefix = version === 3 ? `${baseUrl}/api/${c["AUTHLETE_SERVICE_ID"]}` : `${baseUrl}/api`;
  const auth =
    version === 3 ? `Bearer ${c["AUTHLETE_SERVICE_ACCESS_TOKEN"]}` : basic(c["AUTHLETE_SERVICE_API_KEY"] ?? "", c["AUTHLETE_SERVICE_API_SECRET"] ?? "");

  const discovery = await get(transport, `${prefix}/service/configuration`, auth, timeoutMs);
  if (discovery.kind !== "ok") {
    const reason = "needs an answer from Authlete (authlete.connection)";
    return { ...skipped(reason), discovery };
  }

  /** @type {Promise<Reply>} */
  let service;
  if (version === 3) {
    service = get(transport, `${prefix}/service/get`, auth, timeoutMs);
  } else if (c["AUTHLETE_SERVICE_OWNER_API_KEY"] && c["AUTHLETE_SERVICE_OWNER_API_SECRET"]) {
    const apiKey = encodeURIComponent(c["AUTHLETE_SERVICE_API_KEY"] ?? "");
    service = get(
      transport,
      `${baseUrl}/api/service/get/${apiKey}`,
      basic(c["AUTHLETE_SERVICE_OWNER_API_KEY"], c["AUTHLETE_SERVICE_OWNER_API_SECRET"]),
      timeoutMs,
    );
  } else {
    service = Promise.resolve({
      kind: "skipped",
      reason:
        "Authlete 2.x reads the service with the service owner's key and secret: set AUTHLETE_SERVICE_OWNER_API_KEY and AUTHLETE_SERVICE_OWNER_API_SECRET (doctor only)",
    });
  }
  /** @param {string[]} list */
  const read = (list) =>
    Promise.all(list.map(async (id) => ({ id, reply: await get(transport, `${prefix}/client/get/${encodeURIComponent(id)}`, auth, timeoutMs) })));
  const [clients, policyClients] = await Promise.all([read(ids), read(policyIds)]);
  return { discovery, service: await service, clients, policyClients };
}

/**
 * Replaces every secret value in a text from Authlete (a resultMessage) with "***", so an
 * echo of a credential can never reach the report.
 * @param {string} text @param {string[]} secrets
 */
export function redact(text, secrets) {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("***");
  return out;
}
