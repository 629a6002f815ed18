import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { KeyedHash } from "../../src/crypto";
import { type KeyValue, PREFIXES, Storage } from "../../src/storage/kv";
import { MemoryKv } from "../../src/storage/memory";

const keyed = new KeyedHash(env.EDGE_SECRET!);

const BACKENDS: [string, () => KeyValue & { get(key: string): Promise<string | null> }][] = [
  ["Workers KV", () => env.KV],
  ["the in-memory twin", () => new MemoryKv()],
];

describe.each(BACKENDS)("the storage seam on %s", (_, backend) => {
  it("keys carry the prefix and a hash, never the subject", async () => {
    const table = new Storage(backend(), keyed).table<{ n: number }>("signIn");
    const subject = "WDJBMJHT-some-raw-code";
    const key = await table.key(subject);
    expect(key).toMatch(new RegExp(`^${PREFIXES.signIn}:[A-Za-z0-9_-]{43}$`));
    expect(key).not.toContain(subject);
    expect(await new Storage(backend(), keyed).table("flow").key(subject)).not.toBe(key);
  });

  it("values round-trip as JSON, and delete removes them", async () => {
    const kv = backend();
    const table = new Storage(kv, keyed).table<{ n: number; s: string }>("flow");
    const subject = crypto.randomUUID();
    await table.put(subject, { n: 1, s: "é" }, 600);
    expect(await table.get(subject)).toEqual({ n: 1, s: "é" });
    expect(await kv.get(await table.key(subject))).toBe('{"n":1,"s":"é"}');
    await table.delete(subject);
    expect(await table.get(subject)).toBeNull();
  });

  it("TTLs below KV's 60 s minimum are raised to it, where KV itself would refuse them", async () => {
    const kv = backend();
    const table = new Storage(kv, keyed).table<number>("usedLogin");
    const subject = crypto.randomUUID();
    await table.put(subject, 1, 1);
    expect(await table.get(subject)).toBe(1);
    await expect(kv.put(`test:${subject}`, "1", { expirationTtl: 30 })).rejects.toThrow(/60/);
  });
});

describe("the in-memory twin keeps KV's clock rules", () => {
  it("an entry disappears when its TTL has passed", async () => {
    const clock = { now: 1_000_000 };
    const kv = new MemoryKv(() => clock.now);
    await kv.put("k", '"v"', { expirationTtl: 60 });
    clock.now += 59_999;
    expect(await kv.get("k", "json")).toBe("v");
    clock.now += 1;
    expect(await kv.get("k", "json")).toBeNull();
    expect(kv.keys()).toEqual([]);
  });

  it("stores strings only, as KV does", async () => {
    await expect(new MemoryKv().put("k", 1 as unknown as string, { expirationTtl: 60 })).rejects.toThrow(TypeError);
  });
});

describe("the in-memory twin keeps KV's replication between locations", () => {
  it("a write and a delete are seen at once where they were made, and 60 s later elsewhere", async () => {
    const clock = { now: 1_000_000 };
    const frankfurt = new MemoryKv(() => clock.now, "FRA");
    const tokyo = frankfurt.at("NRT");
    await frankfurt.put("k", '"v1"', { expirationTtl: 600 });
    expect(await frankfurt.get("k", "json")).toBe("v1");
    expect(await tokyo.get("k", "json")).toBeNull();
    expect(tokyo.keys()).toEqual([]);
    clock.now += 59_999;
    expect(await tokyo.get("k", "json")).toBeNull();
    clock.now += 1;
    expect(await tokyo.get("k", "json")).toBe("v1");
    // Tokyo writes its own version: Tokyo reads it at once, Frankfurt keeps the old one for a minute.
    await tokyo.put("k", '"v2"', { expirationTtl: 600 });
    expect(await tokyo.get("k", "json")).toBe("v2");
    expect(await frankfurt.get("k", "json")).toBe("v1");
    await frankfurt.delete("k");
    expect(await frankfurt.get("k", "json")).toBeNull();
    expect(await tokyo.get("k", "json")).toBe("v2");
    clock.now += 60_000;
    expect(await tokyo.get("k", "json")).toBeNull();
    expect(await frankfurt.get("k", "json")).toBeNull();
  });
});

describe.each(BACKENDS)("an EDGE_SECRET rotation on %s: written under the new secret, read under either", (_, backend) => {
  const [OLD, NEW] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];

  it("a record written before is found; one written now goes under the new key; a delete removes both", async () => {
    const kv = backend();
    const before = new Storage(kv, new KeyedHash(OLD)).table<{ step: string }>("flow");
    const during = new Storage(kv, new KeyedHash(NEW, OLD)).table<{ step: string }>("flow");
    const after = new Storage(kv, new KeyedHash(NEW)).table<{ step: string }>("flow");
    const subject = crypto.randomUUID();
    await before.put(subject, { step: "confirm" }, 600);
    expect(await during.get(subject)).toEqual({ step: "confirm" });
    // Without EDGE_SECRET_PREVIOUS the old record is out of reach (what a rotation used to do to everything).
    expect(await after.get(subject)).toBeNull();
    await during.put(subject, { step: "consent" }, 600);
    expect(await during.key(subject)).toBe(await after.key(subject));
    expect(await after.get(subject)).toEqual({ step: "consent" });
    expect(await during.get(subject)).toEqual({ step: "consent" });
    await during.delete(subject);
    expect(await before.get(subject)).toBeNull();
    expect(await after.get(subject)).toBeNull();
  });
});
