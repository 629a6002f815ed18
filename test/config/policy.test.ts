import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { type ClientPolicy, ConfigError, DEFAULT_CLIENT_POLICY, type Env, loadPolicyConfig, policyFor } from "../../src/config";
import { SHARED_ASNS } from "../../src/protection/proximity";
import { compose } from "../../src/services";
import wrangler from "../../wrangler.toml?raw";
import type { Overrides } from "../support/helpers";

const UNSET: Overrides = {
  CLIENT_POLICY: undefined,
  PROXIMITY_POLICY: undefined,
  HOSTING_ASNS: undefined,
  SHARED_ASNS: undefined,
  REPORTED_NETWORK_HOURS: undefined,
};
const policy = (overrides: Overrides) => loadPolicyConfig({ ...env, ...UNSET, ...overrides } as Env);
const client = (overrides: Overrides, id: number | null) => policyFor(policy(overrides), id);
const NO_LIFETIMES = { accessTokenSeconds: null, refreshTokenSeconds: null };

describe("CLIENT_POLICY: per Authlete client id over `default` over what the server did before", () => {
  it("unset: every field is today's behaviour (warn across countries, codes older than 5 minutes warned, nothing else)", () => {
    const c = policy({});
    expect(c.policies).toEqual({ default: DEFAULT_CLIENT_POLICY, clients: {} });
    expect(DEFAULT_CLIENT_POLICY).toEqual({
      proximity: { crossCountry: "warn", maxCodeAgeSeconds: 300, reportedNetwork: "warn" },
      scopes: null,
      tokens: { ...NO_LIFETIMES, afterWarning: NO_LIFETIMES },
      maxAuthAgeSeconds: null,
      dpop: null,
      oneCodeOnePerson: null,
    });
    expect(c.hostingAsns).toEqual([]);
    expect(c.sharedAsns).toEqual([]);
    expect(c.reportedNetworkHours).toBe(24);
    // Blank reads as unset.
    expect(policy({ CLIENT_POLICY: " ", PROXIMITY_POLICY: "", HOSTING_ASNS: " ", SHARED_ASNS: "", REPORTED_NETWORK_HOURS: "" })).toEqual(c);
  });

  it("the README's example: each field of a client's entry, the default's proximity under it, member by member", () => {
    const overrides = {
      CLIENT_POLICY: JSON.stringify({
        default: { proximity: { crossCountry: "warn", maxCodeAgeSeconds: 300 } },
        "1001": {
          scopes: ["openid", "profile"],
          tokens: { accessTokenSeconds: 900, refreshTokenSeconds: 86400, afterWarning: { accessTokenSeconds: 300, refreshTokenSeconds: 3600 } },
          maxAuthAgeSeconds: 300,
          dpop: "bind",
          oneCodeOnePerson: "warn",
        },
        "1002": { proximity: { crossCountry: "block" }, tokens: { afterWarning: { accessTokenSeconds: 120 } } },
      }),
    };
    expect(client(overrides, 1001)).toEqual<ClientPolicy>({
      proximity: { crossCountry: "warn", maxCodeAgeSeconds: 300, reportedNetwork: "warn" },
      scopes: ["openid", "profile"],
      tokens: { accessTokenSeconds: 900, refreshTokenSeconds: 86_400, afterWarning: { accessTokenSeconds: 300, refreshTokenSeconds: 3600 } },
      maxAuthAgeSeconds: 300,
      dpop: "bind",
      oneCodeOnePerson: "warn",
    });
    expect(client(overrides, 1002)).toEqual<ClientPolicy>({
      ...DEFAULT_CLIENT_POLICY,
      proximity: { crossCountry: "block", maxCodeAgeSeconds: 300, reportedNetwork: "warn" },
      tokens: { ...NO_LIFETIMES, afterWarning: { accessTokenSeconds: 120, refreshTokenSeconds: null } },
    });
    // A client without an entry, or none named, gets the default.
    expect(client(overrides, 4242)).toEqual(DEFAULT_CLIENT_POLICY);
    expect(client(overrides, null)).toEqual(DEFAULT_CLIENT_POLICY);
  });

  it("the examples people copy parse: README's Policy section (every field) and wrangler.toml's production comment", () => {
    const fromReadme = /CLIENT_POLICY = '([\s\S]+?)'\n```/.exec(readme)?.[1];
    const fromToml = /^# CLIENT_POLICY = '(.+)'$/m.exec(wrangler)?.[1];
    expect(fromReadme && fromToml).toBeTruthy();
    const tv = client({ CLIENT_POLICY: fromReadme }, 1001);
    for (const field of Object.keys(DEFAULT_CLIENT_POLICY) as (keyof ClientPolicy)[]) expect(tv[field], field).not.toEqual(DEFAULT_CLIENT_POLICY[field]);
    expect(client({ CLIENT_POLICY: fromToml }, 4326385670)).toMatchObject({ proximity: { crossCountry: "block" }, oneCodeOnePerson: "block" });
  });

  it("a client's entry goes over the default's, field by field", () => {
    const c = client({ CLIENT_POLICY: '{"default":{"dpop":"require","scopes":["openid"],"maxAuthAgeSeconds":60},"7":{"dpop":"bind"}}' }, 7);
    expect(c).toMatchObject({ dpop: "bind", scopes: ["openid"], maxAuthAgeSeconds: 60 });
  });

  it("PROXIMITY_POLICY (deprecated) is still read, as each entry's proximity; CLIENT_POLICY's own settings go over it", () => {
    const overrides = {
      PROXIMITY_POLICY: '{"default":{"maxCodeAgeSeconds":600},"1001":{"crossCountry":"block"},"1002":{"crossCountry":"allow","maxCodeAgeSeconds":120}}',
      CLIENT_POLICY: '{"1002":{"proximity":{"crossCountry":"warn"},"dpop":"bind"}}',
    };
    const c = policy(overrides);
    expect(c.policies.default.proximity).toEqual({ crossCountry: "warn", maxCodeAgeSeconds: 600, reportedNetwork: "warn" });
    expect(client(overrides, 1001).proximity).toEqual({ crossCountry: "block", maxCodeAgeSeconds: 600, reportedNetwork: "warn" });
    expect(client(overrides, 1002)).toMatchObject({ proximity: { crossCountry: "warn", maxCodeAgeSeconds: 120 }, dpop: "bind" });
  });

  it("proximity.reportedNetwork: warn (the default) or block, per client, over the default's", () => {
    const overrides = { CLIENT_POLICY: '{"default":{"proximity":{"reportedNetwork":"block"}},"1001":{"proximity":{"reportedNetwork":"warn"}},"1002":{}}' };
    expect(client(overrides, 1001).proximity).toEqual({ crossCountry: "warn", maxCodeAgeSeconds: 300, reportedNetwork: "warn" });
    expect(client(overrides, 1002).proximity.reportedNetwork).toBe("block");
    expect(client(overrides, null).proximity.reportedNetwork).toBe("block");
    expect(client({}, 1001).proximity.reportedNetwork).toBe("warn");
    // The deprecated variable takes it too, being each entry's proximity.
    expect(client({ PROXIMITY_POLICY: '{"1001":{"reportedNetwork":"block"}}' }, 1001).proximity.reportedNetwork).toBe("block");
  });

  it("HOSTING_ASNS: commas or spaces, AS prefixes in either case; REPORTED_NETWORK_HOURS 0 to 720", () => {
    expect(policy({ HOSTING_ASNS: "as64500,AS64501,, 64502" }).hostingAsns).toEqual([64500, 64501, 64502]);
    expect(policy({ REPORTED_NETWORK_HOURS: "0" }).reportedNetworkHours).toBe(0);
    expect(policy({ REPORTED_NETWORK_HOURS: "720" }).reportedNetworkHours).toBe(720);
  });

  it("SHARED_ASNS: parsed like HOSTING_ASNS, and joined with the built-in shared networks into one set for the page", () => {
    expect(policy({ SHARED_ASNS: "AS64500 as64501,64502" }).sharedAsns).toEqual([64500, 64501, 64502]);
    const set = compose().policy({ ...env, ...UNSET, SHARED_ASNS: "64500" } as Env).sharedAsnSet;
    for (const asn of [...SHARED_ASNS, 64500]) expect(set.has(asn)).toBe(true);
    expect(set.has(2516)).toBe(false);
  });

  it.each<[Overrides, string]>([
    [{ CLIENT_POLICY: "{" }, "CLIENT_POLICY: must be valid JSON"],
    [{ CLIENT_POLICY: '{"demo-device":{}}' }, "CLIENT_POLICY.demo-device: is not `default` or a numeric Authlete client id"],
    [{ CLIENT_POLICY: '{"default":"block"}' }, "CLIENT_POLICY.default: must be an object"],
    [{ CLIENT_POLICY: '{"1001":{"scope":["openid"]}}' }, "CLIENT_POLICY.1001.scope: is not a known setting"],
    [{ CLIENT_POLICY: '{"1001":{"scopes":"openid profile"}}' }, "CLIENT_POLICY.1001.scopes: must be a list"],
    [{ CLIENT_POLICY: '{"1001":{"scopes":["open id"]}}' }, "CLIENT_POLICY.1001.scopes.0: must be a scope name"],
    [
      { CLIENT_POLICY: '{"1001":{"tokens":{"accessTokenSeconds":30}}}' },
      "CLIENT_POLICY.1001.tokens.accessTokenSeconds: must be a whole number between 60 and 31536000",
    ],
    [{ CLIENT_POLICY: '{"1001":{"tokens":{"afterWarning":{"refreshTokenSeconds":1.5}}}}' }, "CLIENT_POLICY.1001.tokens.afterWarning.refreshTokenSeconds"],
    [{ CLIENT_POLICY: '{"1001":{"tokens":{"afterWarnings":{}}}}' }, "CLIENT_POLICY.1001.tokens.afterWarnings: is not a known setting"],
    [{ CLIENT_POLICY: '{"1001":{"maxAuthAgeSeconds":-1}}' }, "CLIENT_POLICY.1001.maxAuthAgeSeconds: must be a whole number between 0 and 86400"],
    [{ CLIENT_POLICY: '{"1001":{"dpop":"yes"}}' }, "CLIENT_POLICY.1001.dpop: must be one of bind, require"],
    [{ CLIENT_POLICY: '{"1001":{"oneCodeOnePerson":true}}' }, "CLIENT_POLICY.1001.oneCodeOnePerson: must be one of warn, block"],
    [{ CLIENT_POLICY: '{"1001":{"proximity":{"crossCountry":"deny"}}}' }, "CLIENT_POLICY.1001.proximity.crossCountry: must be one of allow, warn, block"],
    [{ CLIENT_POLICY: '{"1001":{"proximity":{"farKm":10}}}' }, "CLIENT_POLICY.1001.proximity.farKm: is not a known setting"],
    [{ CLIENT_POLICY: '{"1001":{"proximity":{"reportedNetwork":"deny"}}}' }, "CLIENT_POLICY.1001.proximity.reportedNetwork: must be one of warn, block"],
    [{ PROXIMITY_POLICY: "{" }, "PROXIMITY_POLICY: must be valid JSON"],
    [{ PROXIMITY_POLICY: '{"demo-device":{}}' }, "PROXIMITY_POLICY.demo-device: is not `default` or a numeric Authlete client id"],
    [{ PROXIMITY_POLICY: '{"default":{"crossCountry":"deny"}}' }, "PROXIMITY_POLICY.default.crossCountry: must be one of allow, warn, block"],
    [{ PROXIMITY_POLICY: '{"default":{"maxCodeAgeSeconds":29}}' }, "PROXIMITY_POLICY.default.maxCodeAgeSeconds: must be a whole number between 30 and 86400"],
    [{ PROXIMITY_POLICY: '{"default":{"maxCodeAgeSeconds":"300"}}' }, "PROXIMITY_POLICY.default.maxCodeAgeSeconds: must be a number"],
    [{ PROXIMITY_POLICY: '{"1001":{"crossCountry":"warn","farKm":10}}' }, "PROXIMITY_POLICY.1001.farKm: is not a known setting"],
    [{ PROXIMITY_POLICY: '{"123456789012345678901":{}}' }, "PROXIMITY_POLICY.123456789012345678901: is not `default`"],
    [{ HOSTING_ASNS: "16509, amazon" }, "HOSTING_ASNS.1: must be ASNs such as 64500, AS64501"],
    [{ HOSTING_ASNS: "64500 12345678901" }, "HOSTING_ASNS.1: must be ASNs such as 64500, AS64501"],
    [{ SHARED_ASNS: "13335, warp" }, "SHARED_ASNS.1: must be ASNs such as 64500, AS64501"],
    [{ SHARED_ASNS: "AS" }, "SHARED_ASNS.0: must be ASNs such as 64500, AS64501"],
    [{ REPORTED_NETWORK_HOURS: "721" }, "REPORTED_NETWORK_HOURS: must be a whole number between 0 and 720"],
  ])("%j → %s", (overrides, message) => {
    expect(() => policy(overrides)).toThrow(ConfigError);
    expect(() => policy(overrides)).toThrow(`Invalid configuration: ${message}`);
  });
});
