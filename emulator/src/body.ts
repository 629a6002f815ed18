// The one reader of request bodies, for the runtime APIs and the control API alike.

const utf8 = new TextDecoder();

/**
 * A request's body as text, decoded from its bytes as UTF-8 (what `Request.text()` does). Read
 * as bytes because workerd's `.text()` warns on every body whose Content-Type is not a text
 * type, form bodies included, which Authlete takes and the tests send on purpose (§1.3).
 */
export async function readText(request: Request): Promise<string> {
  return utf8.decode(await request.arrayBuffer());
}

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
