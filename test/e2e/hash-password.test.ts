import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../../src/auth/password-hash";
import { PASSWORD_HASH } from "../../src/config/password-hash";

const hash = (password: string, ...args: string[]) =>
  execFileSync(process.execPath, ["scripts/hash-password.mjs", ...args], { input: `${password}\n`, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();

describe("npm run hash-password", () => {
  it("prints a hash in the USERS format that the Worker's verifier accepts for that password only", async () => {
    const out = hash("correct horse battery staple");
    expect(out).toMatch(PASSWORD_HASH);
    expect(out.startsWith("pbkdf2-sha256:100000:")).toBe(true);
    expect(await verifyPassword("correct horse battery staple", out)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", out)).toBe(false);
  });

  it("salts every hash, and takes a lower iteration count for the Workers free plan's CPU limit", async () => {
    expect(hash("same")).not.toBe(hash("same"));
    const cheap = hash("pw", "--iterations", "20000");
    expect(cheap.startsWith("pbkdf2-sha256:20000:")).toBe(true);
    expect(await verifyPassword("pw", cheap)).toBe(true);
    expect(() => hash("pw", "--iterations", "200000")).toThrow();
  });
});
