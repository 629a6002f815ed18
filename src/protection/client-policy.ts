import type { ClientPolicy, TokenLifetimes } from "../config";

/**
 * What a client's policy (CLIENT_POLICY, config/policy.ts) decides for one verification, as
 * pure rules: which of the requested scopes it may carry, how long its tokens live, how old a
 * sign-in may be when it approves. RFC 10027 (the cross-device security BCP) asks for limited
 * scopes, short-lived tokens and a fresh authentication where a device grant is used at all.
 * Decided once, when the code is entered (the page keeps the outcome in the verification
 * flow), so what the consent page shows is what /device/complete sends.
 */

/** The policy's decisions, kept with the verification flow (session/flow.ts). */
export interface FlowPolicy {
  /**
   * The scopes the approval grants, sent as /device/complete `scopes` (docs/authlete-api.md
   * §5.1: they replace the requested ones); null when the policy does not limit scopes, and
   * Authlete's own stand.
   */
  scopes: string[] | null;
  /** Requested scopes the policy does not allow: dropped, and named on the consent page. */
  withheld: string[];
  /** Sent as /device/complete accessTokenDuration and refreshTokenDuration when set (§5.1). */
  tokens: TokenLifetimes;
  /** How old a sign-in may be when it approves (null: no bound but the sign-in session's own). */
  maxAuthAgeSeconds: number | null;
}

/**
 * Claims each standard scope asks for (OpenID Connect Core §5.4). A claim of a withheld scope
 * is not released either; a scope outside this table names no claims we know of.
 */
const SCOPE_CLAIMS: Record<string, readonly string[]> = {
  profile: [
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
  ],
  email: ["email", "email_verified"],
  address: ["address"],
  phone: ["phone_number", "phone_number_verified"],
};

/**
 * The requested scopes within the allowed ones, in the order they were requested, and the
 * rest; `allowed` null allows all. The claims that go with a withheld scope go too, and all of
 * them without `openid` (no ID token is issued then).
 */
export function narrowScopes(
  requested: { scopes: string[]; claimNames: string[] },
  allowed: readonly string[] | null,
): { scopes: string[]; withheld: string[]; claimNames: string[] } {
  if (allowed === null) return { ...requested, withheld: [] };
  const scopes = requested.scopes.filter((s) => allowed.includes(s));
  const withheld = requested.scopes.filter((s) => !allowed.includes(s));
  const dropped = new Set(withheld.flatMap((s) => SCOPE_CLAIMS[s] ?? []));
  const claimNames = scopes.includes("openid") ? requested.claimNames.filter((c) => !dropped.has(c)) : [];
  return { scopes, withheld, claimNames };
}

/**
 * Token lifetimes for an approval: the policy's `tokens`, or, for an approval given through
 * the stronger warning, the shorter of those and `afterWarning`, member by member (a lifetime
 * `afterWarning` leaves unset stays the usual one). Null: the service's own.
 */
export function lifetimes(tokens: ClientPolicy["tokens"], warned: boolean): TokenLifetimes {
  const pick = (usual: number | null, after: number | null) => (warned && after !== null ? (usual === null ? after : Math.min(usual, after)) : usual);
  return {
    accessTokenSeconds: pick(tokens.accessTokenSeconds, tokens.afterWarning.accessTokenSeconds),
    refreshTokenSeconds: pick(tokens.refreshTokenSeconds, tokens.afterWarning.refreshTokenSeconds),
  };
}

/**
 * Whether a sign-in may approve under `maxAuthAgeSeconds`. One made in this verification
 * (after its code was entered: the password form or a provider's callback) always may: it was
 * made for this code, and lives no longer than the code. One the browser already had (the
 * sign-in session that skips the form) may only while it is at most `maxAuthAgeSeconds` old,
 * and never under 0. Null: any sign-in the session still holds.
 */
export function signInFresh(signIn: { authTime: number; madeHere: boolean }, maxAuthAgeSeconds: number | null, nowMs: number): boolean {
  if (maxAuthAgeSeconds === null || signIn.madeHere) return true;
  return maxAuthAgeSeconds > 0 && nowMs / 1000 - signIn.authTime <= maxAuthAgeSeconds;
}

/** Everything the policy decides when a code is entered; `warned`: the confirm page shows the stronger warning. */
export function decideForFlow(
  policy: ClientPolicy,
  requested: { scopes: string[]; claimNames: string[] },
  warned: boolean,
): { scopes: string[]; claimNames: string[]; policy: FlowPolicy } {
  const { scopes, withheld, claimNames } = narrowScopes(requested, policy.scopes);
  return {
    scopes,
    claimNames,
    policy: {
      scopes: policy.scopes === null ? null : scopes,
      withheld,
      tokens: lifetimes(policy.tokens, warned),
      maxAuthAgeSeconds: policy.maxAuthAgeSeconds,
    },
  };
}
