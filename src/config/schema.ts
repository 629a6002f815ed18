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

function isUrl(s: string, o: UrlRule): boolean {
  try {
    const u = new URL(s);
    if (!(o.httpsOnly ? ["https:"] : ["https:", "http:"]).includes(u.protocol) || u.hash || u.username || u.password) return false;
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
}

/**
 * The one URL rule: absolute, http(s) or https only, never a fragment or credentials, a query
 * only where asked for. Base URLs and origins come back without trailing slashes, so paths
 * can be appended.
 */
export const url = (rule: UrlRule = {}) => {
  const what = `must be ${rule.httpsOnly ? "an https" : "an http(s)"} ${rule.originOnly ? "origin such as https://example.com" : rule.query ? "URL" : "URL without query or fragment"}`;
  return z.pipe(
    requiredText,
    z.pipe(
      z.string().check(z.refine((s) => isUrl(s, rule), what)),
      z.transform((s: string) => (rule.query ? s : s.replace(/\/+$/, ""))),
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

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.join(".")}: ${i.code === "invalid_type" && i.input === undefined ? "is missing" : i.message}`).join("; ");
}

/** Parses `input` or throws one ConfigError naming every bad variable. */
export function parse<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const parsed = z.safeParse(schema, input);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${describe(parsed.error.issues)}`);
  return parsed.data;
}
