// ID token signing (RS256, one key pair per isolate) and DPoP proof checks (RFC 9449), both
// with jose: a test double that did its own JOSE could agree with a bug in the code under test.
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
  SignJWT,
} from "jose";

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK & { kid: string; alg: string; use: string };
}

// Created on first use: Workers forbid random generation at module scope.
let signingKey: Promise<SigningKey> | null = null;

function getSigningKey(): Promise<SigningKey> {
  if (signingKey) return signingKey;
  const created = (async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    const { kty, e, n } = await exportJWK(pair.publicKey);
    // RFC 7638 thumbprint as kid, so it stays stable for the life of the key.
    const kid = await calculateJwkThumbprint({ kty: kty!, e: e!, n: n! });
    return { privateKey: pair.privateKey, publicJwk: { kty: kty!, e: e!, n: n!, kid, alg: "RS256", use: "sig" } };
  })();
  signingKey = created;
  created.catch(() => {
    signingKey = null;
  });
  return created;
}

export async function jwks(): Promise<{ keys: JWK[] }> {
  return { keys: [(await getSigningKey()).publicJwk] };
}

/** The claims are written in the order given (iss, sub, aud, exp, iat, …), as the caller built them. */
export async function signJwt(payload: Record<string, unknown>): Promise<string> {
  const key = await getSigningKey();
  return new SignJWT(payload).setProtectedHeader({ kid: key.publicJwk.kid, typ: "JWT", alg: "RS256" }).sign(key.privateKey);
}

// ---------------------------------------------------------------- DPoP

export interface DpopCheck {
  htm: string;
  htu: string;
  allowedAlgs: string[];
  /** Required nonce value, or null when no nonce is demanded. */
  nonce: string | null;
  /** The emulator's clock (ms), for the proof's time claims. */
  now: number;
}

/** A valid proof names its key by RFC 7638 thumbprint: what the tokens are bound to. */
export type DpopResult = { ok: true; jkt: string } | { ok: false; error: "invalid_dpop_proof" | "use_dpop_nonce"; text: string };

/** htu is compared without query and fragment (RFC 9449 §4.3). */
function normalizeHtu(u: string): string | null {
  try {
    const url = new URL(u);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

/**
 * RFC 9449 §4.3 at the token endpoint: a JWT with `typ` dpop+jwt, an asymmetric `alg` the
 * service allows, a public `jwk` in the header whose key verifies the signature, `htm` and
 * `htu` of this request, `jti` and `iat`, and the nonce when one is demanded. Each check has
 * its own message, so a test can tell which one a proof failed.
 */
export async function checkDpopProof(proof: string, check: DpopCheck): Promise<DpopResult> {
  const bad = (text: string): DpopResult => ({ ok: false, error: "invalid_dpop_proof", text });
  let header: ProtectedHeaderParameters;
  let payload: JWTPayload;
  try {
    header = decodeProtectedHeader(proof);
    payload = decodeJwt(proof);
  } catch {
    return bad("The DPoP proof is not a JWT.");
  }
  if (header.typ !== "dpop+jwt") return bad("The 'typ' of the DPoP proof is not 'dpop+jwt'.");
  const alg = header.alg;
  if (typeof alg !== "string" || alg === "none" || alg.startsWith("HS") || !check.allowedAlgs.includes(alg)) {
    return bad("The 'alg' of the DPoP proof is not supported.");
  }
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null || "d" in jwk) return bad("The DPoP proof has no valid public 'jwk'.");
  if (payload["htm"] !== check.htm) return bad("The 'htm' of the DPoP proof does not match the request method.");
  const htu = typeof payload["htu"] === "string" ? normalizeHtu(payload["htu"]) : null;
  if (htu === null || htu !== normalizeHtu(check.htu)) return bad("The 'htu' of the DPoP proof does not match the token endpoint.");
  if (typeof payload.jti !== "string" || payload.jti === "") return bad("The DPoP proof has no 'jti'.");
  if (typeof payload.iat !== "number") return bad("The DPoP proof has no 'iat'.");
  try {
    await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: check.allowedAlgs, currentDate: new Date(check.now) });
  } catch {
    return bad("The signature of the DPoP proof is invalid.");
  }
  if (check.nonce !== null && payload["nonce"] !== check.nonce) {
    return { ok: false, error: "use_dpop_nonce", text: "The DPoP proof does not contain the expected nonce." };
  }
  return { ok: true, jkt: await calculateJwkThumbprint(jwk, "sha256") };
}
