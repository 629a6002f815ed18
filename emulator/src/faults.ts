// Injected failures (control API) so the AS's handling of a misbehaving Authlete can be tested.
import { oauthErrorContent, result } from "./errors";
import { state } from "./store";
import type { Fault, FaultMode, ServiceSettings } from "./types";

export const FAULT_MODES: readonly FaultMode[] = ["latency", "status", "non-json", "truncated", "drop", "unknown-action", "action"];

/** Thrown on purpose by the "drop" fault: the caller must see a failed fetch, not a response. */
export class DropConnection extends Error {
  constructor() {
    super("authlete-emulator: connection dropped (injected fault)");
  }
}

/** The first queued fault for this API, consuming one of its `times`. */
export function takeFault(api: string): Fault | null {
  const i = state.faults.findIndex((f) => f.api === "*" || f.api === api);
  const f = state.faults[i];
  if (f === undefined) return null;
  if (f.times > 0) {
    f.times -= 1;
    if (f.times === 0) state.faults.splice(i, 1);
  }
  return f;
}

/** Answers that replace processing entirely (the request never "reached" Authlete's logic). */
export function preProcessFault(f: Fault, api: string, svc: ServiceSettings): Response | null {
  switch (f.mode) {
    case "action": {
      // An HTTP 200 protocol answer with a chosen action, as when Authlete itself fails inside
      // the API (INTERNAL_SERVER_ERROR / SERVER_ERROR); nothing is processed.
      const body = {
        ...result("A001101", `/${api}, Authlete Server error.`),
        action: f.action ?? "INTERNAL_SERVER_ERROR",
        responseContent: f.responseContent ?? oauthErrorContent(svc, "server_error", "A001101", "Authlete Server error."),
      };
      return new Response(JSON.stringify(body), { status: f.status ?? 200, headers: { "Content-Type": "application/json" } });
    }
    case "drop":
      throw new DropConnection();
    case "status": {
      const status = f.status ?? 500;
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (status === 429 || status === 503) headers["Retry-After"] = "1";
      if (status === 204 || status === 205 || status === 304) return new Response(null, { status });
      const body = status >= 500 ? result("A001101", `/${api}, Authlete Server error.`) : result("A001299", `/${api}, Injected fault (HTTP ${status}).`);
      return new Response(JSON.stringify(body), { status, headers });
    }
    case "non-json":
      // HTTP 200 by default: the client's JSON parsing, not its status handling, is under test.
      return new Response("<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>", {
        status: f.status ?? 200,
        headers: { "Content-Type": "text/html" },
      });
    default:
      return null;
  }
}

/** Faults applied to a normally processed answer (its side effects have happened). */
export async function postProcessFault(f: Fault, res: Response): Promise<Response> {
  if (f.mode !== "truncated" && f.mode !== "unknown-action") return res;
  const text = await res.text();
  const headers = new Headers(res.headers);
  if (f.mode === "truncated") {
    return new Response(text.slice(0, Math.floor(text.length / 2)), { status: f.status ?? res.status, headers });
  }
  let out = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "action" in parsed) {
      (parsed as Record<string, unknown>)["action"] = "SOMETHING_NEW";
      out = JSON.stringify(parsed);
    }
  } catch {
    // Not JSON: leave as is.
  }
  return new Response(out, { status: f.status ?? res.status, headers });
}
