// The lines the Worker prints (src/log.ts: one JSON object a line, on console.log, .warn or
// .error by level), captured instead of printed. A test that provokes a warning or an error
// captures it and asserts on it: the run stays quiet, and the line is checked, not just seen.
import { vi } from "vitest";

/** One printed line, parsed; a line that is not JSON keeps its text under `text` (event "(text)"). */
export type LogLine = Record<string, unknown> & { level: string; event: string };

export interface LogCapture {
  /** Every line printed since the capture began, in order. */
  readonly lines: LogLine[];
  /** The lines at warn or error, in order: what an operator is shown, and what a test must account for. */
  warned(): LogLine[];
  /** The lines of one event ("decision", "authlete_failure", …), in order. */
  of(event: string): LogLine[];
  /** The last decision line (every request to a route logs one). */
  decision(): LogLine | undefined;
  /** Print again (vi.restoreAllMocks does this too). */
  restore(): void;
}

const METHODS = { log: "info", warn: "warn", error: "error" } as const;

function parse(method: keyof typeof METHODS, args: unknown[]): LogLine {
  const text = args.map(String).join(" ");
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as LogLine;
  } catch {
    // Not one of the Worker's lines: kept as text, so a test sees it and can say what it expected.
  }
  return { level: METHODS[method], event: "(text)", text };
}

/** Captures console.log, .warn and .error until `restore()` (or vi.restoreAllMocks). */
export function captureLogs(): LogCapture {
  const lines: LogLine[] = [];
  const spies = (Object.keys(METHODS) as (keyof typeof METHODS)[]).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(parse(method, args))),
  );
  return {
    lines,
    warned: () => lines.filter((l) => l.level === "warn" || l.level === "error"),
    of: (event) => lines.filter((l) => l.event === event),
    decision: () => lines.filter((l) => l.event === "decision").at(-1),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** Every line printed while `run` runs, captured and parsed; printing resumes afterwards, even if `run` throws. */
export async function linesPrintedBy(run: () => Promise<void>): Promise<LogLine[]> {
  const capture = captureLogs();
  try {
    await run();
  } finally {
    capture.restore();
  }
  return capture.lines;
}
