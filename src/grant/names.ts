import type { KeyedHash } from "../crypto";

/**
 * The grants' Durable Object names (docs/storage-schema.md): the grant under its device code,
 * the pointer under its user code, each a keyed hash with a purpose of its own, never a code.
 * Apart from the store so that Node-side tools can reach an object by the same names.
 * `device` and `user` are the names a grant is created under now; `devices` and `users` every
 * name it may have been created under, the current secret's first (during an EDGE_SECRET
 * rotation, the previous secret's too): what a lookup tries, in order.
 */
export function grantNames(keyed: KeyedHash) {
  return {
    device: async (deviceCode: string) => `device/${await keyed.mac("grant:device-code", deviceCode)}`,
    user: async (userCode: string) => `user/${await keyed.mac("grant:user-code", userCode)}`,
    devices: async (deviceCode: string) => (await keyed.macs("grant:device-code", deviceCode)).map((m) => `device/${m}`),
    users: async (userCode: string) => (await keyed.macs("grant:user-code", userCode)).map((m) => `user/${m}`),
  };
}
