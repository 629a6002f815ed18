/**
 * One JSON line per decision. Callers pass only values safe to keep: never a device
 * code, token, password or client secret (hash them first if they must be correlated).
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The most of one value a client (or anyone outside the Worker) chose that a log line keeps, in characters. */
export const CLIENT_TEXT_MAX = 100;
/** The most of any string field a log line keeps: the bound even for a field nobody thought was the client's. */
export const LOG_FIELD_MAX = 1000;

// Line breaks and tabs read as spaces; every other control or format character (escape
// sequences, NUL, bidirectional overrides, zero-width characters) is shown as U+FFFD, so a
// viewer that decodes the JSON shows that something was there and can be made to draw nothing.
const BREAKS = /[\t\n\r\u2028\u2029]+/g;
const CONTROLS = /[\p{Cc}\p{Cf}]/gu;

/**
 * Text someone outside the Worker chose (a `grant_type`, an action name Authlete sent, a
 * provider's error, an `acr`), made fit for a log line: control and format characters out (see
 * above), at most `max` characters, whole code points only, and a cut said as such with the
 * original length (`abc… (16384 chars)`), so an operator sees the value was longer. A request
 * body can hold 16 KB; a log line should not grow with it. Null stays null.
 */
export function clientText(value: string | null | undefined, max = CLIENT_TEXT_MAX): string | null {
  if (value === null || value === undefined) return null;
  // Look at no more than the bound needs: a long value is cut before it is scanned.
  const head = Array.from(value.slice(0, max * 2 + 2));
  const clean = (s: string) => s.replace(BREAKS, " ").replace(CONTROLS, "\uFFFD");
  // Twice the bound in UTF-16 units holds more than `max` code points, so a longer value is always cut.
  if (head.length <= max) return clean(head.join(""));
  return `${clean(head.slice(0, max).join(""))}… (${value.length} chars)`;
}

export function log(level: "info" | "warn" | "error", event: string, fields: LogFields = {}): void {
  // Every string bounded and cleaned here, whoever forgot: a line never carries a control character or grows without limit.
  const bounded = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === "string" ? clientText(v, LOG_FIELD_MAX) : v]));
  const line = JSON.stringify({ level, event, ...bounded });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
