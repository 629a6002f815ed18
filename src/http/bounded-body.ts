/**
 * Reading a body that someone else wrote (a request to us, an answer from Authlete, an OpenID
 * provider or Cloudflare Access) without letting its size decide our memory: the stream is read
 * chunk by chunk and abandoned as soon as it passes the bound, whatever Content-Length claimed
 * (a chunked answer has none, and a wrong one is no promise). A Worker has 128 MB; one answer
 * of 100 MB would take the isolate and every request in it down.
 */

export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
  }
}

/**
 * The whole body, at most `limit` bytes, or BodyTooLarge. `signal` bounds the reading too: a
 * body that stalls after its headers ends with the signal's reason (a TimeoutError for
 * AbortSignal.timeout), not whenever the other side gives up.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let stop: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
  // Observed here, so that a signal firing after the body was read is nobody's unhandled rejection.
  aborted.catch(() => {});
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw new BodyTooLarge(limit);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  } finally {
    if (stop) signal?.removeEventListener("abort", stop);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A response's body, bounded: refused at once when Content-Length already says it is too large, else read as above. */
export function readResponse(res: Response, limit: number, signal?: AbortSignal): Promise<Uint8Array> {
  const declared = Number(res.headers.get("Content-Length"));
  if (declared > limit) {
    res.body?.cancel().catch(() => {});
    return Promise.reject(new BodyTooLarge(limit));
  }
  return readBounded(res.body, limit, signal);
}
