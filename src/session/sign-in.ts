import type { Identity } from "../auth/authenticator";
import { clampTtl, sha256 } from "../storage/kv";
import { guarded } from "./errors";
import { newSessionId } from "./ids";

interface Stored {
  identity: Identity;
  /** Epoch ms; checked on read as well, because KV deletes expired keys lazily. */
  expiresAt: number;
}

const key = async (sessionId: string) => `signin:${await sha256(sessionId)}`;

/**
 * A signed-in browser: after one sign-in, the next code within the TTL goes straight to
 * consent. Only SHA-256 of the cookie value is stored, so a KV dump holds no usable session.
 */
export class SignInStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly now: () => number,
    readonly ttlSeconds: number,
  ) {}

  /** Always a fresh id, so a session id planted before sign-in is worth nothing after it. */
  async create(identity: Identity): Promise<string> {
    const id = newSessionId();
    const stored: Stored = { identity, expiresAt: this.now() + this.ttlSeconds * 1000 };
    await guarded("save sign-in session", async () => this.kv.put(await key(id), JSON.stringify(stored), { expirationTtl: clampTtl(this.ttlSeconds) }));
    return id;
  }

  async load(sessionId: string): Promise<Identity | null> {
    const stored = await guarded("load sign-in session", async () => this.kv.get<Stored>(await key(sessionId), "json"));
    return stored && stored.expiresAt > this.now() ? stored.identity : null;
  }

  remove(sessionId: string): Promise<void> {
    return guarded("delete sign-in session", async () => this.kv.delete(await key(sessionId)));
  }
}
