import { normalizeUsername } from "../config";
import type { Authenticator, Identity } from "./authenticator";
import { iterationsOf, verifyPassword } from "./password-hash";

/** One entry of the USERS secret (config/page.ts parses it, and refuses two names that fold alike). */
export interface BuiltInUser {
  username: string;
  /** `pbkdf2-sha256:…` from `npm run hash-password`. */
  passwordHash: string;
  /** Authlete's subject; the username when not given. */
  subject: string;
  claims: Record<string, unknown>;
}

/** Longer than any passphrase; bounds the work an attacker can ask for. */
const MAX_PASSWORD_LENGTH = 1024;

/**
 * Built-in users from the USERS secret. An unknown username costs the same PBKDF2 work
 * as a known one (against a decoy hash), so response time does not reveal which
 * usernames exist.
 */
export class PasswordAuthenticator implements Authenticator {
  readonly mode = "form";
  readonly passwords = true;
  readonly federation = null;
  private readonly users: Map<string, BuiltInUser>;
  private readonly decoy: string;

  constructor(
    users: BuiltInUser[],
    private readonly now: () => number,
  ) {
    this.users = new Map(users.map((u) => [normalizeUsername(u.username), u]));
    const iterations = Math.max(...users.map((u) => iterationsOf(u.passwordHash)));
    // A well-formed hash no password derives to (its salt and digest are fixed filler).
    this.decoy = `pbkdf2-sha256:${iterations}:${"A".repeat(22)}:${"A".repeat(43)}`;
  }

  async fromRequest(): Promise<Identity | null> {
    return null;
  }

  async fromCredentials(username: string, password: string): Promise<Identity | null> {
    const user = this.users.get(normalizeUsername(username));
    const ok = await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), user?.passwordHash ?? this.decoy);
    if (!user || !ok || password.length > MAX_PASSWORD_LENGTH) return null;
    const name = user.claims["name"];
    return {
      subject: user.subject,
      claims: user.claims,
      authTime: Math.floor(this.now() / 1000),
      label: typeof name === "string" && name ? name : user.username,
    };
  }
}
