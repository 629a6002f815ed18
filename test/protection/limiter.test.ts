import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Budget, loadConfig } from "../../src/config";
import { KeyedHash } from "../../src/crypto";
import type { BudgetCounter } from "../../src/protection/budget-object";
import { PageBudgets } from "../../src/protection/budgets";
import { DurableObjectLimiter, FallbackLimiter, type Limiter, MemoryLimiter } from "../../src/protection/limiter";
import { captureLogs } from "../support/logs";

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
    const first = await limiter.reserve("t", [{ budget, subject: s }]);
    expect(first).toMatchObject({ allowed: true, remaining: 2, retryAfter: 60, crossed: false });
    expect((await limiter.reserve("t", [{ budget, subject: s }])).remaining).toBe(1);
    clock.now = start + 10_000;
    expect((await limiter.reserve("t", [{ budget, subject: s }])).remaining).toBe(0);
    expect(await limiter.reserve("t", [{ budget, subject: s }])).toMatchObject({ allowed: false, remaining: 0, retryAfter: 50, crossed: true });
    // Only the first refusal of a window is the crossing.
    expect(await limiter.reserve("t", [{ budget, subject: s }])).toMatchObject({ allowed: false, crossed: false });
  });

  it("a release gives one place back; a refused reservation holds none", async () => {
    clock.now = start;
    const s = fresh();
    const held = [];
    for (let i = 0; i < budget.max; i++) held.push(await limiter.reserve("t", [{ budget, subject: s }]));
    const refused = await limiter.reserve("t", [{ budget, subject: s }]);
    await refused.release();
    expect((await limiter.reserve("t", [{ budget, subject: s }])).allowed).toBe(false);
    await held[0]!.release();
    expect((await limiter.reserve("t", [{ budget, subject: s }])).allowed).toBe(true);
    expect((await limiter.reserve("t", [{ budget, subject: s }])).allowed).toBe(false);
  });

  it("a success releases only its own place: earlier failures stay counted", async () => {
    clock.now = start;
    const s = fresh();
    await limiter.reserve("t", [{ budget, subject: s }]); // a failure: kept
    await limiter.reserve("t", [{ budget, subject: s }]); // a failure: kept
    await (await limiter.reserve("t", [{ budget, subject: s }])).release(); // a success
    expect((await limiter.reserve("t", [{ budget, subject: s }])).remaining).toBe(0);
  });

  it("subjects and limits never share a bucket", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i < budget.max; i++) await limiter.reserve("a", [{ budget, subject: s }]);
    expect((await limiter.reserve("a", [{ budget, subject: s }])).allowed).toBe(false);
    expect((await limiter.reserve("b", [{ budget, subject: s }])).allowed).toBe(true);
    expect((await limiter.reserve("a", [{ budget, subject: fresh() }])).allowed).toBe(true);
  });

  it("the next window starts with a full budget", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i <= budget.max; i++) await limiter.reserve("t", [{ budget, subject: s }]);
    clock.now = start + budget.windowSeconds * 1000;
    expect(await limiter.reserve("t", [{ budget, subject: s }])).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("a failure keeps its place; a reservation is settled once, whichever way", async () => {
    clock.now = start;
    const s = fresh();
    const failed = await limiter.reserve("t", [{ budget, subject: s }]);
    await failed.keep();
    await failed.release();
    const succeeded = await limiter.reserve("t", [{ budget, subject: s }]);
    await succeeded.release();
    await succeeded.release();
    await succeeded.keep();
    expect((await limiter.reserve("t", [{ budget, subject: s }])).remaining).toBe(1);
  });

  it("counted: the place is kept at once, and a refusal takes none", async () => {
    clock.now = start;
    const s = fresh();
    for (let i = 0; i < budget.max; i++) await (await limiter.reserve("t", [{ budget, subject: s }], true)).release();
    const refused = await limiter.reserve("t", [{ budget, subject: s }], true);
    expect(refused).toMatchObject({ allowed: false, crossed: true });
    clock.now = start + budget.windowSeconds * 1000;
    expect(await limiter.reserve("t", [{ budget, subject: s }], true)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("settled after its window, a reservation changes nothing in the next", async () => {
    clock.now = start;
    const s = fresh();
    const late = await limiter.reserve("t", [{ budget, subject: s }]);
    const given = await limiter.reserve("t", [{ budget, subject: s }]);
    clock.now = start + budget.windowSeconds * 1000;
    await late.keep();
    const now = await limiter.reserve("t", [{ budget, subject: s }]);
    await given.release();
    expect((await limiter.reserve("t", [{ budget, subject: s }])).remaining).toBe(now.remaining - 1);
  });

  it("levels: a place in every level or in none; spent says which refused", async () => {
    clock.now = start;
    const [wide, a, b] = [fresh(), fresh(), fresh()];
    const narrow: Budget = { max: 2, windowSeconds: 60 };
    const levels = (s: string) => [
      { budget: narrow, subject: s },
      { budget, subject: wide },
    ];
    expect(await limiter.reserve("n", levels(a))).toMatchObject({ allowed: true, remaining: 1, spent: [] });
    await limiter.reserve("n", levels(a));
    expect(await limiter.reserve("n", levels(a))).toMatchObject({ allowed: false, spent: [0], crossed: true });
    // The refusal took no place in the wide level: another narrow subject under it still gets the last one.
    const last = await limiter.reserve("n", levels(b));
    expect(last).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.reserve("n", levels(b))).toMatchObject({ allowed: false, spent: [1] });
    await last.release();
    expect((await limiter.reserve("n", levels(b))).allowed).toBe(true);
  });

  it("levels, counted: all or nothing too", async () => {
    clock.now = start;
    const [wide, a, b] = [fresh(), fresh(), fresh()];
    const levels = (s: string) => [
      { budget: { max: 1, windowSeconds: 60 }, subject: s },
      { budget: { max: 2, windowSeconds: 60 }, subject: wide },
    ];
    expect((await limiter.reserve("c", levels(a), true)).allowed).toBe(true);
    expect(await limiter.reserve("c", levels(a), true)).toMatchObject({ allowed: false, spent: [0] });
    expect((await limiter.reserve("c", levels(b), true)).allowed).toBe(true);
    expect(await limiter.reserve("c", levels(fresh()), true)).toMatchObject({ allowed: false, spent: [1] });
  });

  it("200 reservations at once: exactly the budget is granted", async () => {
    clock.now = start;
    const s = fresh();
    const big = { max: 10, windowSeconds: 600 };
    const all = await Promise.all(Array.from({ length: 200 }, () => limiter.reserve("t", [{ budget: big, subject: s }])));
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
    for (let i = 0; i < 10; i++) expect((await open.reserve("t", [{ budget, subject: "x" }])).allowed).toBe(true);
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "limiter_unavailable")).toHaveLength(10);
  });

  it("a per-isolate fallback still bounds guessing", async () => {
    const logs = captureLogs();
    const bounded = new FallbackLimiter(broken, new MemoryLimiter(Date.now));
    const all = await Promise.all(Array.from({ length: 20 }, () => bounded.reserve("t", [{ budget, subject: "x" }])));
    expect(all.filter((r) => r.allowed)).toHaveLength(budget.max);
    expect(logs.warned()).toEqual(Array(20).fill(expect.objectContaining({ level: "warn", event: "limiter_unavailable", fallback: "isolate" })));
  });

  it("a refused attempt leaves no bucket behind: ten thousand of them, each from a fresh session, do not evict the address's spent budget", async () => {
    const logs = captureLogs();
    const budgets = new PageBudgets(new FallbackLimiter(broken, new MemoryLimiter(Date.now)), loadConfig(env).limits);
    const ip = "192.0.2.99";
    for (let i = 0; i < 10; i++) await (await budgets.codeEntry(ip, `guess-${i}`)).failed?.();
    for (let i = 0; i < 10_001; i++) expect((await budgets.codeEntry(ip, `fresh-${i}`)).refused?.limits).toEqual(["code-entry-ip"]);
    expect((await budgets.codeEntry(ip, "one-more")).refused?.limits).toEqual(["code-entry-ip"]);
    // Every attempt met the outage, and said so: nothing but that.
    const warned = logs.warned();
    expect(warned.length).toBeGreaterThanOrEqual(10 + 10_001 + 1);
    expect(warned.every((l) => l.level === "warn" && l.event === "limiter_unavailable" && l["fallback"] === "isolate")).toBe(true);
  });
});

describe("the per-isolate fallback, full: it never forgets a failure to make room", () => {
  afterEach(() => vi.restoreAllMocks());

  it("ten thousand live buckets: a spent one still refuses, a new subject waits until a window ends (logged once), then gets its place", async () => {
    const logs = captureLogs();
    const clock = { now: Date.now() };
    const memory = new MemoryLimiter(() => clock.now);
    // In memory a place counts from its reservation: these are failures (never given back).
    for (let i = 0; i < budget.max; i++) await memory.reserve("t", [{ budget, subject: "guesser" }]);
    expect((await memory.reserve("t", [{ budget, subject: "guesser" }])).allowed).toBe(false);
    clock.now += 30_000;
    // Failures of ten thousand others fill the table.
    for (let i = 0; i < 10_000; i++) await memory.reserve("t", [{ budget, subject: `other-${i}` }]);
    expect((await memory.reserve("t", [{ budget, subject: "guesser" }])).allowed).toBe(false);
    const newcomer = await memory.reserve("t", [{ budget, subject: "newcomer" }]);
    expect(newcomer).toMatchObject({ allowed: false, retryAfter: 30 });
    expect((await memory.reserve("t", [{ budget, subject: "another newcomer" }])).allowed).toBe(false);
    expect(logs.lines.filter((l) => l.level === "warn" && l.event === "limiter_fallback_full")).toHaveLength(1);
    // The guesser's window ends first: its bucket, and only that, makes room.
    clock.now += 30_000;
    expect((await memory.reserve("t", [{ budget, subject: "newcomer" }])).allowed).toBe(true);
    // …and everyone else's failures are still counted.
    expect(await memory.reserve("t", [{ budget, subject: "other-0" }])).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("successes leave nothing behind either: a table full of them is an empty table", async () => {
    const memory = new MemoryLimiter(Date.now, 3);
    for (let i = 0; i < 10; i++) await (await memory.reserve("t", [{ budget, subject: `ok-${i}` }])).release();
    const kept = [];
    for (let i = 0; i < 3; i++) kept.push(await memory.reserve("t", [{ budget, subject: `fail-${i}` }]));
    expect(kept.every((r) => r.allowed)).toBe(true);
  });
});

describe("an EDGE_SECRET rotation gives nobody a fresh budget", () => {
  const budgets = env.BUDGETS as DurableObjectNamespace<BudgetCounter>;

  it("a budget spent under the previous secret stays spent until its window ends; its places come back from both buckets", async () => {
    const clock = { now: Date.now() };
    const now = () => clock.now;
    const s = fresh();
    for (let i = 0; i < budget.max; i++) await new DurableObjectLimiter(budgets, new KeyedHash(OLD), now).reserve("t", [{ budget, subject: s }]);
    const during = new DurableObjectLimiter(budgets, new KeyedHash(NEW, OLD), now);
    expect(await during.reserve("t", [{ budget, subject: s }])).toMatchObject({ allowed: false, remaining: 0, retryAfter: 60 });
    // Without EDGE_SECRET_PREVIOUS the new bucket would start afresh: the reset a rotation used to be.
    expect((await new DurableObjectLimiter(budgets, new KeyedHash(NEW), now).reserve("t", [{ budget, subject: fresh() }])).allowed).toBe(true);
    // The refused attempt took no place in the new bucket: after the old window, the whole budget is there.
    clock.now += 60_000;
    const places = [];
    for (let i = 0; i < budget.max; i++) places.push(await during.reserve("t", [{ budget, subject: s }]));
    expect(places.map((p) => p.allowed)).toEqual([true, true, true]);
    expect((await during.reserve("t", [{ budget, subject: s }])).allowed).toBe(false);
    await places[0]!.release();
    expect((await during.reserve("t", [{ budget, subject: s }])).allowed).toBe(true);
    // A place taken during the rotation counts in the new bucket too, which outlives EDGE_SECRET_PREVIOUS.
    expect((await new DurableObjectLimiter(budgets, new KeyedHash(NEW), now).reserve("t", [{ budget, subject: s }])).allowed).toBe(false);
  });
});
