import type { Identity } from "../auth/authenticator";
import { randomToken } from "../crypto";
import type { Table } from "../storage/kv";
import { guarded } from "./errors";

export interface SignInRecord {
  identity: Identity;
  /** Epoch ms; checked on read as well, because KV deletes expired keys lazily. */
  expiresAt: number;
}

/**
 * A signed-in browser: after one sign-in, the next code within the TTL goes straight to
 * consent. Only the hash of the cookie value is stored, so a KV dump holds no usable session.
 */
export class SignInStore {
  constructor(
    private readonly table: Table<SignInRecord>,
    private readonly now: () => number,
    readonly ttlSeconds: number,
  ) {}

  /** Always a fresh id, so a session id planted before sign-in is worth nothing after it. */
  async create(identity: Identity): Promise<string> {
    const id = randomToken();
    const stored: SignInRecord = { identity, expiresAt: this.now() + this.ttlSeconds * 1000 };
    await guarded("save sign-in session", () => this.table.put(id, stored, this.ttlSeconds));
    return id;
  }

  async load(sessionId: string): Promise<Identity | null> {
    const stored = await guarded("load sign-in session", () => this.table.get(sessionId));
    return stored && stored.expiresAt > this.now() ? stored.identity : null;
  }

  remove(sessionId: string): Promise<void> {
    return guarded("delete sign-in session", () => this.table.delete(sessionId));
  }
}
