// Cloudflare's published prices and Free-plan limits, as the dollars row (bench/rows/costs.mjs)
// uses them. Read by hand from Cloudflare's documentation on the date below; nothing here is
// measured. When Cloudflare changes a price, change it here, with the date you read it.

/** The day these were read from the pages below. */
export const READ_ON = "2026-12-02";

export const SOURCES = {
  workers: "https://developers.cloudflare.com/workers/platform/pricing/",
  workersLimits: "https://developers.cloudflare.com/workers/platform/limits/",
  cpuDefault: "https://developers.cloudflare.com/changelog/2025-03-25-higher-cpu-limits/",
  kv: "https://developers.cloudflare.com/kv/platform/pricing/",
  durableObjects: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
  durableObjectsFaq: "https://developers.cloudflare.com/durable-objects/reference/faq/",
};

/**
 * Workers Paid (Standard usage model): the dollars beyond the monthly allowances, per unit.
 * Subrequests (to Authlete, to an OpenID provider) are not billed.
 */
export const PAID = {
  monthlyMinimum: 5,
  workers: { requestPerMillion: 0.3, cpuMsPerMillion: 0.02, included: { requests: 10_000_000, cpuMs: 30_000_000 } },
  kv: {
    readPerMillion: 0.5,
    writePerMillion: 5,
    deletePerMillion: 5,
    listPerMillion: 5,
    storageGbMonth: 0.5,
    included: { reads: 10_000_000, writes: 1_000_000, deletes: 1_000_000, lists: 1_000_000, storageGb: 1 },
  },
  durableObjects: {
    /** HTTP requests, RPC sessions (every RPC method call on a stub is one) and alarm invocations. */
    requestPerMillion: 0.15,
    /** Wall-clock time while active, at 128 MB whatever the object uses. */
    gbSecondPerMillion: 12.5,
    memoryGb: 0.128,
    /** SQLite-backed: key-value get/put/delete are rows; setAlarm is one row written; deletes are rows written. */
    rowReadPerMillion: 0.001,
    rowWrittenPerMillion: 1,
    storageGbMonth: 0.2,
    included: { requests: 1_000_000, gbSeconds: 400_000, rowsRead: 25_000_000_000, rowsWritten: 50_000_000, storageGb: 5 },
  },
};

/** Workers Free: daily limits (reset 00:00 UTC; past one, further operations of that type fail) and the CPU limit per request. */
export const FREE = {
  cpuMsPerRequest: 10,
  perDay: {
    "Workers requests": 100_000,
    "KV reads": 100_000,
    "KV writes": 1_000,
    "KV deletes": 1_000,
    "KV lists": 1_000,
    "Durable Object requests": 100_000,
    "Durable Object duration (GB-s)": 13_000,
    "SQLite rows read": 5_000_000,
    "SQLite rows written": 100_000,
  },
};

/** Workers Paid: CPU per request by default (limits.cpu_ms raises it to 300 000). */
export const PAID_CPU_DEFAULT_MS = 30_000;

/** An empty SQLite database, per Cloudflare's Durable Objects FAQ: what a new budget object stores before its first row. */
export const EMPTY_SQLITE_BYTES = 12_000;

/** A month as the GB-month prices count it (730 hours). */
export const MONTH_SECONDS = 730 * 3600;
