import { AccessAuthenticator, type AccessKeys, accessKeysFor } from "./auth/access";
import type { Authenticator } from "./auth/authenticator";
import { OidcAuthenticator, OidcFederation } from "./auth/oidc";
import { PasswordAuthenticator } from "./auth/password";
import { AuthleteClient } from "./authlete/client";
import { type Config, type Env, loadConfig, loadPageConfig, loadPolicyConfig, type PageConfig, type PolicyConfig } from "./config";
import { KeyedHash } from "./crypto";
import type { DeviceGrant } from "./grant/object";
import { DurableObjectGrants, type Grants } from "./grant/store";
import type { BudgetCounter } from "./protection/budget-object";
import { PageBudgets, perNetwork } from "./protection/budgets";
import { DeviceAuthorizationGuard } from "./protection/device-authorization";
import { DurableObjectLimiter, FallbackLimiter, MemoryLimiter } from "./protection/limiter";
import { PollingGuard } from "./protection/polling";
import { HOSTING_ASNS, SHARED_ASNS } from "./protection/proximity";
import type { ReportedNetwork } from "./protection/reported-network-object";
import { ReportedNetworks } from "./protection/reported-networks";
import { FlowStore } from "./session/flow";
import { LoginStates } from "./session/login";
import { SignInStore } from "./session/sign-in";
import { Storage } from "./storage/kv";

/**
 * The composition root: the one place that turns configuration into the objects a request
 * uses. Everything is built once per `env` object (Workers hand every request of an isolate
 * the same one) and cached, so a request only looks things up. Endpoints and page steps get
 * what they need from here and hold no policy of their own.
 */

export interface ServiceOptions {
  /** Epoch ms. Tests pass a controllable clock; production uses Date.now. */
  now?: () => number;
  /** Cloudflare Access signing keys; tests pass a local key set. Default: the team's certs URL. */
  accessKeys?: AccessKeys;
}

/** What the JSON endpoints use. */
export interface ApiServices {
  config: Config;
  keyed: KeyedHash;
  now: () => number;
  authlete: AuthleteClient;
  polling: PollingGuard;
  deviceAuthorization: DeviceAuthorizationGuard;
  /** Each device grant's object: created on device authorization, polled, decided on the page. */
  grants: Grants;
  /**
   * CLIENT_POLICY, for device authorization only (throws ConfigError when it is bad, so no new
   * code is issued under a policy that cannot be read). The token endpoint never calls it: a
   * grant carries what its policy decided (grant/record.ts), so polls go on whatever the policy.
   */
  policy(): Policy;
  /**
   * The watch list, read at device authorization. A function, because it depends on the policy
   * (REPORTED_NETWORK_HOURS, HOSTING_ASNS): the token endpoint never calls it, so a bad policy
   * never stops the polls of devices already waiting.
   */
  reportedNetworks: () => ReportedNetworks;
}

/** What the verification page uses, and nothing else. */
export interface PageServices {
  page: PageConfig;
  keyed: KeyedHash;
  now: () => number;
  authlete: AuthleteClient;
  authenticator: Authenticator;
  budgets: PageBudgets;
  flows: FlowStore;
  signIns: SignInStore;
  /** OpenID sign-ins between the button and the callback (sealed cookie, replay marker). */
  logins: LoginStates;
  grants: Grants;
  /** CLIENT_POLICY and the lists every client shares (config/policy.ts). */
  policy: Policy;
  /** The watch list: a report puts the device's network on it. */
  reportedNetworks: ReportedNetworks;
}

/** The per-client policy, with the hosting and the shared networks as one set each: the built-in ones and the operator's HOSTING_ASNS, SHARED_ASNS. */
export interface Policy extends PolicyConfig {
  hostingAsnSet: ReadonlySet<number>;
  sharedAsnSet: ReadonlySet<number>;
}

export interface Services {
  api(env: Env): ApiServices;
  /** Throws ConfigError when a page variable is bad; the JSON endpoints never call it. */
  page(env: Env): PageServices;
  /**
   * Throws ConfigError when the policy is bad. The page and device authorization read it; the
   * token endpoint never does (a grant carries what its policy decided), so polls go on.
   */
  policy(env: Env): Policy;
}

export function compose(options: ServiceOptions = {}): Services {
  const now = options.now ?? Date.now;
  // Per isolate: what code entry and sign-in fall back to when the Durable Objects are unreachable.
  const isolateBudgets = new MemoryLimiter(now);

  const shared = cached((env: Env) => {
    const config = loadConfig(env);
    const keyed = new KeyedHash(config.secret, config.previousSecret);
    const storage = new Storage(config.kv, keyed);
    // The binding's type cannot name the class without config importing from the rest of src/.
    const budgets = new DurableObjectLimiter(config.budgets as DurableObjectNamespace<BudgetCounter>, keyed, now);
    return {
      config,
      keyed,
      storage,
      // Device-side budgets fail open: an outage must not stop devices getting codes and tokens.
      deviceLimiter: new FallbackLimiter(budgets, "open"),
      pageLimiter: new FallbackLimiter(budgets, isolateBudgets),
      authlete: new AuthleteClient(config.authlete, config.authleteFetch),
      grants: new DurableObjectGrants(config.grants as DurableObjectNamespace<DeviceGrant>, keyed),
    };
  });

  const policy = cached((env: Env): Policy => {
    const p = loadPolicyConfig(env);
    return { ...p, hostingAsnSet: new Set([...HOSTING_ASNS, ...p.hostingAsns]), sharedAsnSet: new Set([...SHARED_ASNS, ...p.sharedAsns]) };
  });

  const api = cached((env: Env): ApiServices => {
    const { config, keyed, deviceLimiter, authlete, grants } = shared(env);
    return {
      config,
      keyed,
      now,
      authlete,
      grants,
      policy: () => policy(env),
      reportedNetworks: () => reportedNetworks(env),
      polling: new PollingGuard(grants, deviceLimiter, perNetwork(config.limits, "unknownDeviceCode"), now, {
        maxIntervalSeconds: config.pollMaxIntervalSeconds,
        passThroughSeconds: config.pollPassThroughSeconds,
      }),
      deviceAuthorization: new DeviceAuthorizationGuard(deviceLimiter, config.limits),
    };
  });

  const reportedNetworks = cached((env: Env): ReportedNetworks => {
    const { config, keyed } = shared(env);
    const p = policy(env);
    return new ReportedNetworks(config.reportedNetworks as DurableObjectNamespace<ReportedNetwork>, keyed, p.reportedNetworkHours, p.hostingAsnSet, now);
  });

  const page = cached((env: Env): PageServices => {
    const { config, keyed, storage, pageLimiter, authlete, grants } = shared(env);
    const page = loadPageConfig(env);
    return {
      page,
      keyed,
      now,
      authlete,
      grants,
      authenticator: authenticatorFor(page, config, now, options.accessKeys),
      budgets: new PageBudgets(pageLimiter, config.limits),
      flows: new FlowStore(storage.table("flow"), now),
      signIns: new SignInStore(storage.table("signIn"), now, page.signInSessionSeconds),
      logins: new LoginStates(config.previousSecret ? [config.secret, config.previousSecret] : [config.secret], keyed, storage.table("usedLogin"), now),
      policy: policy(env),
      reportedNetworks: reportedNetworks(env),
    };
  });

  return { api, page, policy };
}

function authenticatorFor(page: PageConfig, config: Config, now: () => number, accessKeys: AccessKeys | undefined): Authenticator {
  const a = page.authenticator;
  switch (a.kind) {
    case "access":
      return new AccessAuthenticator(a.teamDomain, a.audience, accessKeys ?? accessKeysFor(a.teamDomain), now);
    case "password":
      return new PasswordAuthenticator(a.users, now);
    case "oidc": {
      const federation = new OidcFederation(a.providers, {
        fetch: (input, init) => fetch(input, init),
        now,
        cacheSeconds: config.discoveryCacheSeconds,
      });
      return new OidcAuthenticator(federation, a.users.length ? new PasswordAuthenticator(a.users, now) : null);
    }
  }
}

/** One value per env object; a failure (a ConfigError) is not cached, so a fixed variable takes effect on the next request. */
function cached<T>(build: (env: Env) => T): (env: Env) => T {
  const cache = new WeakMap<Env, T>();
  return (env) => {
    let value = cache.get(env);
    if (value === undefined) {
      value = build(env);
      cache.set(env, value);
    }
    return value;
  };
}
