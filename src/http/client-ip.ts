import type { Context } from "hono";

/**
 * The client address Cloudflare saw. Never X-Forwarded-For: any client can write that
 * header, so it must not choose a rate-limit bucket or the address shown to a user.
 */
export function clientIp(c: Context): string {
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}

/**
 * The network a budget is kept for: an IPv4 address as it is, an IPv6 address by its /64.
 * One subscriber usually holds a whole /64, so per-address budgets would give an attacker
 * 2^64 of them.
 */
export function networkOf(ip: string): string {
  if (!ip.includes(":")) return ip;
  const groups = expandIpv6(ip.toLowerCase().split("%")[0]!);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : ip;
}

/** The eight groups of an IPv6 address (an embedded IPv4 tail counts as two), or null when it is not one. */
function expandIpv6(ip: string): string[] | null {
  let text = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c2, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c2 << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => g.replace(/^0+(?=.)/, "")) : null;
}
