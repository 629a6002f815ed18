import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Budget } from "../../src/config";
import { KeyedHash } from "../../src/crypto";
import type { BudgetCounter } from "../../src/protection/budget-object";
import { DurableObjectLimiter, FallbackLimiter, type Limiter, MemoryLimiter } from "../../src/protection/limiter";

/**
 * What any Limiter must do, whatever keeps its counts. Every implementation is listed in
 * IMPLEMENTATIONS and runs the same cases; a new one passes them before it is used.
 */
const keyed = new KeyedHash(env.EDGE_SECRET!);
const [OLD, NEW] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];
const IMPLEMENTATIONS: [string, (now: () => number) => Limiter][] = [
  ["Durable Objects", (now) => new DurableObjectLimiter(env.BUDGETS as DurableObjectNamespace<BudgetCounter>, keyed, now)],
  // Two buckets per subject, one under each secret: the same answers as one.
  [
    "Durable Objects during an EDGE_SECRET rotation",
    (now) => new DurableObjectLimiter(env.BUDGETS as DurableObjectNamespace<BudgetCounter>, new KeyedHash(NEW, OLD), now),
  ],
  ["the per-isolate memory limiter", (now) => new MemoryLimiter(now)],
];

const budget: Budget = { max: 3, windowSeconds: 60 };
/** A subject nobody else counted, so cases never share a bucket. */
const fresh = () => crypto.randomUUID();

describe.each(IMPLEMENTATIONS)("Limiter conformance: %s", (_, make) => {
  const start = Date.now();
  const clock = { now: start };
  const limiter = make(() => clock.now);

  it("reserves up to the budget, refuses past it, and says what is left and when the window ends", async () => {
    clock.now = start;
    const s = fresh();
    const first = await limiter.reserve("t", budget, s);
    expect(first).toMatchObject({ allowed: true, remaining: 2, retryAfter: 60, crossed: false });
    expect((await limiter.reserve("t", budget, s)).remaining).toBe(1);
    clock.now = start + 10_000;
    expect((await limiter.reserve("t", budget, s)).remaining).toBe(0);
    expect(await limiter.reserve("t", budget, s)).toMatchObject({ allowed: false, remaining: 0, retryAfter: 50, crossed: true });
    // Only the first refusal of a window is the crossing.
    expect(await limiter.reserve("t", budget, s)).toMatchObject({ allowed: false, crossed: false });
  });

  it("a release gives one place back; a refused reservation holds none", async () => {
    clock.now = start;
    const s = fresh();
    const held = [];
    for (let i = 0; i < budget.max; i++) held.push(await limiter.reserve("t", budget, s));
    const refused = await limiter.reserve("t", budget, s);
    await refused.release();
    expect((await limiter.reserve("t", budget, s)).allowed).toBe(false);
    await held[0]!.release();
    expect((await limiter.reserve("t", budget, s)).allowed).toBe(true);
    expect((await limiter.reserve("t", budget, s)).allowed).toBe(false);
  });

  it("a success releases only its own place: earlier failures stay counted", async () => {
    clock.now = start;
    const s = fresh();
    await limiter.reserve("t", budget, s); // a failure: kept
    await limiter.reserve("t", budget, s); // a failure: kept
    await (await limiter.reserve("t", budget, s)).release(); // a success
    expect((await limiter.reserve("t", budget, s)).remaining).toBe(0);
  });

  it("subjects and limits never share a bucket", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i < budget.max; i++) await limiter.reserve("a", budget, s);
    expect((await limiter.reserve("a", budget, s)).allowed).toBe(false);
    expect((await limiter.reserve("b", budget, s)).allowed).toBe(true);
    expect((await limiter.reserve("a", budget, fresh())).allowed).toBe(true);
  });

  it("the next window starts with a full budget", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i <= budget.max; i++) await limiter.reserve("t", budget, s);
    clock.now = start + budget.windowSeconds * 1000;
    expect(await limiter.reserve("t", budget, s)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("200 reservations at once: exactly the budget is granted", async () => {
    clock.now = start;
    const s = fresh();
    const big = { max: 10, windowSeconds: 600 };
    const all = await Promise.all(Array.from({ length: 200 }, () => limiter.reserve("t", big, s)));
    expect(all.filter((r) => r.allowed)).toHaveLength(10);
    expect(all.filter((r) => r.crossed)).toHaveLength(1);
  });
});

describe("when the Durable Objects cannot be reached", () => {
  afterEach(() => vi.restoreAllMocks());
  const broken: Limiter = { reserve: () => Promise.reject(new Error("Durable Object unavailable")) };

  it("fails open: serves the request and logs the failure", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const open = new FallbackLimiter(broken, "open");
    for (let i = 0; i < 10; i++) expect((await open.reserve("t", budget, "x")).allowed).toBe(true);
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "limiter_unavailable")).toHaveLength(10);
  });

  it("a per-isolate fallback still bounds guessing", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const bounded = new FallbackLimiter(broken, new MemoryLimiter(Date.now));
    const all = await Promise.all(Array.from({ length: 20 }, () => bounded.reserve("t", budget, "x")));
    expect(all.filter((r) => r.allowed)).toHaveLength(budget.max);
  });
});

describe("an EDGE_SECRET rotation gives nobody a fresh budget", () => {
  const budgets = env.BUDGETS as DurableObjectNamespace<BudgetCounter>;

  it("a budget spent under the previous secret stays spent until its window ends; its places come back from both buckets", async () => {
    const clock = { now: Date.now() };
    const now = () => clock.now;
    const s = fresh();
    for (let i = 0; i < budget.max; i++) await new DurableObjectLimiter(budgets, new KeyedHash(OLD), now).reserve("t", budget, s);
    const during = new DurableObjectLimiter(budgets, new KeyedHash(NEW, OLD), now);
    expect(await during.reserve("t", budget, s)).toMatchObject({ allowed: false, remaining: 0, retryAfter: 60 });
    // Without EDGE_SECRET_PREVIOUS the new bucket would start afresh: the reset a rotation used to be.
    expect((await new DurableObjectLimiter(budgets, new KeyedHash(NEW), now).reserve("t", budget, fresh())).allowed).toBe(true);
    // The refused attempt took no place in the new bucket: after the old window, the whole budget is there.
    clock.now += 60_000;
    const places = [];
    for (let i = 0; i < budget.max; i++) places.push(await during.reserve("t", budget, s));
    expect(places.map((p) => p.allowed)).toEqual([true, true, true]);
    expect((await during.reserve("t", budget, s)).allowed).toBe(false);
    await places[0]!.release();
    expect((await during.reserve("t", budget, s)).allowed).toBe(true);
    // A place taken during the rotation counts in the new bucket too, which outlives EDGE_SECRET_PREVIOUS.
    expect((await new DurableObjectLimiter(budgets, new KeyedHash(NEW), now).reserve("t", budget, s)).allowed).toBe(false);
  });
});
