import { NOWHERE, type Place } from "../http/client-place";
import type { Table } from "./kv";

/**
 * Who asked for a user code, recorded when the device authorization response is relayed
 * and shown on the confirm page (RFC 8628 §5.4: the user must be able to tell whether
 * the request came from a device they hold), and compared there with the browser's own
 * place (protection/proximity.ts). Keyed by the user code's hash; it lives as long as the code.
 * Coordinates are already rounded to 0.1° (http/client-place.ts).
 */
export interface DeviceRequest extends Place {
  ip: string;
  userAgent: string | null;
  /** Epoch ms. */
  requestedAt: number;
}

export class DeviceRequests {
  constructor(private readonly table: Table<DeviceRequest>) {}

  save(userCode: string, rec: DeviceRequest, expiresIn: number): Promise<void> {
    return this.table.put(userCode, rec, expiresIn);
  }

  /** Throws when KV fails: the confirm page fails closed on that. A record from before a field existed reads it as unknown. */
  async load(userCode: string): Promise<DeviceRequest | null> {
    const rec = await this.table.get(userCode);
    return rec && { ...NOWHERE, ...rec };
  }
}
