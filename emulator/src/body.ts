// The one reader of request bodies, for the runtime APIs and the control API alike.

/**
 * A body as a JSON object: empty text counts as `{}`; anything that is not a JSON object is
 * null (the caller answers 400). Pass the request's Content-Type where Authlete also takes
 * form bodies (the runtime APIs, §1.3): a form body then gives its flat string fields, the
 * only thing a form can carry. Without it (the control API) only JSON is read.
 */
export function parseBody(text: string, contentType: string | null = null): Record<string, unknown> | null {
  if (text.trim() === "") return {};
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
