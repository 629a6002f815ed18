import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BudgetCounter } from "../../src/protection/budget-object";

/**
 * The budget object's storage: a place given back costs nothing written, a kept one is written
 * (with the alarm that deletes it) before `keep` returns, and an eviction of the object forgets
 * only places still in flight, which is what bounds what a lost instance can let through.
 */
const bucket = () => (env.BUDGETS as DurableObjectNamespace<BudgetCounter>).getByName(`test/${crypto.randomUUID()}`);
const stored = (stub: DurableObjectStub<BudgetCounter>) =>
  runInDurableObject(stub, async (_, state) => ({ levels: state.storage.kv.get<Record<string, unknown>>("levels"), alarm: await state.storage.getAlarm() }));
/** One level, budget 3 per minute. */
const one = [{ max: 3, windowSeconds: 60, subject: "s" }];

describe("BudgetCounter: only kept places are written", () => {
  it("a place given back writes nothing: no row, no alarm", async () => {
    const stub = bucket();
    const now = Date.now();
    const held = await Promise.all([stub.reserve(one, now), stub.reserve(one, now)]);
    for (const r of held) await stub.release(r.hold!);
    expect(await stored(stub)).toEqual({ levels: undefined, alarm: null });
    expect((await stub.reserve(one, now)).remaining).toBe(2);
  });

  it("a kept place is on disk when keep returns, with an alarm at the window's end; counted places likewise", async () => {
    const stub = bucket();
    const now = Date.now();
    const r = await stub.reserve(one, now);
    await stub.keep(r.hold!, now + 1000);
    const after = await stored(stub);
    expect(after.levels).toEqual({ s: { count: 1, windowEnd: now + 60_000, refused: false } });
    expect(after.alarm).toBeGreaterThan(Date.now() + 55_000);
    expect(after.alarm).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await stub.reserve(one, now, true)).toMatchObject({ allowed: true, remaining: 1, hold: null });
    expect((await stored(stub)).levels).toMatchObject({ s: { count: 2 } });
  });

  it("an eviction forgets the places in flight, never the kept ones: their keep still counts, so at most max more attempts get through", async () => {
    const stub = bucket();
    const now = Date.now();
    await stub.keep((await stub.reserve(one, now)).hold!, now);
    const inFlight = [await stub.reserve(one, now), await stub.reserve(one, now)];
    expect((await stub.reserve(one, now)).allowed).toBe(false);
    await evictDurableObject(stub);
    // The new instance knows the kept failure only: two more places, as many as were in flight.
    const next = [await stub.reserve(one, now), await stub.reserve(one, now)];
    expect(next.every((r) => r.allowed)).toBe(true);
    expect((await stub.reserve(one, now)).allowed).toBe(false);
    // The attempts in flight across the eviction fail: counted all the same.
    for (const r of inFlight) await stub.keep(r.hold!, now);
    for (const r of next) await stub.release(r.hold!);
    expect((await stored(stub)).levels).toMatchObject({ s: { count: 3 } });
    expect((await stub.reserve(one, now)).allowed).toBe(false);
  });

  it("the levels of a bucket share one object and one row; its alarm forgets the levels whose window has ended and wakes again for the others", async () => {
    const stub = bucket();
    const now = Date.now();
    const levels = [
      { max: 3, windowSeconds: 60, subject: "a /64" },
      { max: 9, windowSeconds: 60, subject: "its /48" },
    ];
    await stub.keep((await stub.reserve(levels, now)).hold!, now);
    // And a level from a caller whose clock says its window is running, though it ended in real time.
    const old = [{ max: 3, windowSeconds: 60, subject: "old" }];
    await stub.keep((await stub.reserve(old, now - 61_000)).hold!, now - 61_000);
    expect(Object.keys((await stored(stub)).levels!).sort()).toEqual(["a /64", "its /48", "old"]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await stored(stub);
    expect(Object.keys(after.levels!).sort()).toEqual(["a /64", "its /48"]);
    expect(after.alarm).toBeGreaterThan(Date.now() + 55_000);
  });
});
