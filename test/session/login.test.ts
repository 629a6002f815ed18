import { describe, expect, it } from "vitest";
import { KeyedHash } from "../../src/crypto";
import { type LoginState, LoginStates } from "../../src/session/login";
import { Storage } from "../../src/storage/kv";
import { MemoryKv } from "../../src/storage/memory";

const [OLD, NEW] = ["lwnjvMPtKXbC4fSrjh4OnVoZR915rbInw/ql6c/6xm0=", "smhI6pY1GUbyf2ony2S4Xxr2m/058q4UM8oMoxaGibY="];

/** The sealed OpenID login state under a set of secrets (the current one first), as services.ts builds it. */
function logins(secrets: string[]) {
  const keyed = new KeyedHash(secrets[0]!, secrets[1] ?? null);
  return new LoginStates(secrets, keyed, new Storage(new MemoryKv(), keyed).table<1>("usedLogin"), Date.now);
}

describe("the sealed login cookie across an EDGE_SECRET rotation", () => {
  it("sealed before the rotation, it opens and belongs to its flow during it (EDGE_SECRET_PREVIOUS), and not without", async () => {
    const before = logins([OLD]);
    const login: LoginState = { provider: "okta", codeVerifier: "v", state: "s", nonce: "n", flow: await before.binding("flow-1") };
    const sealed = await before.seal(login);
    const during = logins([NEW, OLD]);
    expect(await during.open(sealed)).toEqual(login);
    expect(await during.belongsTo(login, "flow-1")).toBe(true);
    expect(await during.belongsTo(login, "flow-2")).toBe(false);
    const after = logins([NEW]);
    expect(await after.open(sealed)).toBeNull();
    expect(await after.belongsTo(login, "flow-1")).toBe(false);
    // Sealed during the rotation, under the new key: it outlives EDGE_SECRET_PREVIOUS, and the old key alone cannot open it.
    const fresh = await during.seal({ ...login, flow: await during.binding("flow-1") });
    expect(await after.open(fresh)).not.toBeNull();
    expect(await before.open(fresh)).toBeNull();
  });

  it("a changed value opens under no key", async () => {
    const during = logins([NEW, OLD]);
    const sealed = await logins([OLD]).seal({ provider: "okta", codeVerifier: "v", state: "s", nonce: "n", flow: "f" });
    const flipped = `${sealed.slice(0, 20)}${sealed[20] === "A" ? "B" : "A"}${sealed.slice(21)}`;
    expect(await during.open(flipped)).toBeNull();
  });
});
