// What /device/complete may change about the tokens (docs/authlete-api.md §5.1): `scopes`
// replaces the requested ones, `accessTokenDuration` and `refreshTokenDuration` set the
// lifetimes when positive; and the client's own settings (§13.2 `extension`): requestable
// scopes, and lifetimes shorter than the service's. The Worker's CLIENT_POLICY relies on these.
import { decodeJwt } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { control, resetEmulator } from "../support/helpers";
import { type Answer, authorize, content, get, pollToken, post, prefix, serviceAuth } from "./api";

beforeEach(resetEmulator);

async function approved(parameters = "client_id=demo-device&scope=openid%20profile%20email", completion: Record<string, unknown> = {}) {
  const da = (await authorize(parameters)).body;
  const done = await post(3, "device/complete", { userCode: da["userCode"], result: "AUTHORIZED", subject: "alice", ...completion });
  expect(done.body["action"]).toBe("SUCCESS");
  return da["deviceCode"] as string;
}

/** The lifetimes an OK token answer gives, in seconds, from the answer's own members. */
function lifetimes(tok: Answer, issuedAt: number) {
  return {
    expires_in: content(tok)["expires_in"],
    accessTokenDuration: tok.body["accessTokenDuration"],
    refreshTokenDuration: tok.body["refreshTokenDuration"],
    accessLives: Math.round(((tok.body["accessTokenExpiresAt"] as number) - issuedAt) / 1000),
    refreshLives: Math.round(((tok.body["refreshTokenExpiresAt"] as number) - issuedAt) / 1000),
  };
}

describe("/device/complete accessTokenDuration and refreshTokenDuration (§5.1)", () => {
  it.each([
    ["absent: the service's (3600 s, 86400 s)", {}, [3600, 86_400]],
    ["0: the service's", { accessTokenDuration: 0, refreshTokenDuration: 0 }, [3600, 86_400]],
    ["shorter ones", { accessTokenDuration: 300, refreshTokenDuration: 600 }, [300, 600]],
    ["longer than the service's: used as they are, not capped", { accessTokenDuration: 7200, refreshTokenDuration: 172_800 }, [7200, 172_800]],
    ["one of them", { accessTokenDuration: 120 }, [120, 86_400]],
  ] as const)("%s", async (_, completion, [access, refresh]) => {
    const deviceCode = await approved(undefined, completion);
    const t = Date.now();
    const tok = await pollToken(deviceCode);
    expect(tok.body["action"]).toBe("OK");
    const got = lifetimes(tok, t);
    expect(got).toMatchObject({ expires_in: access, accessTokenDuration: access, refreshTokenDuration: refresh });
    expect(got.accessLives).toBeGreaterThanOrEqual(access);
    expect(got.accessLives).toBeLessThanOrEqual(access + 1);
    expect(got.refreshLives).toBeGreaterThanOrEqual(refresh);
    expect(got.refreshLives).toBeLessThanOrEqual(refresh + 1);
  });

  it("the refresh token dies at its lifetime; a refresh before then gets the service's fresh duration, or what was left with refreshTokenDurationKept", async () => {
    const refresh = (rt: string) => post(3, "auth/token", { parameters: `grant_type=refresh_token&refresh_token=${rt}&client_id=demo-device` });
    const first = await pollToken(await approved(undefined, { refreshTokenDuration: 600 }));
    await control("clock", { advanceMs: 600_000 });
    expect(content(await refresh(first.body["refreshToken"] as string))["error"]).toBe("invalid_grant");

    const second = await pollToken(await approved(undefined, { refreshTokenDuration: 600 }));
    await control("clock", { advanceMs: 100_000 });
    expect((await refresh(second.body["refreshToken"] as string)).body["refreshTokenDuration"]).toBe(86_400);

    await control("service", { refreshTokenDurationKept: true });
    const third = await pollToken(await approved(undefined, { refreshTokenDuration: 600 }));
    await control("clock", { advanceMs: 100_000 });
    const kept = await refresh(third.body["refreshToken"] as string);
    expect(kept.body["refreshTokenDuration"]).toBe(500);
    await control("clock", { advanceMs: 500_000 });
    expect(content(await refresh(kept.body["refreshToken"] as string))["error"]).toBe("invalid_grant");
  });

  it("a negative or non-numeric duration is our call's mistake: INVALID_REQUEST", async () => {
    const da = (await authorize()).body;
    for (const bad of [{ accessTokenDuration: -1 }, { refreshTokenDuration: "600" }]) {
      const a = await post(3, "device/complete", { userCode: da["userCode"], result: "AUTHORIZED", subject: "alice", ...bad });
      expect(a.body["action"]).toBe("INVALID_REQUEST");
    }
  });
});

describe("/device/complete scopes (§5.1): they replace the requested ones", () => {
  it.each([
    ["absent: the requested scopes", undefined, "openid profile email", true],
    ["a narrower list", ["openid", "profile"], "openid profile", true],
    ["without openid: no ID token", ["profile"], "profile", false],
    ["empty: a token without scopes", [], undefined, false],
  ] as const)("%s", async (_, scopes, scope, idToken) => {
    const tok = await pollToken(await approved(undefined, scopes === undefined ? {} : { scopes }));
    expect(tok.body["action"]).toBe("OK");
    expect(content(tok)["scope"]).toBe(scope);
    expect(tok.body["scopes"]).toEqual(scope?.split(" ") ?? []);
    expect("id_token" in content(tok)).toBe(idToken);
    if (idToken) expect(decodeJwt(content(tok)["id_token"] as string)).toMatchObject({ sub: "alice" });
  });
});

describe("the client's extension (§13.2): requestable scopes and shorter lifetimes", () => {
  it("client/get writes it for every client, the scope list only when requestable scopes are on", async () => {
    for (const v of [2, 3] as const) {
      const kiosk = await get(`${prefix(v)}/client/get/1006`, serviceAuth(v));
      expect(kiosk.body["extension"]).toEqual({
        requestableScopesEnabled: true,
        requestableScopes: ["openid", "profile", "tv.watch"],
        accessTokenDuration: 600,
        refreshTokenDuration: 0,
      });
      const tv = await get(`${prefix(v)}/client/get/1001`, serviceAuth(v));
      expect(tv.body["extension"]).toEqual({ requestableScopesEnabled: false, accessTokenDuration: 0, refreshTokenDuration: 0 });
    }
  });

  it("a scope the client may not request is dropped, like an unregistered one", async () => {
    const da = await authorize("client_id=demo-kiosk&scope=openid%20email%20tv.watch%20tv.purchase");
    expect((da.body["scopes"] as { name: string }[]).map((s) => s.name)).toEqual(["openid", "tv.watch"]);
  });

  it("its lifetime is used when shorter than the service's and the request names none; a request's own wins", async () => {
    const kiosk = await pollToken(await approved("client_id=demo-kiosk&scope=openid"), "demo-kiosk");
    expect(kiosk.body).toMatchObject({ accessTokenDuration: 600, refreshTokenDuration: 86_400 });
    const asked = await pollToken(await approved("client_id=demo-kiosk&scope=openid", { accessTokenDuration: 120 }), "demo-kiosk");
    expect(asked.body["accessTokenDuration"]).toBe(120);
    await control("service", { accessTokenDuration: 300 });
    const service = await pollToken(await approved("client_id=demo-kiosk&scope=openid"), "demo-kiosk");
    expect(service.body["accessTokenDuration"]).toBe(300);
  });
});
