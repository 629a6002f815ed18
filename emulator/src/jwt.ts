// ID token signing (RS256, one key pair per isolate) and DPoP proof checks (RFC 9449).
import { base64url, base64urlDecode } from "./codes";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JsonWebKey & { kid: string; alg: string; use: string };
}

// Created on first use: Workers forbid random generation at module scope.
let signingKey: Promise<SigningKey> | null = null;

function getSigningKey(): Promise<SigningKey> {
  if (signingKey) return signingKey;
  const created = (async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
    // RFC 7638 thumbprint as kid, so it stays stable for the life of the key.
    const thumbprintInput = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
    const kid = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(thumbprintInput))));
    return {
      privateKey: pair.privateKey,
      publicJwk: { kty: jwk.kty!, e: jwk.e!, n: jwk.n!, kid, alg: "RS256", use: "sig" },
    };
  })();
  signingKey = created;
  created.catch(() => {
    signingKey = null;
  });
  return created;
}

export async function jwks(): Promise<{ keys: JsonWebKey[] }> {
  return { keys: [(await getSigningKey()).publicJwk] };
}

export async function signJwt(payload: Record<string, unknown>): Promise<string> {
  const key = await getSigningKey();
  const header = { kid: key.publicJwk.kid, typ: "JWT", alg: "RS256" };
  const input = `${base64url(enc.encode(JSON.stringify(header)))}.${base64url(enc.encode(JSON.stringify(payload)))}`;
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, enc.encode(input));
  return `${input}.${base64url(new Uint8Array(sig))}`;
}

// ---------------------------------------------------------------- DPoP

export interface DpopCheck {
  htm: string;
  htu: string;
  allowedAlgs: string[];
  verifySignature: boolean;
  /** Required nonce value, or null when no nonce is demanded. */
  nonce: string | null;
}

export type DpopResult = { ok: true } | { ok: false; error: "invalid_dpop_proof" | "use_dpop_nonce"; text: string };

function decodeJson(part: string): Record<string, unknown> | null {
  const bytes = base64urlDecode(part);
  if (bytes === null) return null;
  try {
    const v: unknown = JSON.parse(dec.decode(bytes));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** htu is compared without query and fragment (RFC 9449 §4.3). */
function normalizeHtu(u: string): string | null {
  try {
    const url = new URL(u);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

const VERIFY_ALGS: Record<string, { import: SubtleCryptoImportKeyAlgorithm; verify: string | SubtleCryptoSignAlgorithm }> = {
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: "RSASSA-PKCS1-v1_5" },
  PS256: { import: { name: "RSA-PSS", hash: "SHA-256" }, verify: { name: "RSA-PSS", saltLength: 32 } },
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
};

export async function checkDpopProof(proof: string, check: DpopCheck): Promise<DpopResult> {
  const bad = (text: string): DpopResult => ({ ok: false, error: "invalid_dpop_proof", text });
  const parts = proof.split(".");
  if (parts.length !== 3) return bad("The DPoP proof is not a compact JWS.");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const payload = decodeJson(p);
  if (header === null || payload === null) return bad("The DPoP proof cannot be decoded.");
  if (header["typ"] !== "dpop+jwt") return bad("The 'typ' of the DPoP proof is not 'dpop+jwt'.");
  const alg = header["alg"];
  if (typeof alg !== "string" || alg === "none" || alg.startsWith("HS") || !check.allowedAlgs.includes(alg)) {
    return bad("The 'alg' of the DPoP proof is not supported.");
  }
  const jwk = header["jwk"];
  if (typeof jwk !== "object" || jwk === null || "d" in jwk) return bad("The DPoP proof has no valid public 'jwk'.");
  if (payload["htm"] !== check.htm) return bad("The 'htm' of the DPoP proof does not match the request method.");
  const htu = typeof payload["htu"] === "string" ? normalizeHtu(payload["htu"]) : null;
  if (htu === null || htu !== normalizeHtu(check.htu)) return bad("The 'htu' of the DPoP proof does not match the token endpoint.");
  if (typeof payload["jti"] !== "string" || payload["jti"] === "") return bad("The DPoP proof has no 'jti'.");
  if (typeof payload["iat"] !== "number") return bad("The DPoP proof has no 'iat'.");
  if (check.verifySignature) {
    const spec = VERIFY_ALGS[alg];
    const sig = base64urlDecode(s);
    if (spec === undefined || sig === null) return bad("The signature of the DPoP proof cannot be verified.");
    try {
      const key = await crypto.subtle.importKey("jwk", jwk as JsonWebKey, spec.import, false, ["verify"]);
      const valid = await crypto.subtle.verify(spec.verify, key, sig, enc.encode(`${h}.${p}`));
      if (!valid) return bad("The signature of the DPoP proof is invalid.");
    } catch {
      return bad("The signature of the DPoP proof cannot be verified.");
    }
  }
  if (check.nonce !== null && payload["nonce"] !== check.nonce) {
    return { ok: false, error: "use_dpop_nonce", text: "The DPoP proof does not contain the expected nonce." };
  }
  return { ok: true };
}
