import { clampTtl, kvKey, sha256 } from "./kv";

/**
 * Who asked for a user code, recorded when the device authorization response is relayed
 * and shown on the confirm page (RFC 8628 §5.4: the user must be able to tell whether
 * the request came from a device they hold). Keyed by SHA-256(user_code).
 */
export interface DeviceRequest {
  ip: string;
  country: string | null;
  city: string | null;
  userAgent: string | null;
  /** Epoch ms. */
  requestedAt: number;
}

export async function saveDeviceRequest(kv: KVNamespace, userCode: string, rec: DeviceRequest, expiresIn: number): Promise<void> {
  await kv.put(kvKey.device(await sha256(userCode)), JSON.stringify(rec), { expirationTtl: clampTtl(expiresIn) });
}

/** Throws when KV fails: the confirm page fails closed on that. */
export async function loadDeviceRequest(kv: KVNamespace, userCode: string): Promise<DeviceRequest | null> {
  return kv.get<DeviceRequest>(kvKey.device(await sha256(userCode)), "json");
}
