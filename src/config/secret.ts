import * as z from "zod/mini";

/**
 * How EDGE_SECRET (and EDGE_SECRET_PREVIOUS) is judged. It keys every HMAC the Worker makes:
 * a user code has only 20^8 values and an address 2^32, so whoever can guess the key can
 * reverse every storage key, object name and log tag, and forge flow cookies and CSRF tokens.
 * Obviously weak values are refused, by this rule:
 * 1. at least 32 characters;
 * 2. at least 8 different characters: not one character repeated, nor a short word repeated;
 * 3. at least 128 bits by the alphabet it is drawn from: each character counts log2 of the
 *    smallest of these that holds them all: decimal digits (10, 3.3 bits), hexadecimal in one
 *    case (16, 4 bits: a hex string must decode to 16 bytes or more), base64 or base64url,
 *    padding aside (64, 6 bits: 16 bytes or more once decoded), any other text (95, the
 *    printable ASCII characters, 6.6 bits). With rule 1, only a string of digits can fail it
 *    (fewer than 39 of them).
 * A value that passes is not thereby strong (the rule sees no pattern but repetition); a
 * random one is: `openssl rand -base64 32`, 256 bits.
 */
export const SECRET_RULE = { minLength: 32, minDistinct: 8, minBits: 128 } as const;

const MAKE_ONE = "(openssl rand -base64 32)";

/** The smallest alphabet holding every character, and its size. */
const ALPHABETS: [RegExp, number, string][] = [
  [/^[0-9]+$/, 10, "decimal digits"],
  [/^(?:[0-9a-f]+|[0-9A-F]+)$/, 16, "hexadecimal digits"],
  [/^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)=*$/, 64, "base64 characters"],
  [/^/, 95, "characters"],
];

/** What is wrong with `value` as the HMAC key, in the configuration's words (never quoting it), or null. */
export function secretProblem(value: string): string | null {
  if (value.length < SECRET_RULE.minLength) return `must be at least ${SECRET_RULE.minLength} characters ${MAKE_ONE}`;
  const distinct = new Set(value).size;
  if (distinct === 1) return `must not be one character repeated ${MAKE_ONE}`;
  if (distinct < SECRET_RULE.minDistinct)
    return `must use at least ${SECRET_RULE.minDistinct} different characters (it uses ${distinct}): a repeated word is guessed at once ${MAKE_ONE}`;
  const [, size, name] = ALPHABETS.find(([re]) => re.test(value))!;
  const symbols = value.replace(/=+$/, "").length;
  const bits = Math.floor(symbols * Math.log2(size));
  if (bits < SECRET_RULE.minBits) return `must carry at least ${SECRET_RULE.minBits} bits: ${symbols} ${name} carry ${bits} ${MAKE_ONE}`;
  return null;
}

/** A value that keys the Worker's HMACs: present, and not obviously weak (secretProblem). */
export const HmacSecret = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = secretProblem(value);
    // The message never quotes the value: configuration errors are logged and shown by the doctor.
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);
