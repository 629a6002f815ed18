// Row 8, dollars per million grants: the counted operations of row 7 (rows/operations.mjs)
// priced with Cloudflare's published prices (lib/prices.mjs), line by line, and how many of
// each scenario the Free plan's daily limits allow. Computed, not measured: it renders only.
import { fmt, table } from "../lib/format.mjs";
import { EMPTY_SQLITE_BYTES, FREE, MONTH_SECONDS, PAID, PAID_CPU_DEFAULT_MS, READ_ON, SOURCES } from "../lib/prices.mjs";
import { summarize } from "./operations.mjs";

/** @typedef {NonNullable<ReturnType<typeof summarize>>} Scenario */

/** What one grant may cost, set when each grant got its Durable Object (from 9 Authlete calls, 16 KV writes and deletes, $115, 76 a day, 121). */
const TARGETS = { tokenCalls: 1, authleteCalls: 4, kvWritesDeletes: 6, dollarsPerMillion: 40, freePerDay: 150, expiredAuthleteCalls: 12 };

/** What one scenario costs per million runs, by line, in dollars (beyond the Paid plan's monthly allowances). @param {Scenario} s */
export function dollars(s) {
  const c = s.counts;
  const k = PAID.kv;
  const d = PAID.durableObjects;
  // Each new budget window ends with its alarm: one more request, and deleteAll's row (deletes are rows written).
  const rpcSeconds = s.doRequests ? s.doWallMs / 1000 / s.doRequests : 0;
  const doSeconds = s.doWallMs / 1000 + s.doAlarms * rpcSeconds;
  const gbMonths = (byteSeconds) => byteSeconds / 1e9 / MONTH_SECONDS;
  /** @type {[string, number][]} */
  const lines = [
    ["Workers requests", s.requests * PAID.workers.requestPerMillion],
    ["Workers CPU", s.cpuMs * PAID.workers.cpuMsPerMillion],
    ["KV reads", s.kv.get * k.readPerMillion],
    ["KV writes, deletes, lists", s.kv.put * k.writePerMillion + s.kv.delete * k.deletePerMillion + s.kv.list * k.listPerMillion],
    ["KV storage", gbMonths(c.kvStoredByteSeconds) * k.storageGbMonth * 1e6],
    ["DO requests", (s.doRequests + s.doAlarms) * d.requestPerMillion],
    ["DO duration", doSeconds * d.memoryGb * d.gbSecondPerMillion],
    ["SQLite rows", c.doRows.read * d.rowReadPerMillion + (c.doRows.written + s.doAlarms) * d.rowWrittenPerMillion],
    ["DO storage", gbMonths(EMPTY_SQLITE_BYTES * c.doAlarmSeconds) * d.storageGbMonth * 1e6],
  ];
  const total = lines.reduce((a, [, v]) => a + v, 0);
  const [topName, topValue] = [...lines].sort((a, b) => b[1] - a[1])[0] ?? ["—", 0];
  return { lines, total, top: { name: topName, value: topValue, share: total ? topValue / total : NaN }, doGbSeconds: doSeconds * d.memoryGb };
}

/** How many runs of a scenario the Free plan's daily limits allow, and which limit stops it first. @param {Scenario} s */
export function freePlan(s) {
  const use = {
    "Workers requests": s.requests,
    "KV reads": s.kv.get,
    "KV writes": s.kv.put,
    "KV deletes": s.kv.delete,
    "KV lists": s.kv.list,
    "Durable Object requests": s.doRequests + s.doAlarms,
    "Durable Object duration (GB-s)": dollars(s).doGbSeconds,
    "SQLite rows read": s.counts.doRows.read,
    "SQLite rows written": s.counts.doRows.written + s.doAlarms,
  };
  let best = { limit: "—", perDay: Infinity };
  for (const [limit, n] of Object.entries(use)) {
    const perDay = n > 0 ? Math.floor(FREE.perDay[/** @type {keyof typeof FREE.perDay} */ (limit)] / n) : Infinity;
    if (perDay < best.perDay) best = { limit, perDay };
  }
  return best;
}

/** Dollars as the table prints them: cents and below shown to the cent's fraction they need. @param {number} v */
const usd = (v) => (!Number.isFinite(v) ? "—" : v === 0 ? "0" : v >= 1 ? `$${fmt(v, 2)}` : v >= 0.01 ? `$${fmt(v, 3)}` : `$${v.toPrecision(1)}`);

/** A unit price as the prices table prints it: $0.30, $12.50, $0.001. @param {number} p */
const price = (p) => `$${p >= 0.01 ? p.toFixed(2) : String(p)}`;

/** @param {import("./operations.mjs").Operations} ops */
export function render(ops) {
  const rows = ops.scenarios.map(summarize).filter((s) => s !== null);
  if (!rows.length) return { present: false };
  const priced = rows.map((s) => ({ s, d: dollars(s), free: freePlan(s) }));
  const names = priced[0]?.d.lines.map(([n]) => n) ?? [];
  const compliant = priced.find((p) => p.s.id === "compliant") ?? priced[0];
  const expired = priced.find((p) => p.s.id === "expired");
  const fast = priced.find((p) => p.s.id === "fast");
  if (!compliant) return { present: false };
  const c = compliant.s.counts;
  const flowWrites = c.kvByPrefix["vflow"]?.put ?? 0;
  const writes = compliant.s.kv.put;
  const kvWriteLine = compliant.d.lines.find(([n]) => n === "KV writes, deletes, lists")?.[1] ?? NaN;
  const doRequestPrice = PAID.durableObjects.requestPerMillion;
  // The guessers' largest lines, as the run priced them.
  const guessers = priced.filter((p) => p.s.id.includes("guesser"));
  const guessersTop = [...new Set(guessers.map((p) => p.d.top.name))];
  const met = (/** @type {boolean} */ ok) => ({ verdict: ok ? "✅ meets" : "❌ misses", missed: !ok });
  const tokenCalls = c.authlete["auth/token"] ?? 0;
  const kvOps = compliant.s.kv.put + compliant.s.kv.delete;
  return {
    present: true,
    // The grant's targets, from exact counts: what a compliant grant approved at 30 s, and a code nobody approves, may cost.
    targets: [
      [
        `compliant grant: at most ${TARGETS.tokenCalls} \`/auth/token\` call and ${TARGETS.authleteCalls} Authlete calls in all (row 7)`,
        met(tokenCalls <= TARGETS.tokenCalls && compliant.s.authlete <= TARGETS.authleteCalls),
        `${tokenCalls} and ${compliant.s.authlete}`,
      ],
      [`compliant grant: at most ${TARGETS.kvWritesDeletes} KV writes and deletes together (row 7)`, met(kvOps <= TARGETS.kvWritesDeletes), `${kvOps}`],
      [
        `compliant grant: at most $${TARGETS.dollarsPerMillion} per million on Workers Paid (row 8)`,
        met(compliant.d.total <= TARGETS.dollarsPerMillion),
        usd(compliant.d.total),
      ],
      [
        `compliant grant: at least ${TARGETS.freePerDay} a day on the Free plan (row 8)`,
        met(compliant.free.perDay >= TARGETS.freePerDay),
        `${fmt(compliant.free.perDay)} (${compliant.free.limit})`,
      ],
      ...(expired
        ? [
            [
              `a code nobody approves: at most ${TARGETS.expiredAuthleteCalls} Authlete calls (row 7)`,
              met(expired.s.authlete <= TARGETS.expiredAuthleteCalls),
              `${expired.s.authlete}`,
            ],
          ]
        : []),
    ],
    kvDominates: compliant.d.top.name.startsWith("KV writes"),
    guessers: guessers.length > 0 && {
      top: guessersTop.join(" / "),
      shares: guessers.map((p) => `${p.s.id} ${fmt(100 * p.d.top.share)} %`).join(", "),
      doRequests: guessers.map((p) => `${p.s.id} ${p.s.doRequests}`).join(", "),
    },
    table: table(
      ["scenario", ...names, "**total**", "largest line", "Authlete calls", "Free plan: runs per day (binding limit)"],
      `l${"r".repeat(names.length + 1)}lrl`,
      priced.map(({ s, d, free }) => [
        s.id,
        ...d.lines.map(([, v]) => usd(v)),
        `**${usd(d.total)}**`,
        `${d.top.name} (${fmt(100 * d.top.share)} %)`,
        s.authlete,
        `${free.perDay === Infinity ? "—" : fmt(free.perDay)} (${free.limit})`,
      ]),
    ),
    prices: table(["", "Workers Paid (beyond the monthly allowance)", "Workers Free (per day)"], "lll", [
      ["Workers requests", `${price(PAID.workers.requestPerMillion)} / million (10 million a month included)`, fmt(FREE.perDay["Workers requests"])],
      ["Workers CPU", `${price(PAID.workers.cpuMsPerMillion)} / million CPU ms (30 million included)`, `${FREE.cpuMsPerRequest} ms per request`],
      ["KV reads", `${price(PAID.kv.readPerMillion)} / million (10 million included)`, fmt(FREE.perDay["KV reads"])],
      ["KV writes, deletes, lists", `${price(PAID.kv.writePerMillion)} / million each (1 million each included)`, `${fmt(FREE.perDay["KV writes"])} each`],
      ["KV storage", `${price(PAID.kv.storageGbMonth)} / GB-month (1 GB included)`, "1 GB"],
      ["DO requests (each RPC call, each alarm)", `${price(doRequestPrice)} / million (1 million included)`, fmt(FREE.perDay["Durable Object requests"])],
      [
        "DO duration",
        `${price(PAID.durableObjects.gbSecondPerMillion)} / million GB-s at ${PAID.durableObjects.memoryGb * 1000} MB (400,000 GB-s included)`,
        `${fmt(FREE.perDay["Durable Object duration (GB-s)"])} GB-s`,
      ],
      [
        "SQLite rows read / written",
        `${price(PAID.durableObjects.rowReadPerMillion)} / ${price(PAID.durableObjects.rowWrittenPerMillion)} per million (25 billion / 50 million included)`,
        `${fmt(FREE.perDay["SQLite rows read"])} / ${fmt(FREE.perDay["SQLite rows written"])}`,
      ],
      ["DO storage", `${price(PAID.durableObjects.storageGbMonth)} / GB-month (5 GB included)`, "5 GB"],
    ]),
    readOn: READ_ON,
    kvWritePrice: fmt(PAID.kv.writePerMillion, 2),
    sources: Object.values(SOURCES)
      .map((u) => `<${u}>`)
      .join(", "),
    paidCpuDefaultS: fmt(PAID_CPU_DEFAULT_MS / 1000),
    emptySqliteKB: fmt(EMPTY_SQLITE_BYTES / 1000),
    minimum: PAID.monthlyMinimum,
    compliant: {
      total: usd(compliant.d.total),
      top: compliant.d.top.name,
      topShare: `${fmt(100 * compliant.d.top.share)} %`,
      topValue: usd(compliant.d.top.value),
      kvWrites: writes,
      kvWriteLine: usd(kvWriteLine),
      flowWrites,
      kvDeletes: compliant.s.kv.delete,
      kvDeletesPlural: compliant.s.kv.delete === 1 ? "" : "s",
      kvWritesDeletes: kvOps,
      polls: tokenCalls,
      freePerDay: compliant.free.perDay === Infinity ? "—" : fmt(compliant.free.perDay),
      freeLimit: compliant.free.limit,
      authlete: compliant.s.authlete,
      // The same writes as Durable Object requests instead, at that price, against what they cost as KV writes.
      asDoRequests: usd(writes * doRequestPrice),
      kvWritesOnly: usd(writes * PAID.kv.writePerMillion),
    },
    expired: expired && { total: usd(expired.d.total), kvWrites: expired.s.kv.put, polls: expired.s.counts.authlete["auth/token"] ?? 0 },
    fast: fast && { total: usd(fast.d.total), authlete: fast.s.authlete, kvWrites: fast.s.kv.put },
  };
}
