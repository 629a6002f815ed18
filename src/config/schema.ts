import * as z from "zod/mini";

/**
 * What every configuration schema is built from, on zod (zod/mini): the rules variables share
 * (text that is trimmed, whole numbers in a range, URLs, JSON), and the words a refusal is
 * given in. Variables arrive as strings (or not at all); a bad one is reported by its path from
 * the variable with what was expected (`USERS.0.passwordHash: must be a hash printed by …`).
 */

/** Where a problem is: the variable first, then the member or entry inside its value. A `[okta]` segment names a list entry by its id. */
export type IssuePath = readonly [variable: string, ...inside: (string | number)[]];

export interface ConfigIssue {
  path: IssuePath;
  message: string;
}

/** `USERS.0.passwordHash`, `OIDC_PROVIDERS[okta].issuer`. */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (i === 0 || String(p).startsWith("[") ? String(p) : `.${p}`)).join("");
}

/** Issues as one line: `A: message; B.0.c: message` (a problem of the whole value: its message alone). */
export function describe(issues: readonly { path: readonly (string | number)[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${pathText(i.path)}: ${i.message}` : i.message)).join("; ");
}

/**
 * A configuration the Worker refuses. `issues` says what is wrong with which variable;
 * `message` is the same as the one line the Worker logs.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid configuration: ${describe(issues)}`);
    this.issues = issues;
  }
}

// ------------------------------------------------------------------ the words

const TYPES: Record<string, string> = {
  string: "text",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  record: "an object",
};

/**
 * zod's issues in the configuration's words, for every check that does not say its own: an
 * absent value "is missing", whatever was expected of it.
 */
const words: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined) return "is missing";
  switch (issue.code) {
    case "invalid_type":
      return `must be ${TYPES[issue.expected] ?? issue.expected}`;
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.join(", ")}`;
    case "too_small":
      if (issue.origin === "string") return Number(issue.minimum) === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "string" ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`;
    case "unrecognized_keys":
      return "is not a known setting";
    default:
      return "is not valid";
  }
};

type Path = (string | number)[];
type Found = { path: Path; message: string };

/** zod's issues with their paths from `prefix`; a member nobody knows is named on its own path. */
function issuesOf(error: z.core.$ZodError, prefix: readonly (string | number)[]): Found[] {
  return error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === "number" ? p : String(p)))];
    return i.code === "unrecognized_keys" ? i.keys.map((k) => ({ path: [...path, k], message: i.message })) : [{ path, message: i.message }];
  });
}

/** `input` parsed by `schema`, or what is wrong with it, in the configuration's words (the Authlete client uses it for Authlete's answers too). */
export function shape<S extends z.ZodMiniType>(
  schema: S,
  input: unknown,
  prefix: readonly (string | number)[] = [],
): { data: z.output<S> } | { issues: Found[] } {
  const parsed = z.safeParse(schema, input, { error: words });
  return parsed.success ? { data: parsed.data } : { issues: issuesOf(parsed.error, prefix) };
}

/** Issues whose paths start with a variable's name: from a prefix that names it, or from an object keyed by variable. */
const named = (issues: Found[]): ConfigIssue[] => issues.map((i) => ({ path: [String(i.path[0]), ...i.path.slice(1)], message: i.message }));

/** Like parse, but returns the issues (their paths from `prefix`, which names the variable) instead of throwing, so a caller can gather them. */
export function check<S extends z.ZodMiniType>(schema: S, input: unknown, prefix: IssuePath): { data: z.output<S> } | { issues: ConfigIssue[] } {
  const r = shape(schema, input, prefix);
  return "issues" in r ? { issues: named(r.issues) } : r;
}

/** Parses the variables in `input` (an object keyed by variable) or throws one ConfigError naming every bad one. */
export function parse<S extends z.ZodMiniType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const r = shape(schema, input);
  if ("issues" in r) throw new ConfigError(named(r.issues));
  return r.data;
}

// ------------------------------------------------------------------ variables

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

/** A whole number in [min, max] written as text (a variable); `fallback` when absent or blank. */
export const intIn = <F extends number | undefined = undefined>(min: number, max: number, fallback?: F) =>
  z.pipe(
    optionalText,
    z.pipe(
      z.optional(
        z.string().check(z.refine((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max, `must be a whole number between ${min} and ${max}`)),
      ),
      z.transform((s): number | F => (s === undefined ? (fallback as F) : Number(s))),
    ),
  );

/** A whole number (a JSON number already) in [min, max]. */
export const wholeIn = (min: number, max: number) =>
  z.number().check(z.refine((n) => Number.isInteger(n) && n >= min && n <= max, `must be a whole number between ${min} and ${max}`));

/** One of `values`; `fallback` when absent or blank. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.pipe(
    optionalText,
    z.pipe(
      z.transform((s: string | undefined) => s ?? fallback),
      z.enum(values),
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

/**
 * One of `options`, told apart by the value of `key` (AUTHLETE_API_VERSION, AUTHENTICATOR), each
 * with exactly the variables it needs; any other value is refused with `message`, none at all
 * "is missing" (zod hands the union's error the whole object, not the absent value).
 */
export const cases = <const Types extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]], Key extends string>(
  key: Key,
  options: Types,
  message: string,
) =>
  z.discriminatedUnion(key, options, {
    error: (issue) => ((issue.input as Record<string, unknown> | undefined)?.[key] === undefined ? "is missing" : message),
  });

/** A binding of the Worker's (KV, a Durable Object namespace): an object with `method`; `missing` says what to do otherwise. */
export const binding = <T>(method: string, missing: string) =>
  z.custom<T>((v) => typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)[method] === "function", missing);
