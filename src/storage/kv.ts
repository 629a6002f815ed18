/**
 * Workers KV conventions shared by every module (see docs/storage-schema.md):
 * keys carry SHA-256 digests, never raw codes, tokens or session ids; every TTL is
 * clamped to KV's 60 s minimum.
 */
export const KV_MIN_TTL_SECONDS = 60;

export function clampTtl(seconds: number): number {
  return Math.max(KV_MIN_TTL_SECONDS, Math.ceil(Number.isFinite(seconds) ? seconds : KV_MIN_TTL_SECONDS));
}

const enc = new TextEncoder();

/** base64url SHA-256: 43 characters, safe in a KV key (limit 512 bytes). */
export async function sha256(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(value)));
  let bin = "";
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const kvKey = {
  /** Polling state of one device code (protection/polling.ts). */
  poll: (deviceCodeHash: string) => `poll:${deviceCodeHash}`,
  /** Who asked for a user code: shown on the confirm page (verification). */
  device: (userCodeHash: string) => `device:${userCodeHash}`,
  /** A fixed-window counter (protection/limiter.ts). */
  counter: (limit: string, subjectHash: string, window: number) => `rl:${limit}:${subjectHash}:${window}`,
} as const;
