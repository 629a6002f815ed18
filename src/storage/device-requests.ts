import type { Table } from "./kv";

/**
 * Who asked for a user code, recorded when the device authorization response is relayed
 * and shown on the confirm page (RFC 8628 §5.4: the user must be able to tell whether
 * the request came from a device they hold). Keyed by the user code's hash.
 */
export interface DeviceRequest {
  ip: string;
  country: string | null;
  city: string | null;
  userAgent: string | null;
  /** Epoch ms. */
  requestedAt: number;
}

export class DeviceRequests {
  constructor(private readonly table: Table<DeviceRequest>) {}

  save(userCode: string, rec: DeviceRequest, expiresIn: number): Promise<void> {
    return this.table.put(userCode, rec, expiresIn);
  }

  /** Throws when KV fails: the confirm page fails closed on that. */
  load(userCode: string): Promise<DeviceRequest | null> {
    return this.table.get(userCode);
  }
}
