import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, loadConfig } from "../../src/config";
import { base64url, KeyedHash } from "../../src/crypto";
import { compose } from "../../src/services";
import { Storage } from "../../src/storage/kv";
import { storageKey } from "../support/helpers";

/** A user code has 20^8 values: an unkeyed hash of one is reversed by trying them all. */
describe("keys and log tags are keyed with the Worker's secret (HMAC-SHA256), never a plain hash", () => {
  const code = "WDJBMJHT";

  it("a key is not the unkeyed SHA-256 of its subject", async () => {
    const key = await storageKey("flow", code);
    const plain = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code))));
    expect(key).not.toContain(plain);
    expect(key).toMatch(/^vflow:[A-Za-z0-9_-]{43}$/);
    // The grants' Durable Objects are named the same way (grant/store.ts).
    const name = await compose().api(env).grants.name(code);
    expect(name).toMatch(/^device\/[A-Za-z0-9_-]{43}$/);
    expect(name).not.toContain(plain);
    expect(name).not.toContain(code);
  });

  it("the same subject under two secrets gives two keys", async () => {
    const [secretA, secretB] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];
    const a = compose().api({ ...env, EDGE_SECRET: secretA } as Env);
    const b = compose().api({ ...env, EDGE_SECRET: secretB } as Env);
    expect(await new Storage(env.KV, a.keyed).table("flow").key(code)).not.toBe(await new Storage(env.KV, b.keyed).table("flow").key(code));
    expect(await new Storage(env.KV, new KeyedHash(secretA)).table("flow").key(code)).toBe(await new Storage(env.KV, a.keyed).table("flow").key(code));
    expect(await a.keyed.tag("log", code)).not.toBe(await b.keyed.tag("log", code));
  });

  it("without the secret nothing runs, and the error names it", () => {
    expect(() => loadConfig({ ...env, EDGE_SECRET: undefined } as unknown as Env)).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, EDGE_SECRET: undefined } as unknown as Env)).toThrow("EDGE_SECRET: is missing");
    expect(() => loadConfig({ ...env, EDGE_SECRET: "short" } as Env)).toThrow("EDGE_SECRET: must be at least 32 characters");
  });
});

describe("KeyedHash during a rotation (EDGE_SECRET_PREVIOUS)", () => {
  const [OLD, NEW, OTHER] = [
    "lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=",
    "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY=",
    "8a7b6704415ab2e46144218169f494ec",
  ];

  it("writes and signs under the new secret; finds and accepts what either made; nothing a third secret made", async () => {
    const rotating = new KeyedHash(NEW, OLD);
    const [before, after, other] = [new KeyedHash(OLD), new KeyedHash(NEW), new KeyedHash(OTHER)];
    expect(rotating.rotating).toBe(true);
    expect(after.rotating).toBe(false);
    expect(new KeyedHash(NEW, NEW).rotating).toBe(false);
    expect(await rotating.mac("flow-id", "x")).toBe(await after.mac("flow-id", "x"));
    expect(await rotating.tag("log", "x")).toBe(await after.tag("log", "x"));
    expect(await rotating.macs("flow-id", "x")).toEqual([await after.mac("flow-id", "x"), await before.mac("flow-id", "x")]);
    expect(await rotating.verify("flow-id", "x", await before.mac("flow-id", "x"))).toBe(true);
    expect(await rotating.verify("flow-id", "x", await after.mac("flow-id", "x"))).toBe(true);
    expect(await rotating.verify("flow-id", "x", await other.mac("flow-id", "x"))).toBe(false);
    expect(await rotating.verify("flow-id", "y", await before.mac("flow-id", "x"))).toBe(false);
    expect(await rotating.verifyTag("form-shows", "enter", await before.tag("form-shows", "enter"))).toBe(true);
    expect(await after.verify("flow-id", "x", await before.mac("flow-id", "x"))).toBe(false);
  });

  it("services key everything with both when EDGE_SECRET_PREVIOUS is set", async () => {
    const api = compose().api({ ...env, EDGE_SECRET: NEW, EDGE_SECRET_PREVIOUS: OLD } as Env);
    expect(api.keyed.rotating).toBe(true);
    expect(await api.keyed.verify("flow-id", "x", await new KeyedHash(OLD).mac("flow-id", "x"))).toBe(true);
  });
});
