import * as z from "zod/mini";

/**
 * The combinators every configuration schema is built from. Variables arrive as strings
 * (or not at all); each combinator trims, applies its default and checks one rule, so a
 * bad value is reported with a message that says what is expected.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

const trim = z.transform((s: string) => s.trim() || undefined);

/**
 * Absent or blank → undefined; anything else trimmed. The empty default makes zod run the
 * rest of the pipe for an absent key too (it skips optional keys that are missing), so a
 * fallback applies whether a variable is unset or blank.
 */
export const optionalText = z.pipe(z._default(z.optional(z.string()), ""), trim);

/** Present and not blank (a blank value reads as missing). */
export const requiredText = z.pipe(optionalText, z.string());

/** Names and addresses that never leave the machine: the only places plain http is allowed where https is the rule. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === "[::1]";
}

function isUrl(s: string, o: UrlRule): boolean {
  try {
    const u = new URL(s);
    const http = u.protocol === "http:" && (!o.httpsOnly || (o.httpOnLoopback === true && isLoopback(u.hostname)));
    if (!(u.protocol === "https:" || http) || u.hash || u.username || u.password) return false;
    if (u.search && !o.query) return false;
    return !o.originOnly || u.origin === s.replace(/\/+$/, "");
  } catch {
    return false;
  }
}

interface UrlRule {
  /** https only (default: http or https). */
  httpsOnly?: boolean;
  /** Nothing but scheme, host and port. */
  originOnly?: boolean;
  /** A query is allowed (a logo on a CDN); base URLs and origins never have one. */
  query?: boolean;
  /** With httpsOnly: plain http is still accepted for a loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]), for local runs. */
  httpOnLoopback?: boolean;
  /** Keep the value exactly as written (an OpenID issuer identifier is compared byte for byte, trailing slash included). */
  verbatim?: boolean;
}

/**
 * The one URL rule: absolute, http(s) or https only, never a fragment or credentials, a query
 * only where asked for. Base URLs and origins come back without trailing slashes, so paths
 * can be appended.
 */
export const url = (rule: UrlRule = {}) => {
  const scheme = rule.httpsOnly ? (rule.httpOnLoopback ? "an https (http only on loopback)" : "an https") : "an http(s)";
  const what = `must be ${scheme} ${rule.originOnly ? "origin such as https://example.com" : rule.query ? "URL" : "URL without query or fragment"}`;
  return z.pipe(
    requiredText,
    z.pipe(
      z.string().check(z.refine((s) => isUrl(s, rule), what)),
      z.transform((s: string) => (rule.query || rule.verbatim ? s : s.replace(/\/+$/, ""))),
    ),
  );
};

/** A whole number in [min, max]; `fallback` when absent. */
export const intIn = (min: number, max: number, fallback?: number) =>
  z.pipe(
    optionalText,
    z.pipe(
      z.transform((s: string | undefined) => (s === undefined ? fallback : /^\d+$/.test(s) ? Number(s) : Number.NaN)),
      z.optional(z.number().check(z.int(`must be a whole number between ${min} and ${max}`), z.gte(min), z.lte(max))),
    ),
  );

/** One of `values`; `fallback` when absent. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.pipe(
    optionalText,
    z.pipe(
      z.transform((s: string | undefined) => s ?? fallback),
      z.enum(values, `must be one of ${values.join(", ")}`),
    ),
  );

/** A JSON-valued variable: a syntax error is reported as such, not as a type error. */
export const json = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(
    z.string(),
    z.pipe(
      z.transform((s: string, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.issues.push({ code: "custom", message: "must be valid JSON", input: s });
          return z.NEVER;
        }
      }),
      schema,
    ),
  );

/** `prefix` names the variable (or the list entry) the issues' paths start from. */
function describe(issues: readonly z.core.$ZodIssue[], prefix = ""): string {
  return issues
    .map(
      (i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".")}: ${i.code === "invalid_type" && i.input === undefined ? "is missing" : i.message}`,
    )
    .join("; ");
}

/** Like parse, but returns the described problems (named from `prefix`) instead of throwing, so a caller can gather them. */
export function check<S extends z.ZodMiniType>(schema: S, input: unknown, prefix: string): { data: z.output<S> } | { problems: string } {
  const parsed = z.safeParse(schema, input);
  return parsed.success ? { data: parsed.data } : { problems: describe(parsed.error.issues, prefix) };
}

/** Parses `input` or throws one ConfigError naming every bad variable. */
export function parse<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const parsed = z.safeParse(schema, input);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describe(parsed.error.issues)}`);
  return parsed.data;
}
