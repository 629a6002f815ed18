// Scope resolution shared by the device and token APIs (§3.2, §11 "Scope handling").
import type { ClientDef, ServiceSettings } from "./types";

/**
 * Requested scopes minus unregistered ones (dropped silently, like Authlete), and minus those
 * the client may not request when its requestable scopes are on (§13.2; dropped the same way
 * [I]). No or an empty `scope` parameter means the client's default scopes, else the service's
 * defaultEntry scopes.
 */
export function resolveScopes(svc: ServiceSettings, client: ClientDef, scopeParam: string | null): string[] {
  const requestable = client.extension.requestableScopesEnabled ? new Set(client.extension.requestableScopes ?? []) : null;
  const registered = new Set(svc.supportedScopes.map((s) => s.name).filter((s) => requestable === null || requestable.has(s)));
  const requested =
    scopeParam !== null && scopeParam.trim() !== ""
      ? scopeParam.split(" ").filter((s) => s !== "")
      : client.defaultScopes && client.defaultScopes.length > 0
        ? client.defaultScopes
        : svc.supportedScopes.filter((s) => s.defaultEntry).map((s) => s.name);
  return [...new Set(requested)].filter((s) => registered.has(s));
}

/** Scope objects as the device APIs return them; descriptions are always without a value there (§3.2). */
export function scopeObjects(svc: ServiceSettings, names: string[]): Record<string, unknown>[] | null {
  if (names.length === 0) return null;
  return names.map((name) => {
    const def = svc.supportedScopes.find((s) => s.name === name);
    return {
      name,
      defaultEntry: def?.defaultEntry ?? false,
      description: null,
      descriptions: null,
      attributes: def?.attributes ?? null,
    };
  });
}

/** Claims implied by the scopes; null unless `openid` is among them. */
export function claimNamesFor(svc: ServiceSettings, names: string[]): string[] | null {
  if (!names.includes("openid")) return null;
  const out: string[] = [];
  for (const name of names) {
    for (const c of svc.supportedScopes.find((s) => s.name === name)?.claims ?? []) {
      if (!out.includes(c)) out.push(c);
    }
  }
  return out;
}
