/**
 * KV could not be read or written for verification or sign-in state. Unlike the
 * limiter, this state fails closed: without it we cannot tell which code, client and
 * user a decision belongs to.
 */
export class StateUnavailable extends Error {
  override name = "StateUnavailable";
  constructor(operation: string, cause: unknown) {
    super(`${operation}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new StateUnavailable(operation, err);
  }
}
