/** `pbkdf2-sha256:<iterations>:<salt>:<hash>`, base64url, as `npm run hash-password` prints it. No `$`: wrangler expands it in .dev.vars. */
export const PASSWORD_HASH = /^pbkdf2-sha256:(\d{1,7}):([A-Za-z0-9_-]{16,}):([A-Za-z0-9_-]{43})$/;
/** Workers' WebCrypto refuses PBKDF2 above 100,000 iterations. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
export const PBKDF2_MIN_ITERATIONS = 10_000;
