import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Budget } from "../../src/config";
import { KeyedHash } from "../../src/crypto";
import { KvLimiter, type Limiter } from "../../src/protection/limiter";
import { Storage } from "../../src/storage/kv";
import { MemoryKv } from "../../src/storage/memory";

const keyed = new KeyedHash(env.EDGE_SECRET!);

/**
 * What any Limiter must do, whatever keeps its counts. Every implementation is listed in
 * IMPLEMENTATIONS and runs the same cases; a new one passes them before it is used.
 */
const IMPLEMENTATIONS: [string, (now: () => number) => Limiter][] = [
  ["KvLimiter on Workers KV", (now) => new KvLimiter(new Storage(env.KV, keyed).table("counter"), now)],
  ["KvLimiter on the in-memory twin", (now) => new KvLimiter(new Storage(new MemoryKv(now), keyed).table("counter"), now)],
];

const budget: Budget = { max: 3, windowSeconds: 60 };
/** A subject nobody else counted, so cases never share a counter through KV. */
const fresh = () => crypto.randomUUID();

describe.each(IMPLEMENTATIONS)("Limiter conformance: %s", (_, make) => {
  // Windows are aligned to the epoch: start at a window's beginning so a case never straddles two.
  const start = Math.ceil(Date.now() / 60_000) * 60_000 + 86_400_000;
  const clock = { now: start };
  const limiter = make(() => clock.now);

  it("a subject nobody counted is within its budget, and checking counts nothing", async () => {
    const s = fresh();
    for (let i = 0; i < budget.max + 2; i++) expect((await limiter.check("t", budget, s)).allowed).toBe(true);
    expect((await limiter.count("t", budget, s)).allowed).toBe(true);
  });

  it("counts up to the budget, refuses past it, and says when the window ends", async () => {
    clock.now = start + 10_000;
    const s = fresh();
    for (let i = 1; i <= budget.max; i++) expect((await limiter.count("t", budget, s)).allowed, `event ${i}`).toBe(true);
    const over = await limiter.count("t", budget, s);
    expect(over.allowed).toBe(false);
    expect(over.retryAfter).toBe(50);
    const checked = await limiter.check("t", budget, s);
    expect(checked).toEqual({ allowed: false, retryAfter: 50 });
  });

  it("subjects and limits never share a count", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i <= budget.max; i++) await limiter.count("a", budget, s);
    expect((await limiter.check("a", budget, s)).allowed).toBe(false);
    expect((await limiter.check("b", budget, s)).allowed).toBe(true);
    expect((await limiter.check("a", budget, fresh())).allowed).toBe(true);
  });

  it("the next window starts with a full budget", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i <= budget.max; i++) await limiter.count("t", budget, s);
    expect((await limiter.check("t", budget, s)).allowed).toBe(false);
    clock.now = start + budget.windowSeconds * 1000;
    expect((await limiter.check("t", budget, s)).allowed).toBe(true);
    expect((await limiter.count("t", budget, s)).allowed).toBe(true);
  });
});
