import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import { verify } from "hono/utils/jwt/jwt";
import type { DPOP_MODES } from "../config/policy";
import { base64url } from "../crypto";
import type { DpopRefusal } from "../grant/record";

/**
 * DPoP (RFC 9449) at the edge, for device grants bound to a key (draft-parecki-oauth-dpop-device-flow):
 * the device authorization request's proof names the key, and every poll of the grant must prove
 * that same key. The edge checks each proof itself, so a poll without the key is refused with no
 * Authlete call; Authlete still checks the token request's proof and binds the tokens to it.
 * Replay (the proof's `jti`) is judged in the grant's object (grant/record.ts `admitProof`),
 * where every poll of one grant meets.
 */

/**
 * How far a proof's `iat` may be from the Worker's clock, either way (RFC 9449 §11.1: "an
 * acceptable window"). A proof is made fresh for every request, so the window only has to absorb
 * the clock of a device that has not synchronised lately; every `jti` is remembered this long.
 */
export const DPOP_IAT_WINDOW_SECONDS = 300;
/** Longer than any honest proof (an RSA-4096 key and signature are about 1.5 KB); bounds the work a header can cause. */
const MAX_PROOF_CHARS = 8192;
/** Longer than any identifier a client library makes (a UUID, 32 random bytes), short enough to keep a grant's replay set small. */
export const MAX_JTI_CHARS = 256;

/** Registered asymmetric JWS algorithms (RFC 9449 §4.3 check 5), each with the key it needs. `none` and HMAC are never here. */
const ALGS: Record<string, { kty: "RSA" | "EC" | "OKP"; crv?: string }> = {
  RS256: { kty: "RSA" },
  RS384: { kty: "RSA" },
  RS512: { kty: "RSA" },
  PS256: { kty: "RSA" },
  PS384: { kty: "RSA" },
  PS512: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
  ES384: { kty: "EC", crv: "P-384" },
  ES512: { kty: "EC", crv: "P-521" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
};

/** RFC 7638 §3.2: the members of each key type that make its thumbprint, in lexicographic order. */
const PUBLIC_MEMBERS: Record<"RSA" | "EC" | "OKP", readonly string[]> = {
  RSA: ["e", "kty", "n"],
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"],
};

/** JWK members of private (or symmetric) key material: a `jwk` with any of them is not a public key (RFC 9449 §4.3 check 7). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** A proof that passed every check of RFC 9449 §4.3 the edge can make. */
export interface DpopProof {
  /** RFC 7638 thumbprint (SHA-256, base64url) of the proof's public key: what a grant is bound to. */
  jkt: string;
  jti: string;
  /** Seconds since the epoch, as the proof says. */
  iat: number;
}

export type ProofCheck = { ok: true; proof: DpopProof } | { ok: false; reason: string };

/** The request a proof must be made for: RFC 9449 §4.2 `htm` and `htu`. */
export interface ProofTarget {
  method: string;
  /** The request's URL; compared without query and fragment. */
  url: string;
}

/**
 * RFC 9449 §4.2 `htu`: the target URI without query and fragment. Parsing normalises scheme and
 * host case, default ports and dot segments (RFC 3986 §6.2.2, §6.2.3, as §4.3 asks); null when
 * it is not a URL.
 */
export function htuOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

const fail = (reason: string): ProofCheck => ({ ok: false, reason });
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function part(segment: string | undefined): Record<string, unknown> | null {
  try {
    if (!segment || !/^[A-Za-z0-9_-]+$/.test(segment)) return null;
    const v: unknown = JSON.parse(utf8.decode(base64url.decode(segment)));
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/** The public key's members only, as strings; null when a member its type needs is missing (RFC 7638 §3.2). */
function publicKey(jwk: Record<string, unknown>, kty: "RSA" | "EC" | "OKP"): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const m of PUBLIC_MEMBERS[kty]) {
    const v = jwk[m];
    // Key material (n, e, x, y) is base64url; kty and crv are names.
    if (typeof v !== "string" || v === "" || (m !== "kty" && m !== "crv" && !/^[A-Za-z0-9_-]+$/.test(v))) return null;
    out[m] = v;
  }
  return out;
}

/** RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace, base64url. */
export async function jwkThumbprint(key: Record<string, string>): Promise<string> {
  const canonical = JSON.stringify(
    Object.fromEntries(
      Object.keys(key)
        .sort()
        .map((k) => [k, key[k]]),
    ),
  );
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical))));
}

/**
 * A request's `DPoP` header checked against RFC 9449 §4.3, the checklist a server runs on every proof:
 *  1. one DPoP header: a second one is joined to the first with a comma, which no JWT holds;
 *  2. a single, well-formed JWT (three base64url parts, JSON header and claims);
 *  3. the claims of §4.2: `jti`, `htm`, `htu`, `iat`;
 *  4. `typ` is `dpop+jwt`;
 *  5. `alg` a registered asymmetric algorithm (never `none` or HMAC), with a key of its type and curve
 *     (and RSA keys of at least 2048 bits, as local policy);
 *  6. the signature verifies with the public key of the `jwk` header (hono's JWS code on WebCrypto);
 *  7. that `jwk` holds no private key;
 *  8. `htm` is the request's method;
 *  9. `htu` is the request's URI without query and fragment, both normalised;
 * 10. a `nonce`: this edge never issues one, so it has none to compare (Authlete, when its
 *     service demands nonces, checks them on the token requests that reach it);
 * 11. `iat` within DPOP_IAT_WINDOW_SECONDS of `now`;
 * 12. `ath`: no access token is presented to this server, so none applies.
 * Whether the `jti` was seen before (§11.1) is for the grant's object to say. Null when the
 * request carries no DPoP header.
 */
export async function checkProof(header: string | null | undefined, target: ProofTarget, now: number): Promise<ProofCheck | null> {
  if (header === null || header === undefined || header === "") return null;
  if (header.length > MAX_PROOF_CHARS) return fail("it is too long");
  if (/[\s,]/.test(header)) return fail("the request carries more than one DPoP header, or one that is not a single JWT");
  const segments = header.split(".");
  if (segments.length !== 3) return fail("it is not a JWT");
  const head = part(segments[0]);
  const claims = part(segments[1]);
  if (!head || !claims) return fail("it is not a JWT");

  if (head["typ"] !== "dpop+jwt") return fail("its typ is not dpop+jwt");
  const alg = typeof head["alg"] === "string" && Object.hasOwn(ALGS, head["alg"]) ? head["alg"] : null;
  if (alg === null) return fail("its alg is not an asymmetric signature algorithm this server accepts");
  if ("crit" in head) return fail("it has critical header parameters this server does not understand");
  const jwk = head["jwk"];
  if (!isObject(jwk)) return fail("it has no jwk header");
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) return fail("its jwk holds a private key");
  const expected = ALGS[alg]!;
  if (jwk["kty"] !== expected.kty) return fail(`its jwk is not a key for ${alg}`);
  const key = publicKey(jwk, expected.kty);
  if (!key) return fail("its jwk is not a complete public key");
  if (expected.crv && key["crv"] !== expected.crv) return fail(`its jwk is not a key for ${alg}`);
  if (expected.kty === "RSA" && base64url.decode(key["n"]!).length < 256) return fail("its RSA key is shorter than 2048 bits");

  const { jti, htm, htu, iat } = claims;
  if (typeof jti !== "string" || jti === "" || jti.length > MAX_JTI_CHARS) return fail("its jti is missing or not a short string");
  if (typeof iat !== "number" || !Number.isFinite(iat)) return fail("its iat is missing");
  if (htm !== target.method) return fail("its htm is not the method of this request");
  const expectedHtu = htuOf(target.url);
  if (typeof htu !== "string" || htuOf(htu) === null || htuOf(htu) !== expectedHtu) return fail("its htu is not this endpoint's URL");
  if (Math.abs(iat - now / 1000) > DPOP_IAT_WINDOW_SECONDS) return fail(`its iat is more than ${DPOP_IAT_WINDOW_SECONDS} seconds from this server's time`);

  try {
    // `iat` was judged above on the caller's clock; hono would judge it on Date.now(), and only one way.
    await verify(header, key as unknown as HonoJsonWebKey, { alg: alg as "ES256", typ: "dpop+jwt", iat: false });
  } catch {
    return fail("its signature does not verify with its jwk");
  }
  return { ok: true, proof: { jkt: await jwkThumbprint(key), jti, iat } };
}

export type DpopMode = (typeof DPOP_MODES)[number] | null;

/** What device authorization does with the client's DPoP policy and the request's proof. */
export type DpopBinding = { bind: string | null } | { refuse: "missing" | "invalid"; reason?: string };

/**
 * The client's CLIENT_POLICY `dpop` meets the device authorization request's proof
 * (draft-parecki-oauth-dpop-device-flow, "Device Authorization Request"):
 * - no policy: the header is not looked at, and the grant is not bound (as before the policy existed);
 * - `bind`: a valid proof binds the grant to its key; no proof, no binding; an invalid one is refused;
 * - `require`: a valid proof binds; none, or an invalid one, is refused.
 */
export function dpopBinding(mode: DpopMode, check: ProofCheck | null): DpopBinding {
  if (mode === null) return { bind: null };
  if (check === null) return mode === "require" ? { refuse: "missing" } : { bind: null };
  if (!check.ok) return { refuse: "invalid", reason: check.reason };
  return { bind: check.proof.jkt };
}

/** The `error_description` of an `invalid_dpop_proof` answer: what was wrong, never what the grant holds. */
export function refusalText(why: DpopRefusal, reason?: string): string {
  switch (why) {
    case "missing":
      return "This request must carry a DPoP proof (RFC 9449) signed with the key the device authorization was made with.";
    case "invalid":
      return `The DPoP proof is invalid: ${reason ?? "it failed the checks of RFC 9449"}.`;
    case "other_key":
      return "The DPoP proof is signed with another key than the one the device authorization was made with.";
    case "replayed":
      return "The DPoP proof has been used before; make a new proof (a new jti) for every request.";
  }
}
