import { BodyTooLarge, readBounded } from "./bounded-body";
import { invalidRequest } from "./oauth-errors";

/** Large enough for any honest OAuth request (RFC 9396 authorization_details included), small enough to bound memory. */
export const MAX_FORM_BYTES = 16 * 1024;

export type FormResult = { ok: true; raw: string; params: URLSearchParams } | { ok: false; response: Response };

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads an application/x-www-form-urlencoded body, bounded by MAX_FORM_BYTES whatever
 * Content-Length claims. `raw` is forwarded to Authlete verbatim; `params` is only for
 * the few decisions the edge makes itself.
 */
export async function readForm(req: Request): Promise<FormResult> {
  const type = (req.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return fail("The request body must be application/x-www-form-urlencoded.");
  const declared = req.headers.get("Content-Length");
  if (declared !== null && Number(declared) > MAX_FORM_BYTES) return tooLarge();
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(req.body, MAX_FORM_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) return tooLarge();
    throw err;
  }
  let raw: string;
  try {
    raw = fatalUtf8.decode(bytes);
  } catch {
    return fail("The request body is not valid UTF-8.");
  }
  return { ok: true, raw, params: new URLSearchParams(raw) };
}

const fail = (description: string, status = 400): FormResult => ({ ok: false, response: invalidRequest(description, status) });
const tooLarge = () => fail(`The request body exceeds ${MAX_FORM_BYTES} bytes.`, 413);

export type BasicCredentials = { clientId?: string; clientSecret?: string };

/**
 * Splits `Authorization: Basic` into client id and secret. Both halves are
 * form-urlencoded before base64 (RFC 6749 §2.3.1), so they are decoded here.
 * Returns null when the header is present but unusable.
 */
export function parseBasic(header: string | undefined | null): BasicCredentials | null {
  if (!header) return {};
  const m = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = fatalUtf8.decode(Uint8Array.from(atob(m[1]!), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    return clientId ? { clientId, clientSecret } : null;
  } catch {
    return null;
  }
}

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
