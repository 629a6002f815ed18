// Numbers as the report and the console print them. Every figure goes through these, so a
// missing or non-finite value reads "—" instead of "NaN" or "undefined".

/** @param {number[]} xs @returns {number} the median of the finite values, NaN when there are none */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const m = s.length >> 1;
  const hi = s[m];
  if (hi === undefined) return NaN;
  const lo = s[m - 1];
  return s.length % 2 || lo === undefined ? hi : (lo + hi) / 2;
}

/** @param {number | undefined} x @param {number} [digits] */
export const fmt = (x, digits = 0) =>
  x !== undefined && Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "—";

/** Microseconds as milliseconds. @param {number | undefined} us @param {number} [digits] */
export const ms = (us, digits = 2) => fmt(us === undefined ? us : us / 1000, digits);

/** A difference in microseconds as signed milliseconds (+1.20, −0.35). @param {number | undefined} us @param {number} [digits] */
export const signedMs = (us, digits = 2) => (us !== undefined && Number.isFinite(us) ? `${us >= 0 ? "+" : "−"}${ms(Math.abs(us), digits)}` : "—");

/** A share (0–1) as a whole percentage. @param {number} share */
export const percent = (share) => `${fmt(100 * share)} %`;

/** ✅ or ❌ against a target. @param {number | undefined} value @param {number} target */
export function verdict(value, target, higherIsBetter = true) {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return (higherIsBetter ? value >= target : value < target) ? "✅ meets" : "❌ misses";
}

/** A Markdown table from a header row and body rows (alignment: "l" or "r" per column). */
export function table(/** @type {string[]} */ header, /** @type {string} */ align, /** @type {(string | number)[][]} */ rows) {
  const line = (/** @type {(string | number)[]} */ cells) => `|${cells.map((c) => (c === "" ? " " : ` ${c} `)).join("|")}|`;
  const rule = `|${[...align].map((a) => (a === "r" ? "---:" : "---")).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** A failed command as the report shows it: what it printed on stderr, else its message, cut short. */
export function failure(/** @type {unknown} */ err, max = 400) {
  const stderr = err instanceof Error && "stderr" in err ? String(err.stderr ?? "") : "";
  return (stderr || (err instanceof Error ? err.message : String(err))).slice(0, max);
}
