import type { Context } from "hono";

/**
 * The client address Cloudflare saw. Never X-Forwarded-For: any client can write that
 * header, so it must not choose a rate-limit bucket or the address shown to a user.
 * An IPv4-mapped IPv6 address (`::ffff:198.51.100.1`, or `::ffff:c633:6401`) is the IPv4
 * client it stands for, and is given as that address.
 */
export function clientIp(c: Context): string {
  const ip = c.req.header("CF-Connecting-IP")?.trim();
  if (!ip) return "unknown";
  const groups = ip.includes(":") ? expandIpv6(ip) : null;
  return (groups && mappedIpv4(groups)) ?? ip;
}

/**
 * The network a budget is kept for: an IPv4 address as it is, an IPv6 address by its /64
 * (one subscriber usually holds a whole /64, so per-address budgets would give an attacker
 * 2^64 of them), and an IPv4-mapped IPv6 address as its IPv4 address: by its /64 every
 * mapped address would be `0:0:0:0::/64`, one budget shared by every IPv4 client that
 * arrives so. Anything that is not an address is its own network, as given.
 */
export function networkOf(ip: string): string {
  if (!ip.includes(":")) return ip;
  const groups = expandIpv6(ip);
  if (!groups) return ip;
  return mappedIpv4(groups) ?? `${groups.slice(0, 4).join(":")}::/64`;
}

/** How wide a network a budget is kept for: the address or /64 (`networkOf`), or a wider IPv6 prefix. */
export type Prefix = "ip" | "ipv6/56" | "ipv6/48";

/**
 * Every network a budget is kept for, narrowest first: an IPv6 address by its /64, /56 and /48
 * (one subscriber holds a /64, a household usually a /56 or a /48, and a /48 costs nothing from
 * a tunnel broker, so a /64 budget alone would give one person 65,536 of them); an IPv4
 * address (IPv4-mapped ones included) by itself alone. No wider IPv4 prefix: a /24 at a mobile
 * carrier or behind carrier-grade NAT is thousands of unrelated people, whom one guesser
 * would lock out, while a guesser's own IPv4 addresses are scarce and cost money each.
 */
export function networksOf(ip: string): { prefix: Prefix; network: string }[] {
  const groups = ip.includes(":") ? expandIpv6(ip) : null;
  if (!groups || mappedIpv4(groups)) return [{ prefix: "ip", network: networkOf(ip) }];
  const head = groups.slice(0, 3).join(":");
  return [
    { prefix: "ip", network: `${groups.slice(0, 4).join(":")}::/64` },
    { prefix: "ipv6/56", network: `${head}:${(Number.parseInt(groups[3]!, 16) & 0xff00).toString(16)}::/56` },
    { prefix: "ipv6/48", network: `${head}::/48` },
  ];
}

/** `::ffff:a.b.c.d` (::ffff:0:0/96, RFC 4291 §2.5.5.2) as `a.b.c.d`; null for any other address. */
function mappedIpv4(groups: string[]): string | null {
  if (groups.slice(0, 5).some((g) => g !== "0") || groups[5] !== "ffff") return null;
  return groups
    .slice(6)
    .flatMap((g) => {
      const n = Number.parseInt(g, 16);
      return [n >> 8, n & 0xff];
    })
    .join(".");
}

/**
 * The eight groups of an IPv6 address, lower case without leading zeros (an embedded IPv4
 * tail counts as two; a zone such as `%eth0` is dropped), or null when it is not one.
 */
function expandIpv6(ip: string): string[] | null {
  let text = ip.toLowerCase().split("%")[0]!;
  const v4 = /:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    if (Math.max(a, b, c, d) > 255) return null;
    text = `${text.slice(0, v4.index + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
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
