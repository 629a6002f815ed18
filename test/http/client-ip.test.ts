import { Hono } from "hono/tiny";
import { describe, expect, it } from "vitest";
import { clientIp, networkOf, networksOf } from "../../src/http/client-ip";

const app = new Hono().get("/", (c) => c.text(clientIp(c)));
const seen = async (headers: Record<string, string>) => (await app.request("/", { headers })).text();

describe("clientIp: the address Cloudflare saw", () => {
  it.each([
    ["198.51.100.1", "198.51.100.1"],
    ["2001:db8::1", "2001:db8::1"],
    // Kept as sent: the page shows what Cloudflare saw.
    ["2001:DB8:0000::0001", "2001:DB8:0000::0001"],
    ["fe80::1%eth0", "fe80::1%eth0"],
    // An IPv4 client that reached a dual-stack socket is that IPv4 client.
    ["::ffff:198.51.100.1", "198.51.100.1"],
    ["::FFFF:198.51.100.1", "198.51.100.1"],
    ["::ffff:c633:6401", "198.51.100.1"],
    ["0:0:0:0:0:ffff:cb00:7109", "203.0.113.9"],
    [" 203.0.113.9 ", "203.0.113.9"],
    ["not an address", "not an address"],
  ])("CF-Connecting-IP %j → %j", async (header, ip) => {
    expect(await seen({ "CF-Connecting-IP": header })).toBe(ip);
  });

  it("no CF-Connecting-IP (or an empty one) is unknown, and X-Forwarded-For is never read", async () => {
    expect(await seen({})).toBe("unknown");
    expect(await seen({ "CF-Connecting-IP": "" })).toBe("unknown");
    expect(await seen({ "X-Forwarded-For": "198.51.100.1" })).toBe("unknown");
  });
});

describe("networkOf: the network a budget is kept for", () => {
  it.each([
    // IPv4: the address itself.
    ["198.51.100.1", "198.51.100.1"],
    ["203.0.113.9", "203.0.113.9"],
    // IPv6: its /64, however it is written (:: anywhere, leading zeros, upper case).
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2::ABCD", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::", "0:0:0:0::/64"],
    ["2001:db8:1:2:3:4:192.0.2.1", "2001:db8:1:2::/64"],
    // A zone (link-local scope) is not part of the network.
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["fe80::2%25en0", "fe80:0:0:0::/64"],
    // IPv4-mapped, dotted or hex, any case: its IPv4 address, each client its own.
    ["::ffff:198.51.100.1", "198.51.100.1"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["::FFFF:C633:6401", "198.51.100.1"],
    ["0:0:0:0:0:ffff:c633:6401", "198.51.100.1"],
    ["0000:0000:0000:0000:0000:ffff:cb00:7109", "203.0.113.9"],
    // Not mapped: ::ffff in another place, or another prefix.
    ["::ffff:0:c633:6401", "0:0:0:0::/64"],
    ["64:ff9b::198.51.100.1", "64:ff9b:0:0::/64"],
    // Not an address: its own network, as given.
    ["unknown", "unknown"],
    ["2001:db8::1::2", "2001:db8::1::2"],
    ["2001:db8:1:2:3:4:5:6:7", "2001:db8:1:2:3:4:5:6:7"],
    ["2001:db8:1:2:3:4:5", "2001:db8:1:2:3:4:5"],
    ["2001:db8::g", "2001:db8::g"],
    ["::ffff:198.51.100.256", "::ffff:198.51.100.256"],
    ["::ffff:1.2.3", "::ffff:1.2.3"],
    [":", ":"],
  ])("%j → %j", (ip, network) => {
    expect(networkOf(ip)).toBe(network);
  });

  it("two IPv4 clients behind mapped addresses never share a budget; one client is one network whichever way it is written", () => {
    expect(networkOf("::ffff:198.51.100.1")).not.toBe(networkOf("::ffff:203.0.113.9"));
    expect(new Set(["198.51.100.1", "::ffff:198.51.100.1", "::ffff:c633:6401", "0:0:0:0:0:FFFF:C633:6401"].map(networkOf)).size).toBe(1);
  });
});

describe("networksOf: every network a budget is kept for, narrowest first", () => {
  it("an IPv6 address: its /64, /56 and /48, however it is written", () => {
    const nets = ["2001:db8:1:2ab:3:4:5:6", "2001:0DB8:0001:02AB::1"].map((ip) => networksOf(ip));
    for (const n of nets)
      expect(n).toEqual([
        { prefix: "ip", network: "2001:db8:1:2ab::/64" },
        { prefix: "ipv6/56", network: "2001:db8:1:200::/56" },
        { prefix: "ipv6/48", network: "2001:db8:1::/48" },
      ]);
    expect(networksOf("2001:db8::1").map((n) => n.network)).toEqual(["2001:db8:0:0::/64", "2001:db8:0:0::/56", "2001:db8:0::/48"]);
  });

  it("two /64s of one /56 share its /56 and /48; another /56 of the /48 shares only the /48", () => {
    const [a, b, c] = ["2001:db8:7:1200::1", "2001:db8:7:12ff::1", "2001:db8:7:1300::1"].map((ip) => networksOf(ip).map((n) => n.network));
    expect(a![0]).not.toBe(b![0]);
    expect(a!.slice(1)).toEqual(b!.slice(1));
    expect(a![1]).not.toBe(c![1]);
    expect(a![2]).toBe(c![2]);
  });

  it("IPv4 (mapped or not) is the address alone: neighbours in a /24, often thousands of people behind carrier-grade NAT, never share a budget", () => {
    expect(networksOf("198.51.100.1")).toEqual([{ prefix: "ip", network: "198.51.100.1" }]);
    expect(networksOf("::ffff:198.51.100.2")).toEqual([{ prefix: "ip", network: "198.51.100.2" }]);
    expect(networksOf("unknown")).toEqual([{ prefix: "ip", network: "unknown" }]);
    expect(networksOf("2001:db8::1::2")).toEqual([{ prefix: "ip", network: "2001:db8::1::2" }]);
  });
});
