/**
 * The schema combinators every configuration schema (and the Authlete response shapes) is
 * built from: small functions that check one thing and say what was expected. Variables
 * arrive as strings (or not at all); the variable combinators trim, apply their default and
 * check one rule, so a bad value is reported with a message that says what is expected.
 *
 * Written here rather than taken from a validation library: the Worker needs a dozen of them.
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Path = readonly (string | number)[];
export interface Issue {
  path: Path;
  message: string;
}
export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };
/** Checks `input` (found at `path`) and gives its value, or what is wrong with it. */
export type Schema<T> = (input: unknown, path: Path) => Result<T>;
export type Output<S> = S extends Schema<infer T> ? T : never;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (path: Path, message: string): { ok: false; issues: Issue[] } => ({ ok: false, issues: [{ path, message }] });
/** Absent input reads as "is missing", whatever was expected of it. */
const expected = (path: Path, input: unknown, what: string) => fail(path, input === undefined ? "is missing" : `must be ${what}`);

// ------------------------------------------------------------------ values

const typed =
  <T>(test: (v: unknown) => v is T, what: string): Schema<T> =>
  (v, path) =>
    test(v) ? ok(v) : expected(path, v, what);

export const string = typed((v): v is string => typeof v === "string", "text");
export const number = typed((v): v is number => typeof v === "number" && Number.isFinite(v), "a number");
export const boolean = typed((v): v is boolean => typeof v === "boolean", "true or false");
/** Anything at all (a JSON value that is only passed on, say). */
export const unknown: Schema<unknown> = (v) => ok(v);

export const literal =
  <const T extends string>(value: T): Schema<T> =>
  (v, path) =>
    v === value ? ok(value) : expected(path, v, JSON.stringify(value));

export const values =
  <const T extends readonly [string, ...string[]]>(options: T, message = `must be one of ${options.join(", ")}`): Schema<T[number]> =>
  (v, path) =>
    typeof v === "string" && options.includes(v) ? ok(v as T[number]) : fail(path, v === undefined ? "is missing" : message);

export const optional =
  <T>(s: Schema<T>): Schema<T | undefined> =>
  (v, path) =>
    v === undefined ? ok(undefined) : s(v, path);

export const nullable =
  <T>(s: Schema<T>): Schema<T | null> =>
  (v, path) =>
    v === null ? ok(null) : s(v, path);

/** Neither given nor null: optional and nullable at once, as in Authlete's responses. */
export const maybe = <T>(s: Schema<T>): Schema<T | null | undefined> => optional(nullable(s));

export const withDefault =
  <T>(s: Schema<T>, fallback: T): Schema<T> =>
  (v, path) =>
    v === undefined ? ok(fallback) : s(v, path);

// ------------------------------------------------------------------ composition

/** `s`, then a rule its value must meet. */
export const refine =
  <T>(s: Schema<T>, rule: (value: T) => boolean, message: string): Schema<T> =>
  (v, path) => {
    const r = s(v, path);
    return !r.ok || rule(r.value) ? r : fail(path, message);
  };

/** `s`, then its value changed. */
export const map =
  <T, U>(s: Schema<T>, change: (value: T) => U): Schema<U> =>
  (v, path) => {
    const r = s(v, path);
    return r.ok ? ok(change(r.value)) : r;
  };

/** `a`, then `b` on what `a` gave. (Not named `then`: a module exporting `then` is a thenable, and `await import()` of it never settles.) */
export const pipe =
  <A, B>(a: Schema<A>, b: Schema<B>): Schema<B> =>
  (v, path) => {
    const r = a(v, path);
    return r.ok ? b(r.value, path) : r;
  };

/** Both schemas on the same object; their values merged. */
export const both =
  <A extends object, B extends object>(a: Schema<A>, b: Schema<B>): Schema<A & B> =>
  (v, path) => {
    const [x, y] = [a(v, path), b(v, path)];
    if (x.ok && y.ok) return ok({ ...x.value, ...y.value });
    return { ok: false, issues: [...(x.ok ? [] : x.issues), ...(y.ok ? [] : y.issues)] };
  };

/** The case named by `key`'s value, or `message` at `key` for any other value. */
export const cases =
  <K extends string, C extends Record<string, Schema<object>>>(key: K, options: C, message: string): Schema<Output<C[keyof C]>> =>
  (v, path) => {
    if (!isObject(v)) return expected(path, v, "an object");
    const tag = v[key];
    const s = typeof tag === "string" && Object.hasOwn(options, tag) ? options[tag] : undefined;
    return s ? (s(v, path) as Result<Output<C[keyof C]>>) : fail([...path, key], tag === undefined ? "is missing" : message);
  };

// ------------------------------------------------------------------ structures

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every issue of every part, or the parts' values in their order. */
function gather<T>(parts: Result<unknown>[], build: (values: unknown[]) => T): Result<T> {
  const issues = parts.flatMap((r) => (r.ok ? [] : r.issues));
  return issues.length ? { ok: false, issues } : ok(build(parts.map((r) => (r as { value: unknown }).value)));
}

export const array =
  <T>(item: Schema<T>): Schema<T[]> =>
  (v, path) =>
    Array.isArray(v)
      ? gather(
          v.map((x, i) => item(x, [...path, i])),
          (values) => values as T[],
        )
      : expected(path, v, "a list");

export const record =
  <T>(value: Schema<T>): Schema<Record<string, T>> =>
  (v, path) => {
    if (!isObject(v)) return expected(path, v, "an object");
    const entries = Object.entries(v);
    return gather(
      entries.map(([k, x]) => value(x, [...path, k])),
      (values) => Object.fromEntries(entries.map(([k], i) => [k, values[i] as T])),
    );
  };

type Shape = Record<string, Schema<unknown>>;
type ShapeOutput<S extends Shape> = { [K in keyof S]: Output<S[K]> };

/**
 * An object with these members. `extra`: what other members do: dropped ("strip"), kept
 * ("keep": Authlete adds fields over time) or refused ("strict": a typo in a setting).
 */
export const object =
  <S extends Shape>(shape: S, extra: "strip" | "keep" | "strict" = "strip"): Schema<ShapeOutput<S>> =>
  (v, path) => {
    if (!isObject(v)) return expected(path, v, "an object");
    const keys = Object.keys(shape);
    const parts = keys.map((k) => shape[k]!(v[k], [...path, k]));
    if (extra === "strict") for (const k of Object.keys(v)) if (!Object.hasOwn(shape, k)) parts.push(fail([...path, k], "is not a known setting"));
    return gather(parts, (values) => {
      const out: Record<string, unknown> = extra === "keep" ? { ...v } : {};
      keys.forEach((k, i) => {
        if (values[i] !== undefined || Object.hasOwn(out, k)) out[k] = values[i];
      });
      return out as ShapeOutput<S>;
    });
  };

// ------------------------------------------------------------------ variables

/** Absent or blank → undefined; anything else trimmed. */
export const optionalText: Schema<string | undefined> = (v, path) =>
  v === undefined ? ok(undefined) : typeof v === "string" ? ok(v.trim() || undefined) : expected(path, v, "text");

/** Present and not blank (a blank value reads as missing). */
export const requiredText: Schema<string> = pipe(optionalText, string);

export const minLength =
  (n: number, message = `must be at least ${n} characters`) =>
  (s: Schema<string>) =>
    refine(s, (x) => x.length >= n, message);
export const maxLength =
  (n: number, message = `must be at most ${n} characters`) =>
  (s: Schema<string>) =>
    refine(s, (x) => x.length <= n, message);
export const matching = (pattern: RegExp, message: string) => (s: Schema<string>) => refine(s, (x) => pattern.test(x), message);

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
export const url = (rule: UrlRule = {}): Schema<string> => {
  const scheme = rule.httpsOnly ? (rule.httpOnLoopback ? "an https (http only on loopback)" : "an https") : "an http(s)";
  const what = `must be ${scheme} ${rule.originOnly ? "origin such as https://example.com" : rule.query ? "URL" : "URL without query or fragment"}`;
  return map(
    refine(requiredText, (s) => isUrl(s, rule), what),
    (s) => (rule.query || rule.verbatim ? s : s.replace(/\/+$/, "")),
  );
};

/** A whole number in [min, max]; `fallback` when absent. */
export const intIn = <F extends number | undefined = undefined>(min: number, max: number, fallback?: F): Schema<number | F> => {
  const message = `must be a whole number between ${min} and ${max}`;
  return (v, path) => {
    const r = optionalText(v, path);
    if (!r.ok) return r;
    if (r.value === undefined) return ok(fallback as F);
    const n = /^\d+$/.test(r.value) ? Number(r.value) : Number.NaN;
    return n >= min && n <= max ? ok(n) : fail(path, message);
  };
};

/** A whole number (already a JSON number) in [min, max]. */
export const wholeIn = (min: number, max: number): Schema<number> =>
  refine(number, (n) => Number.isInteger(n) && n >= min && n <= max, `must be a whole number between ${min} and ${max}`);

/** One of `options`; `fallback` when absent. */
export const oneOf = <const T extends readonly [string, ...string[]]>(options: T, fallback: T[number]): Schema<T[number]> =>
  pipe(
    map(optionalText, (s) => s ?? fallback),
    values(options),
  );

/** A JSON-valued variable: a syntax error is reported as such, not as a type error. */
export const json =
  <T>(s: Schema<T>): Schema<T> =>
  (v, path) => {
    if (typeof v !== "string") return expected(path, v, "JSON text");
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      return fail(path, "must be valid JSON");
    }
    return s(parsed, path);
  };

/** `prefix` names the variable (or the list entry) the issues' paths start from. */
function describe(issues: readonly Issue[], prefix = ""): string {
  return issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".")}: ${i.message}`).join("; ");
}

/** Like parse, but returns the described problems (named from `prefix`) instead of throwing, so a caller can gather them. */
export function check<T>(schema: Schema<T>, input: unknown, prefix: string): { data: T } | { problems: string } {
  const r = schema(input, []);
  return r.ok ? { data: r.value } : { problems: describe(r.issues, prefix) };
}

/** Parses `input` or throws one ConfigError naming every bad variable. */
export function parse<T>(schema: Schema<T>, input: unknown): T {
  const r = check(schema, input, "");
  if ("problems" in r) throw new ConfigError(`Invalid configuration: ${r.problems}`);
  return r.data;
}
