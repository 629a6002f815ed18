import * as z from "zod/mini";
import type { Env } from "./env";
import { PASSWORD_HASH, PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS } from "./password-hash";
import { ConfigError, type ConfigIssue, cases, check, type IssuePath, intIn, json, oneOf, optionalText, parse, requiredText, url } from "./schema";

/**
 * The verification page's variables, parsed apart from the rest and only by its routes, so a
 * page setting (a bad USERS secret, say) takes down /device and never the token endpoint that
 * devices are polling.
 */

export const USER_CODE_CHARSETS = ["BASE20", "NUMERIC"] as const;
export const AUTHENTICATORS = ["password", "access", "oidc"] as const;

const User = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(100)),
  passwordHash: z.string().check(
    z.regex(PASSWORD_HASH, { error: "must be a hash printed by `npm run hash-password`", abort: true }),
    z.refine((h) => {
      const n = Number(PASSWORD_HASH.exec(h)?.[1]);
      return n >= PBKDF2_MIN_ITERATIONS && n <= PBKDF2_MAX_ITERATIONS;
    }, `iterations must be between ${PBKDF2_MIN_ITERATIONS} and ${PBKDF2_MAX_ITERATIONS}`),
  ),
  // Authlete's subject: ASCII, at most 100 characters (docs/authlete-api.md §5.1).
  subject: z.optional(z.string().check(z.regex(/^[\x21-\x7e]{1,100}$/, "must be 1-100 printable ASCII characters"))),
  claims: z._default(z.record(z.string(), z.json()), {}),
});

/** Sign-in names compare after Unicode compatibility folding and case folding, so "Demo" and "ｄｅｍｏ" are the same user. */
export function normalizeUsername(s: string): string {
  return s.normalize("NFKC").trim().toLowerCase();
}

const Users = json(
  z.array(User).check(
    z.minLength(1, "must list at least one user"),
    // An unknown username is checked against a decoy of the same cost; with one count for all, no timing tells users apart.
    z.refine(
      (users) => new Set(users.map((u) => PASSWORD_HASH.exec(u.passwordHash)?.[1])).size <= 1,
      "every user must be hashed with the same iteration count (rehash with `npm run hash-password -- --iterations N`)",
    ),
    // Sign-in looks users up by the folded name: of two entries that fold alike, one could never sign in.
    z.superRefine((users, ctx) => {
      const first = new Map<string, number>();
      users.forEach((u, i) => {
        const key = normalizeUsername(u.username);
        const j = first.get(key);
        if (j === undefined) first.set(key, i);
        else
          ctx.addIssue({
            code: "custom",
            path: [i, "username"],
            input: u.username,
            message: `${JSON.stringify(u.username)} appears more than once (as ${JSON.stringify(users[j]!.username)} in USERS.${j}): sign-in ignores case and width`,
          });
      });
    }),
  ),
);

/**
 * Where the providers' answers arrive: each provider at a path of its own,
 * `/device/callback/<id>` (verification/routes.ts). One address for all would let a provider
 * that is hostile, or compromised, send people to another provider and have that provider's
 * code sent to itself (a mix-up, RFC 9700 §4.4); with one address each, an answer can only come
 * back where the provider it belongs to sends it, and the callback refuses it at any other.
 */
export const CALLBACK_PATH = "/device/callback";
/** OIDC_REDIRECT_URI's placeholder for a provider's id. */
export const PROVIDER_ID_PLACEHOLDER = "{id}";

export const TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"] as const;

/**
 * Standard claims the person signing in sets, or can have changed, at most providers
 * (OpenID Connect Core §5.1): as a subject, whoever takes another person's value becomes that
 * person here. Refused as subject_claim unless the operator says their provider assigns it.
 */
export const USER_CHOSEN_CLAIMS = [
  "preferred_username",
  "name",
  "nickname",
  "given_name",
  "family_name",
  "middle_name",
  "profile",
  "picture",
  "website",
  "locale",
  "zoneinfo",
] as const;

/** Claims usable as a subject only when the provider says it verified them (auth/oidc.ts checks the `_verified` claim at each sign-in). */
export const VERIFIED_CLAIMS: Readonly<Record<string, string>> = { email: "email_verified", phone_number: "phone_number_verified" };

/** One entry of OIDC_PROVIDERS: everything about an upstream OpenID provider except its client secret (a Worker secret). */
const Provider = z
  .object({
    // Part of a variable name (OIDC_CLIENT_SECRET_<ID>), a form value, the callback path and the subject's namespace.
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "must be 1-32 characters a-z, 0-9 and -, starting with a letter or digit")),
    label: z.string().check(z.minLength(1), z.maxLength(60)),
    issuer: url({ httpsOnly: true, httpOnLoopback: true, verbatim: true }),
    client_id: z.string().check(z.minLength(1)),
    token_endpoint_auth_method: z._default(z.enum(TOKEN_ENDPOINT_AUTH_METHODS), "client_secret_basic"),
    scopes: z._default(
      z.string().check(z.refine((s) => s.split(" ").includes("openid"), 'must be space-separated and include "openid"')),
      "openid profile email",
    ),
    subject_claim: z._default(z.string().check(z.minLength(1)), "sub"),
    // Off by default: each provider's subjects are `<id>:<value>`, apart from the built-in users' and every other provider's.
    shared_subjects: z._default(z.boolean(), false),
    allow_user_chosen_subject: z._default(z.boolean(), false),
    // Its default used to leave subjects unprefixed; a leftover must not silently mean the opposite now.
    prefix_subject: z.optional(
      z
        .unknown()
        .check(
          z.refine(
            () => false,
            'is no longer a setting: subjects are "<id>:<value>" by default; remove it (or, only for providers that share one user base with USERS and each other, set "shared_subjects": true)',
          ),
        ),
    ),
    claims: z.optional(z.array(z.string())),
    userinfo: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (!p.allow_user_chosen_subject && (USER_CHOSEN_CLAIMS as readonly string[]).includes(p.subject_claim))
        ctx.addIssue({
          code: "custom",
          path: ["subject_claim"],
          input: p.subject_claim,
          message: `"${p.subject_claim}" is chosen by the people who sign in at most providers, so one person could take another's subject: use "sub" (or an id the provider assigns, such as Entra ID's "oid"), or set "allow_user_chosen_subject": true if this provider assigns it`,
        });
    }),
  );

/** Worker secret holding the client secret of provider `id`: OIDC_CLIENT_SECRET_OKTA for "okta", …_MY_IDP for "my-idp". */
export const clientSecretVariable = (id: string) => `OIDC_CLIENT_SECRET_${id.toUpperCase().replace(/-/g, "_")}`;

/**
 * OIDC_REDIRECT_URI: `https://<host>/device/callback/{id}`, each provider's redirect URI with
 * `{id}` standing for its id. The value a single shared callback used to need
 * (`…/device/callback`) is refused with what to register instead, so an upgrade cannot leave
 * the providers sending people to an address nothing answers.
 */
const TEMPLATE_PATH = `${CALLBACK_PATH}/${PROVIDER_ID_PLACEHOLDER}`;
const RedirectUriTemplate = z.pipe(
  url({ httpsOnly: true, httpOnLoopback: true }),
  z.string().check(
    z.superRefine((s, ctx) => {
      const origin = new URL(s).origin;
      if (s === `${origin}${TEMPLATE_PATH}`) return;
      const single = s === `${origin}${CALLBACK_PATH}`;
      ctx.addIssue({
        code: "custom",
        input: s,
        message: single
          ? `each provider now has a redirect URI of its own: set ${origin}${TEMPLATE_PATH} and register ${origin}${CALLBACK_PATH}/<id> at each provider instead of ${s} (README, "Registering the callback at your provider")`
          : `must be https://<host>${TEMPLATE_PATH} (http only on loopback), {id} standing for each provider's id`,
      });
    }),
  ),
);

/** Each way of knowing who the user is, with exactly the variables it needs. */
const Authenticator = cases(
  "AUTHENTICATOR",
  [
    z.object({
      AUTHENTICATOR: z.literal("password"),
      USERS: Users,
    }),
    z.object({
      AUTHENTICATOR: z.literal("access"),
      ACCESS_TEAM_DOMAIN: url({ httpsOnly: true, originOnly: true }),
      ACCESS_AUD: requiredText,
    }),
    z.object({
      AUTHENTICATOR: z.literal("oidc"),
      // Entries are checked one by one below, so that a problem is named by the provider's id.
      OIDC_PROVIDERS: json(z.array(z.unknown()).check(z.minLength(1, "must list at least one provider"))),
      OIDC_REDIRECT_URI: RedirectUriTemplate,
      // Built-in users beside the providers: the sign-in page then shows the password form too.
      USERS: z.pipe(optionalText, z.optional(Users)),
    }),
  ],
  `must be one of ${AUTHENTICATORS.join(", ")}`,
);

const Page = z.intersection(
  Authenticator,
  z.object({
    USER_CODE_CHARSET: oneOf(USER_CODE_CHARSETS, "BASE20"),
    USER_CODE_LENGTH: intIn(4, 20),
    SIGN_IN_SESSION_SECONDS: intIn(60, 86_400, 900),
    PRODUCT_NAME: z.pipe(
      optionalText,
      z.pipe(
        z.transform((s: string | undefined) => s ?? "Device Flow Edge"),
        z.string().check(z.maxLength(60)),
      ),
    ),
    LOGO_URL: z.optional(url({ query: true })),
    ACCENT_COLOR: z.pipe(
      optionalText,
      z.pipe(
        z.transform((s: string | undefined) => (s ?? "#1a56db").toLowerCase()),
        z.string().check(z.regex(/^#[0-9a-f]{6}$/, "must be a colour like #1a56db")),
      ),
    ),
    SCOPE_DESCRIPTIONS: z.pipe(optionalText, z.optional(json(z.record(z.string(), z.object({ en: z.optional(z.string()), ja: z.optional(z.string()) }))))),
  }),
);

export interface UserConfig {
  username: string;
  passwordHash: string;
  subject: string;
  claims: Record<string, unknown>;
}

/** One upstream OpenID provider, parsed (auth/oidc.ts uses it). */
export interface OidcProviderConfig {
  id: string;
  label: string;
  issuer: string;
  clientId: string;
  /** null for a public client (token_endpoint_auth_method "none"): PKCE alone protects the code. */
  clientSecret: string | null;
  authMethod: (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];
  scopes: string;
  /** This provider's redirect URI: OIDC_REDIRECT_URI with its id (registered at the provider; never derived from a request). */
  redirectUri: string;
  subjectClaim: string;
  /** The subject is the claim's value as is, shared with USERS and every other provider that says so; otherwise `<id>:<value>`. */
  sharedSubjects: boolean;
  /** The operator says this provider assigns subject_claim even though it is one of USER_CHOSEN_CLAIMS. */
  allowUserChosenSubject: boolean;
  /** The claims offered to the consent step (released only when the client's claimNames ask); null: every claim but the protocol's own. */
  claims: string[] | null;
  userinfo: boolean;
}

export type AuthenticatorConfig =
  | { kind: "password"; users: UserConfig[] }
  | { kind: "access"; teamDomain: string; audience: string }
  | { kind: "oidc"; providers: OidcProviderConfig[]; users: UserConfig[] };

export interface PageConfig {
  userCode: { charset: (typeof USER_CODE_CHARSETS)[number]; length: number };
  authenticator: AuthenticatorConfig;
  signInSessionSeconds: number;
  /** The page's look (verification/theme.ts). */
  theme: { productName: string; logoUrl: string | null; accent: string };
  /** Per scope, per locale tag. */
  scopeDescriptions: Record<string, { en?: string | undefined; ja?: string | undefined }>;
}

const usersOf = (users: z.output<typeof User>[] | undefined): UserConfig[] =>
  (users ?? []).map((u) => ({ username: u.username, passwordHash: u.passwordHash, subject: u.subject ?? u.username, claims: u.claims }));

/**
 * OIDC_PROVIDERS entry by entry, each problem named by the provider (`OIDC_PROVIDERS[okta].issuer: …`),
 * with each client secret from its own Worker secret.
 */
function providersOf(entries: unknown[], redirectUri: string, env: Env): OidcProviderConfig[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const providers: OidcProviderConfig[] = [];
  for (const [i, entry] of entries.entries()) {
    const rawId = (entry as { id?: unknown } | null)?.id;
    const at: IssuePath = ["OIDC_PROVIDERS", `[${typeof rawId === "string" && rawId ? rawId : i}]`];
    const checked = check(Provider, entry, at);
    if ("issues" in checked) {
      issues.push(...checked.issues);
      continue;
    }
    const p = checked.data;
    if (seen.has(p.id)) {
      issues.push({ path: [...at, "id"], message: "appears more than once" });
      continue;
    }
    seen.add(p.id);
    const variable = clientSecretVariable(p.id);
    const secret = (env as Record<string, unknown>)[variable];
    const clientSecret = typeof secret === "string" && secret.trim() ? secret.trim() : null;
    if (p.token_endpoint_auth_method === "none" && clientSecret) {
      issues.push({ path: [...at, "token_endpoint_auth_method"], message: `is "none" but ${variable} is set (remove one)` });
      continue;
    }
    if (p.token_endpoint_auth_method !== "none" && !clientSecret) {
      issues.push({ path: at, message: `${variable} is missing (a Worker secret; or token_endpoint_auth_method "none" for a public client with PKCE only)` });
      continue;
    }
    providers.push({
      id: p.id,
      label: p.label,
      issuer: p.issuer,
      clientId: p.client_id,
      clientSecret,
      authMethod: p.token_endpoint_auth_method,
      scopes: p.scopes,
      redirectUri: redirectUri.replace(PROVIDER_ID_PLACEHOLDER, p.id),
      subjectClaim: p.subject_claim,
      sharedSubjects: p.shared_subjects,
      allowUserChosenSubject: p.allow_user_chosen_subject,
      claims: p.claims ?? null,
      userinfo: p.userinfo,
    });
  }
  if (issues.length) throw new ConfigError(issues);
  return providers;
}

function authenticatorOf(v: z.output<typeof Authenticator>, env: Env): AuthenticatorConfig {
  switch (v.AUTHENTICATOR) {
    case "access":
      return { kind: "access", teamDomain: v.ACCESS_TEAM_DOMAIN, audience: v.ACCESS_AUD };
    case "oidc":
      return { kind: "oidc", providers: providersOf(v.OIDC_PROVIDERS, v.OIDC_REDIRECT_URI, env), users: usersOf(v.USERS) };
    case "password":
      return { kind: "password", users: usersOf(v.USERS) };
  }
}

export function loadPageConfig(env: Env): PageConfig {
  const v = parse(Page, { ...env, AUTHENTICATOR: env.AUTHENTICATOR?.trim() || "password", LOGO_URL: env.LOGO_URL?.trim() || undefined });
  return {
    // Authlete's defaults when userCodeLength is 0: 8 for BASE20, 9 for NUMERIC (docs/authlete-api.md §8.2).
    userCode: { charset: v.USER_CODE_CHARSET, length: v.USER_CODE_LENGTH ?? (v.USER_CODE_CHARSET === "NUMERIC" ? 9 : 8) },
    authenticator: authenticatorOf(v, env),
    signInSessionSeconds: v.SIGN_IN_SESSION_SECONDS!,
    theme: { productName: v.PRODUCT_NAME, logoUrl: v.LOGO_URL ?? null, accent: v.ACCENT_COLOR },
    scopeDescriptions: v.SCOPE_DESCRIPTIONS ?? {},
  };
}
