// DPoP proofs (RFC 9449 §4.2) as a client makes them, signed with jose: the emulator verifies
// them as Authlete does, so a test proof is a real one.
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export const TOKEN_ENDPOINT = "http://127.0.0.1:8787/token";

/**
 * A proof for POST to the Worker's token endpoint, signed with a fresh key whose public half is
 * in the header; `payload` adds or replaces claims (htm, htu, nonce …), `header` header members.
 */
export async function dpopProof(payload: Record<string, unknown> = {}, options: { alg?: "ES256" | "RS256" | "PS256"; header?: Record<string, unknown> } = {}) {
  const alg = options.alg ?? "ES256";
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const claims = { htm: "POST", htu: TOKEN_ENDPOINT, jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000), ...payload };
  return new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg, jwk: await exportJWK(publicKey), ...options.header }).sign(privateKey);
}
