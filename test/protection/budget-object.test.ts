import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BudgetCounter } from "../../src/protection/budget-object";

/**
 * The budget object's storage: a place given back costs nothing written, a kept one is written
 * (with the alarm that deletes it) before `keep` returns, and an eviction of the object forgets
 * only places still in flight, which is what bounds what a lost instance can let through.
 */
const bucket = () => (env.BUDGETS as DurableObjectNamespace<BudgetCounter>).getByName(`test/${crypto.randomUUID()}`);
const stored = (stub: DurableObjectStub<BudgetCounter>) =>
  runInDurableObject(stub, async (_, state) => ({ bucket: state.storage.kv.get("bucket"), alarm: await state.storage.getAlarm() }));

describe("BudgetCounter: only kept places are written", () => {
  it("a place given back writes nothing: no row, no alarm", async () => {
    const stub = bucket();
    const now = Date.now();
    const held = await Promise.all([stub.reserve(3, 60, now), stub.reserve(3, 60, now)]);
    for (const r of held) await stub.release(r.hold!);
    expect(await stored(stub)).toEqual({ bucket: undefined, alarm: null });
    expect((await stub.reserve(3, 60, now)).remaining).toBe(2);
  });

  it("a kept place is on disk when keep returns, with an alarm at the window's end; counted places likewise", async () => {
    const stub = bucket();
    const now = Date.now();
    const r = await stub.reserve(3, 60, now);
    await stub.keep(r.hold!, 60, now + 1000);
    const after = await stored(stub);
    expect(after.bucket).toEqual({ count: 1, windowEnd: now + 60_000, refused: false });
    expect(after.alarm).toBeGreaterThan(Date.now() + 55_000);
    expect(after.alarm).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(await stub.reserve(3, 60, now, true)).toMatchObject({ allowed: true, remaining: 1, hold: null });
    expect((await stored(stub)).bucket).toMatchObject({ count: 2 });
  });

  it("an eviction forgets the places in flight, never the kept ones: their keep still counts, so at most max more attempts get through", async () => {
    const stub = bucket();
    const now = Date.now();
    await stub.keep((await stub.reserve(3, 60, now)).hold!, 60, now);
    const inFlight = [await stub.reserve(3, 60, now), await stub.reserve(3, 60, now)];
    expect((await stub.reserve(3, 60, now)).allowed).toBe(false);
    await evictDurableObject(stub);
    // The new instance knows the kept failure only: two more places, as many as were in flight.
    const next = [await stub.reserve(3, 60, now), await stub.reserve(3, 60, now)];
    expect(next.every((r) => r.allowed)).toBe(true);
    expect((await stub.reserve(3, 60, now)).allowed).toBe(false);
    // The attempts in flight across the eviction fail: counted all the same.
    for (const r of inFlight) await stub.keep(r.hold!, 60, now);
    for (const r of next) await stub.release(r.hold!);
    expect((await stored(stub)).bucket).toMatchObject({ count: 3 });
    expect((await stub.reserve(3, 60, now)).allowed).toBe(false);
  });
});
