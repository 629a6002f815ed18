import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PasswordAuthenticator } from "../../src/auth/password";
import { derive, verifyPassword } from "../../src/auth/password-hash";
import { loadPageConfig } from "../../src/config";

const DEMO_HASH = JSON.parse(env.USERS!)[0].passwordHash as string;

describe("passwords: PBKDF2-SHA256", () => {
  it("the demo hash verifies demo and nothing else", async () => {
    expect(await verifyPassword("demo", DEMO_HASH)).toBe(true);
    expect(await verifyPassword("Demo", DEMO_HASH)).toBe(false);
    expect(await verifyPassword("demo", "pbkdf2-sha256:100000:short:x")).toBe(false);
  });

  it("derives the RFC 7914 §11 PBKDF2-HMAC-SHA256 test vector", async () => {
    const out = await derive("passwd", Uint8Array.from(new TextEncoder().encode("salt")), 1);
    expect([...out.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe("55ac046e56e3089f");
  });

  it("built-in users: names fold case and width; unknown names and wrong passwords are both just null", async () => {
    const users = loadPageConfig(env).authenticator;
    if (users.kind !== "password") throw new Error("expected built-in users");
    const auth = new PasswordAuthenticator(users.users, () => 1_700_000_000_000);
    expect(await auth.fromCredentials("ＤＥＭＯ", "demo")).toEqual({
      subject: "demo",
      claims: users.users[0]!.claims,
      authTime: 1_700_000_000,
      label: "Demo User",
    });
    expect(await auth.fromCredentials("demo", "wrong")).toBeNull();
    expect(await auth.fromCredentials("nobody", "demo")).toBeNull();
  });
});
