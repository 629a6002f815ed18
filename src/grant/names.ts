import type { KeyedHash } from "../crypto";

/**
 * The grants' Durable Object names (docs/storage-schema.md): the grant under its device code,
 * the pointer under its user code, each a keyed hash with a purpose of its own, never a code.
 * Apart from the store so that Node-side tools can reach an object by the same names.
 */
export function grantNames(keyed: KeyedHash) {
  return {
    device: async (deviceCode: string) => `device/${await keyed.mac("grant:device-code", deviceCode)}`,
    user: async (userCode: string) => `user/${await keyed.mac("grant:user-code", userCode)}`,
  };
}
