// BENCHMARKS.md is written by two commands: `npm run bench` (the tables) and `npm run soak`
// (one section between markers). Each keeps the other's part when it rewrites the file.
import { existsSync, readFileSync } from "node:fs";

const START = "<!-- soak:start -->";
const END = "<!-- soak:end -->";

/** The soak section currently in `file`, markers included, or "" when there is none. */
export function soakSection(file) {
  if (!existsSync(file)) return "";
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  return a >= 0 && b > a ? text.slice(a, b + END.length) : "";
}

/** `text` with its soak section replaced by `section` (appended when it has none). */
export function withSoakSection(text, section) {
  const wrapped = section.startsWith(START) ? section : `${START}\n${section.trim()}\n${END}`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) return text.slice(0, a) + wrapped + text.slice(b + END.length);
  return `${text.trimEnd()}\n\n${wrapped}\n`;
}
