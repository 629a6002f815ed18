import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, loadPageConfig } from "../../src/config";
import type { Overrides } from "../support/helpers";

const page = (overrides: Overrides) => loadPageConfig({ ...env, ...overrides } as Env);
const DEMO_HASH = JSON.parse(env.USERS!)[0].passwordHash as string;

/** One provider, and the variables that configure a Worker with the given providers. */
const provider = { id: "okta", label: "Okta", issuer: "https://example.okta.com", client_id: "abc" };
const OIDC = (providers: unknown, extra: Overrides = {}): Overrides => ({
  AUTHENTICATOR: "oidc",
  OIDC_PROVIDERS: JSON.stringify(providers),
  OIDC_REDIRECT_URI: "https://device.example.com/device/callback/{id}",
  OIDC_CLIENT_SECRET_OKTA: "s3cret",
  ...extra,
});

describe("AUTHENTICATOR=oidc: providers parsed once, errors that name the provider and the field", () => {
  it("defaults: client_secret_basic, openid profile email, its own redirect URI, sub as the subject in the provider's namespace, every non-protocol claim offered, no userinfo; USERS stays optional", () => {
    const c = page(OIDC([provider], { USERS: undefined }));
    expect(c.authenticator).toEqual({
      kind: "oidc",
      users: [],
      providers: [
        {
          id: "okta",
          label: "Okta",
          issuer: "https://example.okta.com",
          clientId: "abc",
          clientSecret: "s3cret",
          authMethod: "client_secret_basic",
          scopes: "openid profile email",
          redirectUri: "https://device.example.com/device/callback/okta",
          subjectClaim: "sub",
          sharedSubjects: false,
          allowUserChosenSubject: false,
          claims: null,
          userinfo: false,
        },
      ],
    });
  });

  it("the issuer is kept byte for byte (trailing slash included); a public client needs no secret; ids with dashes map to OIDC_CLIENT_SECRET_MY_IDP; USERS beside them", () => {
    const c = page(
      OIDC(
        [
          { ...provider, issuer: "https://tenant.auth0.com/" },
          { id: "my-idp", label: "Mine", issuer: "http://localhost:9000", client_id: "x", token_endpoint_auth_method: "none" },
          { id: "third", label: "Third", issuer: "https://idp.example", client_id: "y", token_endpoint_auth_method: "client_secret_post" },
        ],
        { OIDC_CLIENT_SECRET_THIRD: "t" },
      ),
    );
    expect(c.authenticator.kind === "oidc" && c.authenticator.providers.map((p) => [p.id, p.issuer, p.clientSecret, p.authMethod])).toEqual([
      ["okta", "https://tenant.auth0.com/", "s3cret", "client_secret_basic"],
      ["my-idp", "http://localhost:9000", null, "none"],
      ["third", "https://idp.example", "t", "client_secret_post"],
    ]);
    expect(c.authenticator.kind === "oidc" && c.authenticator.users.map((u) => u.username)).toEqual(["demo"]);
  });

  it.each<[unknown, Overrides, string]>([
    [[{ ...provider, issuer: "http://example.okta.com" }], {}, "OIDC_PROVIDERS[okta].issuer: must be an https (http only on loopback) URL"],
    [[{ ...provider, issuer: "https://example.okta.com#x" }], {}, "OIDC_PROVIDERS[okta].issuer: must be an https"],
    [[{ ...provider, client_id: "" }], {}, "OIDC_PROVIDERS[okta].client_id: must not be empty"],
    [[{ ...provider, label: undefined }], {}, "OIDC_PROVIDERS[okta].label: is missing"],
    [[{ ...provider, scopes: "profile email" }], {}, 'OIDC_PROVIDERS[okta].scopes: must be space-separated and include "openid"'],
    [[{ ...provider, token_endpoint_auth_method: "private_key_jwt" }], {}, "OIDC_PROVIDERS[okta].token_endpoint_auth_method: must be one of"],
    [[{ ...provider, id: "Okta!" }], {}, "OIDC_PROVIDERS[Okta!].id: must be 1-32 characters"],
    [[{ label: "x" }], {}, "OIDC_PROVIDERS[0].id: is missing"],
    [[provider, provider], {}, "OIDC_PROVIDERS[okta].id: appears more than once"],
    [[provider], { OIDC_CLIENT_SECRET_OKTA: undefined }, "OIDC_PROVIDERS[okta]: OIDC_CLIENT_SECRET_OKTA is missing"],
    [
      [{ ...provider, token_endpoint_auth_method: "none" }],
      {},
      'OIDC_PROVIDERS[okta].token_endpoint_auth_method: is "none" but OIDC_CLIENT_SECRET_OKTA is set',
    ],
    [[], {}, "OIDC_PROVIDERS: must list at least one provider"],
    [[provider], { OIDC_PROVIDERS: "{" }, "OIDC_PROVIDERS: must be valid JSON"],
    [[provider], { OIDC_REDIRECT_URI: undefined }, "OIDC_REDIRECT_URI: is missing"],
    [[provider], { OIDC_REDIRECT_URI: "http://device.example.com/device/callback/{id}" }, "OIDC_REDIRECT_URI: must be an https (http only on loopback) URL"],
    [[provider], { OIDC_REDIRECT_URI: "https://device.example.com/callback/{id}" }, "OIDC_REDIRECT_URI: must be https://<host>/device/callback/{id}"],
    [[provider], { OIDC_REDIRECT_URI: "https://device.example.com/device/callback/okta" }, "OIDC_REDIRECT_URI: must be https://<host>/device/callback/{id}"],
    [[provider], { OIDC_REDIRECT_URI: "https://device.example.com/device/callback/{id}?next=/x" }, "OIDC_REDIRECT_URI: must be an https"],
    // The single callback of before: refused with what to register instead.
    [
      [provider],
      { OIDC_REDIRECT_URI: "https://device.example.com/device/callback" },
      "OIDC_REDIRECT_URI: each provider now has a redirect URI of its own: set https://device.example.com/device/callback/{id} and register https://device.example.com/device/callback/<id> at each provider",
    ],
  ])("%j %j → %s", (providers, extra, message) => {
    expect(() => page(OIDC(providers, extra))).toThrow(ConfigError);
    expect(() => page(OIDC(providers, extra))).toThrow(message);
  });

  it("http is allowed on loopback only: localhost, *.localhost, 127.0.0.0/8, [::1]", () => {
    for (const issuer of ["http://localhost:9000", "http://idp.localhost:9000", "http://127.0.0.1:9000", "http://[::1]:9000"])
      expect(() => page(OIDC([{ ...provider, issuer }], { OIDC_REDIRECT_URI: "http://127.0.0.1:8787/device/callback/{id}" }))).not.toThrow();
    expect(() => page(OIDC([{ ...provider, issuer: "http://localhost.example.com" }]))).toThrow("must be an https");
  });
});

describe("subjects cannot collide: namespaced by default, never a claim people choose unless said so", () => {
  const provider = { id: "okta", label: "Okta", issuer: "https://example.okta.com", client_id: "abc" };
  const OIDC = (providers: unknown): Overrides => ({
    AUTHENTICATOR: "oidc",
    OIDC_PROVIDERS: JSON.stringify(providers),
    OIDC_REDIRECT_URI: "https://device.example.com/device/callback/{id}",
    OIDC_CLIENT_SECRET_OKTA: "s3cret",
  });
  const first = (providers: unknown) => {
    const a = page(OIDC(providers)).authenticator;
    return a.kind === "oidc" ? a.providers[0]! : null;
  };

  it("prefix_subject, whose default used to leave subjects unprefixed, is refused whichever its value, saying what replaced it", () => {
    for (const value of [true, false])
      expect(() => page(OIDC([{ ...provider, prefix_subject: value }]))).toThrow(
        'OIDC_PROVIDERS[okta].prefix_subject: is no longer a setting: subjects are "<id>:<value>" by default; remove it (or, only for providers that share one user base with USERS and each other, set "shared_subjects": true)',
      );
  });

  it.each(["preferred_username", "name", "nickname", "given_name"])(
    "subject_claim %s (chosen by people) is refused unless allow_user_chosen_subject says the provider assigns it",
    (claim) => {
      expect(() => page(OIDC([{ ...provider, subject_claim: claim }]))).toThrow(
        `OIDC_PROVIDERS[okta].subject_claim: "${claim}" is chosen by the people who sign in at most providers, so one person could take another's subject`,
      );
      expect(first([{ ...provider, subject_claim: claim, allow_user_chosen_subject: true }])).toMatchObject({
        subjectClaim: claim,
        allowUserChosenSubject: true,
      });
    },
  );

  it("sub, an assigned id (oid) and email (checked for email_verified at each sign-in) need no opt-in", () => {
    for (const claim of ["sub", "oid", "email"])
      expect(first([{ ...provider, subject_claim: claim }])).toMatchObject({ subjectClaim: claim, sharedSubjects: false });
  });
});

describe("OIDC_PROVIDERS: every field's rule and message, every problem at once", () => {
  const issuesOf = (overrides: Overrides) => {
    try {
      page(overrides);
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
    return [];
  };

  it("each setting as given: scopes, the subject claim and its namespace, the claims offered, userinfo; unknown fields are ignored", () => {
    const c = page(
      OIDC([
        {
          ...provider,
          scopes: "openid email groups",
          subject_claim: "email",
          shared_subjects: true,
          claims: ["name", "email", "groups"],
          userinfo: true,
          logo: "ignored",
        },
      ]),
    );
    expect(c.authenticator.kind === "oidc" && c.authenticator.providers[0]).toMatchObject({
      scopes: "openid email groups",
      subjectClaim: "email",
      sharedSubjects: true,
      claims: ["name", "email", "groups"],
      userinfo: true,
    });
    expect(c.authenticator.kind === "oidc" && c.authenticator.providers[0]).not.toHaveProperty("logo");
  });

  it.each<[Record<string, unknown>, string]>([
    [{ label: "" }, "OIDC_PROVIDERS[okta].label: must not be empty"],
    [{ label: "x".repeat(61) }, "OIDC_PROVIDERS[okta].label: must be at most 60 characters"],
    [{ issuer: undefined }, "OIDC_PROVIDERS[okta].issuer: is missing"],
    [{ issuer: "https://example.okta.com/?tenant=1" }, "OIDC_PROVIDERS[okta].issuer: must be an https (http only on loopback) URL without query or fragment"],
    [{ client_id: 42 }, "OIDC_PROVIDERS[okta].client_id: must be text"],
    [{ subject_claim: "" }, "OIDC_PROVIDERS[okta].subject_claim: must not be empty"],
    [{ shared_subjects: "yes" }, "OIDC_PROVIDERS[okta].shared_subjects: must be true or false"],
    [{ allow_user_chosen_subject: 1 }, "OIDC_PROVIDERS[okta].allow_user_chosen_subject: must be true or false"],
    [{ userinfo: 1 }, "OIDC_PROVIDERS[okta].userinfo: must be true or false"],
    [{ claims: "name email" }, "OIDC_PROVIDERS[okta].claims: must be a list"],
    [{ claims: ["name", 1] }, "OIDC_PROVIDERS[okta].claims.1: must be text"],
    [
      { token_endpoint_auth_method: "private_key_jwt" },
      "OIDC_PROVIDERS[okta].token_endpoint_auth_method: must be one of client_secret_basic, client_secret_post, none",
    ],
    [{ id: "-okta" }, "OIDC_PROVIDERS[-okta].id: must be 1-32 characters a-z, 0-9 and -, starting with a letter or digit"],
    [{ id: "a".repeat(33) }, `OIDC_PROVIDERS[${"a".repeat(33)}].id: must be 1-32 characters`],
  ])("%j → %s", (change, message) => {
    expect(() => page(OIDC([{ ...provider, ...change }]))).toThrow(`Invalid configuration: ${message}`);
  });

  it("an entry that is not an object is named by its place in the list", () => {
    expect(() => page(OIDC(["okta"]))).toThrow("Invalid configuration: OIDC_PROVIDERS[0]: must be an object");
    expect(() => page(OIDC([{ ...provider, id: 7 }]))).toThrow("Invalid configuration: OIDC_PROVIDERS[0].id: must be text");
    expect(() => page(OIDC({ okta: provider }))).toThrow("Invalid configuration: OIDC_PROVIDERS: must be a list");
  });

  it("every provider's problems at once, as issues whose paths start with OIDC_PROVIDERS", () => {
    const issues = issuesOf(
      OIDC([
        { ...provider, issuer: "http://example.okta.com", label: "" },
        { id: "entra", label: "Entra", issuer: "https://login.microsoftonline.com/t/v2.0", client_id: "c" },
      ]),
    );
    expect(issues).toEqual([
      { path: ["OIDC_PROVIDERS", "[okta]", "label"], message: "must not be empty" },
      { path: ["OIDC_PROVIDERS", "[okta]", "issuer"], message: "must be an https (http only on loopback) URL without query or fragment" },
      {
        path: ["OIDC_PROVIDERS", "[entra]"],
        message: 'OIDC_CLIENT_SECRET_ENTRA is missing (a Worker secret; or token_endpoint_auth_method "none" for a public client with PKCE only)',
      },
    ]);
  });

  it("a blank client secret is no secret; a secret is trimmed", () => {
    expect(() => page(OIDC([provider], { OIDC_CLIENT_SECRET_OKTA: "  " }))).toThrow("OIDC_PROVIDERS[okta]: OIDC_CLIENT_SECRET_OKTA is missing");
    const c = page(OIDC([provider], { OIDC_CLIENT_SECRET_OKTA: " s " }));
    expect(c.authenticator.kind === "oidc" && c.authenticator.providers[0]?.clientSecret).toBe("s");
  });

  it("USERS beside the providers follow the same rules as alone", () => {
    const dup = JSON.stringify([
      { username: "demo", passwordHash: DEMO_HASH },
      { username: "Demo", passwordHash: DEMO_HASH },
    ]);
    expect(() => page(OIDC([provider], { USERS: dup }))).toThrow('USERS.1.username: "Demo" appears more than once (as "demo" in USERS.0)');
    expect(() => page(OIDC([provider], { USERS: "[]" }))).toThrow("Invalid configuration: USERS: must list at least one user");
    expect(page(OIDC([provider], { USERS: " " })).authenticator).toMatchObject({ kind: "oidc", users: [] });
  });
});
