// DPoP proofs (RFC 9449 §4.2) as a client makes them, signed with jose: the emulator verifies
// them as Authlete does, and the Worker checks them with code of its own, so a test proof is a real one.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export const TOKEN_ENDPOINT = "http://127.0.0.1:8787/token";
export const DEVICE_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:8787/device_authorization";

export type DpopAlg = "ES256" | "ES384" | "RS256" | "PS256" | "EdDSA";

/** One key a device holds: proofs signed with it, and its RFC 7638 thumbprint (what a grant and its tokens are bound to). */
export interface DpopKey {
  alg: DpopAlg;
  jwk: JWK;
  jkt: string;
  privateKey: CryptoKey;
  /** A proof for POST to the token endpoint, fresh `jti` and `iat`; `payload` adds or replaces claims, `header` header members. */
  proof(payload?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

export async function dpopKey(alg: DpopAlg = "ES256", keys?: CryptoKeyPair): Promise<DpopKey> {
  const { publicKey, privateKey } = keys ?? (await generateKeyPair(alg, { extractable: true }));
  const jwk = await exportJWK(publicKey);
  return {
    alg,
    jwk,
    jkt: await calculateJwkThumbprint(jwk),
    privateKey,
    proof: (payload = {}, header = {}) => {
      const claims = { htm: "POST", htu: TOKEN_ENDPOINT, jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000), ...payload };
      return new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg, jwk, ...header }).sign(privateKey);
    },
  };
}

/** A proof signed with a fresh key; `payload` adds or replaces claims (htm, htu, nonce …), `header` header members. */
export async function dpopProof(payload: Record<string, unknown> = {}, options: { alg?: DpopAlg; header?: Record<string, unknown> } = {}) {
  return (await dpopKey(options.alg)).proof(payload, options.header);
}
