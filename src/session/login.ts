import { base64url, deriveKey, type KeyedHash } from "../crypto";
import type { Table } from "../storage/kv";
import { guarded } from "./errors";

/**
 * The state of one sign-in at an upstream OpenID provider, from the button to the callback:
 * the PKCE code verifier, `state`, `nonce`, which provider, and which verification flow it
 * belongs to. It travels in the browser, sealed with AES-256-GCM (WebCrypto) under a key derived
 * from EDGE_SECRET for this use only, its expiry inside the sealed part: the browser can neither
 * read nor change it (GCM's tag fails on any change), and no KV read has to
 * find, at whichever location the IdP sends the person back to, a record written elsewhere
 * moments before (KV is not read-after-write consistent across locations).
 */
export interface LoginState {
  provider: string;
  codeVerifier: string;
  state: string;
  nonce: string;
  /** KeyedHash("login-flow", flow cookie): the login counts only for the flow that started it. */
  flow: string;
  /** The `max_age` the provider was asked for (CLIENT_POLICY `maxAuthAgeSeconds`): the ID token's `auth_time` is checked against it. */
  maxAge?: number;
}

/** About ten minutes at the provider: long enough to type a password and pass MFA. */
export const LOGIN_STATE_SECONDS = 600;
const KEY_INFO = "device-flow-edge/oidc-login-state/v1";

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Authenticated with every value, so a sealed value of another kind or version never opens here. */
const AAD = enc.encode(KEY_INFO);
const IV_BYTES = 12;

interface Sealed extends LoginState {
  /** Epoch seconds. */
  exp: number;
}

export class LoginStates {
  /** One key per secret, the current one's first: sealed under it, opened under any (an EDGE_SECRET rotation keeps sign-ins in progress). */
  private readonly keys: Promise<CryptoKey>[];

  constructor(
    secrets: readonly string[],
    private readonly keyed: KeyedHash,
    private readonly used: Table<1>,
    private readonly now: () => number,
  ) {
    this.keys = secrets.map((secret) =>
      deriveKey(secret, KEY_INFO).then((raw) => crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt", "decrypt"])),
    );
  }

  /** What ties a login to one verification flow, without putting the flow id itself in the cookie. */
  binding(flowId: string): Promise<string> {
    return this.keyed.mac("login-flow", flowId);
  }

  /** Whether `login` was started by the flow `flowId` (its binding made under any secret). */
  belongsTo(login: LoginState, flowId: string): Promise<boolean> {
    return this.keyed.verify("login-flow", flowId, login.flow);
  }

  /** base64url(iv ‖ ciphertext ‖ tag): a fresh 96-bit IV per value, as GCM requires. */
  async seal(login: LoginState): Promise<string> {
    const sealed: Sealed = { ...login, exp: Math.floor(this.now() / 1000) + LOGIN_STATE_SECONDS };
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, await this.keys[0]!, enc.encode(JSON.stringify(sealed)));
    const out = new Uint8Array(IV_BYTES + ct.byteLength);
    out.set(iv);
    out.set(new Uint8Array(ct), IV_BYTES);
    return base64url.encode(out);
  }

  /** The login state, or null when the value was not sealed by us, was changed, or has expired. */
  async open(value: string): Promise<LoginState | null> {
    try {
      const bytes = base64url.decode(value);
      const iv = bytes.slice(0, IV_BYTES);
      const pt = await this.decrypt(iv, bytes.slice(IV_BYTES));
      if (!pt) return null;
      const { provider, codeVerifier, state, nonce, flow, maxAge, exp } = JSON.parse(dec.decode(pt)) as Partial<Sealed>;
      if (typeof exp !== "number" || exp * 1000 <= this.now()) return null;
      if ([provider, codeVerifier, state, nonce, flow].some((v) => typeof v !== "string")) return null;
      if (maxAge !== undefined && (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0)) return null;
      return { provider, codeVerifier, state, nonce, flow, ...(maxAge !== undefined ? { maxAge } : {}) } as LoginState;
    } catch {
      return null;
    }
  }

  /** The plaintext under the first key whose GCM tag holds, or null (sealed by someone else, or changed). */
  private async decrypt(iv: Uint8Array<ArrayBuffer>, sealed: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer | null> {
    for (const key of this.keys) {
      try {
        return await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: AAD }, await key, sealed);
      } catch {
        // Not this key's: the next one, if any.
      }
    }
    return null;
  }

  /**
   * Records that this state reached the callback and says whether it had already: true means a
   * replay. The record (under a keyed hash of the state, never the state) outlives the cookie.
   */
  async consume(state: string): Promise<boolean> {
    const seen = await guarded("load used login state", () => this.used.get(state));
    if (seen !== null) return true;
    await guarded("save used login state", () => this.used.put(state, 1, LOGIN_STATE_SECONDS));
    return false;
  }
}
