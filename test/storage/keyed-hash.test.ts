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
    const a = compose().api({ ...env, EDGE_SECRET: "a".repeat(32) } as Env);
    const b = compose().api({ ...env, EDGE_SECRET: "b".repeat(32) } as Env);
    expect(await new Storage(env.KV, a.keyed).table("flow").key(code)).not.toBe(await new Storage(env.KV, b.keyed).table("flow").key(code));
    expect(await new Storage(env.KV, new KeyedHash("a".repeat(32))).table("flow").key(code)).toBe(await new Storage(env.KV, a.keyed).table("flow").key(code));
    expect(await a.keyed.tag("log", code)).not.toBe(await b.keyed.tag("log", code));
  });

  it("without the secret nothing runs, and the error names it", () => {
    expect(() => loadConfig({ ...env, EDGE_SECRET: undefined } as unknown as Env)).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, EDGE_SECRET: undefined } as unknown as Env)).toThrow("EDGE_SECRET: is missing");
    expect(() => loadConfig({ ...env, EDGE_SECRET: "short" } as Env)).toThrow("EDGE_SECRET: must be at least 32 characters");
  });
});
