// Baselines for the bench. The "edge answers" row: the least a Hono Worker can do for POST /token —
// a constant JSON body with the same bytes and headers as our slow_down answer
// (src/protection/responses.ts). Bench build only; never deployed.
import { Hono } from "hono";

const BODY = JSON.stringify({ error: "slow_down", error_description: "Polling too fast: wait at least 60 seconds between requests.", interval: 60 });
const HEADERS = { "Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", Pragma: "no-cache" };

const app = new Hono();
app.post("/token", () => new Response(BODY, { status: 400, headers: HEADERS }));
// Baseline for the verification-page row: a constant HTML page of ?bytes= bytes (the bench
// passes the size of our page's answer), built once per size.
const pages = new Map<number, string>();
app.get("/page", (c) => {
  const bytes = Math.min(Math.max(Number(c.req.query("bytes") ?? "1024") || 0, 64), 262_144);
  let page = pages.get(bytes);
  if (page === undefined) {
    const head = "<!doctype html><html><head><title>bench</title></head><body><p>";
    const tail = "</p></body></html>";
    page = head + "x".repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
    pages.set(bytes, page);
  }
  return c.html(page);
});

// Calibration for the CPU method (bench/rows/cpu.mjs, bench/lib/profiler.mjs): ?n= rounds of
// JSON.parse over a fixed document (its size in X-Doc-Bytes, for the report) — native work
// whose cost does not depend on JIT tiers — measured once by wall time (no other request in
// flight) and once through the profiler.
const DOC = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ["a", "b", "c"], score: i / 7 })));
app.get("/spin", (c) => {
  const n = Math.min(Number(c.req.query("n") ?? "0") || 0, 10_000);
  let total = 0;
  for (let i = 0; i < n; i++) total += (JSON.parse(DOC) as unknown[]).length;
  c.header("X-Doc-Bytes", String(DOC.length));
  return c.text(String(total));
});

// PBKDF2 alone, as the built-in users' check runs it (src/auth/password-hash.ts: SHA-256, a
// 256-bit result) at ?iterations= (the bench passes the configured count): the CPU row's yardstick
// for a sign-in against the plans' CPU limits.
const SALT = new Uint8Array(16);
app.get("/pbkdf2", async (c) => {
  const iterations = Math.min(Math.max(Number(c.req.query("iterations") ?? "1") || 1, 1), 10_000_000);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("bench-password"), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: SALT, iterations }, key, 256);
  return c.text(String(new Uint8Array(bits)[0]));
});

export default { fetch: app.fetch };
