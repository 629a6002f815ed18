import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { KeyedHash } from "../../src/crypto";
import { NOWHERE } from "../../src/http/client-place";
import { HOSTING_ASNS } from "../../src/protection/proximity";
import type { ReportedNetwork } from "../../src/protection/reported-network-object";
import { ReportedNetworks } from "../../src/protection/reported-networks";
import { nextIp, unreachableReportedNetworks } from "../support/helpers";
import { captureLogs } from "../support/logs";

afterEach(() => vi.restoreAllMocks());

const keyed = new KeyedHash(env.EDGE_SECRET!);
const HOUR = 3_600_000;
const hosting = new Set(HOSTING_ASNS);

/** The watch list on the real objects, on a clock the test moves; `hours` as REPORTED_NETWORK_HOURS. */
function watchList(hours = 24, namespace: DurableObjectNamespace = env.REPORTED_NETWORKS) {
  const clock = { now: 1_000_000 };
  return { clock, list: new ReportedNetworks(namespace as DurableObjectNamespace<ReportedNetwork>, keyed, hours, hosting, () => clock.now) };
}

const home = (ip = nextIp()) => ({ ...NOWHERE, ip, asn: 2516, asOrganization: "KDDI CORPORATION" });
const cloud = (ip = nextIp()) => ({ ...NOWHERE, ip, asn: 16509, asOrganization: "Amazon.com, Inc." });

describe("the watch list's entries: keyed names and tags, never an address or an ASN", () => {
  it("an address's network (IPv6 by its /64), and the ASN only when it is a hosting network", async () => {
    const { list } = watchList();
    const h = await list.watched(home("2001:db8:1:2::1"));
    expect(h.names).toHaveLength(1);
    expect(h.names[0]).toMatch(/^network\/[A-Za-z0-9_-]{43}$/);
    expect(h.tags).toEqual({ network: expect.stringMatching(/^[\w-]{12}$/), asn: null });
    // Another address in the same /64 is the same network.
    expect((await list.watched(home("2001:db8:1:2::99"))).names).toEqual(h.names);
    expect((await list.watched(home("2001:db8:1:3::1"))).names).not.toEqual(h.names);

    const c = await list.watched(cloud("198.51.100.7"));
    expect(c.names).toHaveLength(2);
    expect(c.names[1]).toMatch(/^asn\/[A-Za-z0-9_-]{43}$/);
    expect(c.tags.asn).toMatch(/^[\w-]{12}$/);
    // An AS organisation that says hosting counts as hosting, as on the confirm page.
    expect((await list.watched({ ...NOWHERE, ip: nextIp(), asn: 64500, asOrganization: "Example Hosting Ltd" })).names).toHaveLength(2);
    // No address from the edge: nothing of it to watch.
    expect((await list.watched({ ...NOWHERE, ip: "unknown", asn: null, asOrganization: null })).names).toEqual([]);

    const all = JSON.stringify([h, c]);
    for (const clear of ["2001:db8:1:2", "198.51.100.7", "16509", "2516"]) expect(all).not.toContain(clear);
  });
});

describe("listed, seen, and forgotten after REPORTED_NETWORK_HOURS (on the caller's clock)", () => {
  it("a reported network is seen until its hours are over; another network never; a hosting ASN from any of its addresses", async () => {
    const logs = captureLogs();
    const { list, clock } = watchList(2);
    const reported = await list.watched(cloud());
    expect(await list.seen(reported, {})).toBe(false);
    await list.list(reported, { requestId: "r1" });
    expect(await list.seen(reported, {})).toBe(true);
    expect(await list.seen(await list.watched(home()), {})).toBe(false);
    // Another address in the same cloud: its ASN is on the list.
    expect(await list.seen(await list.watched(cloud()), {})).toBe(true);
    clock.now += 2 * HOUR - 1;
    expect(await list.seen(reported, {})).toBe(true);
    clock.now += 1;
    expect(await list.seen(reported, {})).toBe(false);

    const line = logs.warned()[0];
    expect(line).toEqual({ level: "warn", event: "reported_network_listed", requestId: "r1", ...reported.tags, reports: 1, hours: 2 });
  });

  it("each report while listed counts, and restarts the watch; reports sent at once are all counted", async () => {
    const logs = captureLogs();
    const { list, clock } = watchList(1);
    const w = await list.watched(home());
    await Promise.all(Array.from({ length: 5 }, () => list.list(w, {})));
    clock.now += HOUR - 1_000;
    await list.list(w, {});
    clock.now += HOUR - 1_000;
    expect(await list.seen(w, {})).toBe(true);
    const reports = logs.warned().map((l) => l["reports"] as number);
    expect(reports.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a shorter REPORTED_NETWORK_HOURS applies at once to networks already listed; 0 is no watch list at all (no call)", async () => {
    const logs = captureLogs();
    const { list, clock } = watchList(24);
    const w = await list.watched(home());
    await list.list(w, {});
    clock.now += 2 * HOUR;
    const shorter = new ReportedNetworks(env.REPORTED_NETWORKS as DurableObjectNamespace<ReportedNetwork>, keyed, 1, hosting, () => clock.now);
    expect(await list.seen(w, {})).toBe(true);
    expect(await shorter.seen(w, {})).toBe(false);

    const off = watchList(0, unreachableReportedNetworks()).list;
    await off.list(w, {});
    expect(await off.seen(w, {})).toBe(false);
    expect(logs.warned()).toHaveLength(1);
  });
});

describe("an outage fails open", () => {
  it("seen is false and list goes on, each with a warning naming the operation", async () => {
    const logs = captureLogs();
    const { list } = watchList(24, unreachableReportedNetworks());
    const w = await list.watched(cloud());
    expect(await list.seen(w, { requestId: "r2" })).toBe(false);
    await expect(list.list(w, { requestId: "r3" })).resolves.toBeUndefined();
    expect(logs.warned()).toEqual([
      { level: "warn", event: "reported_network_unavailable", op: "seen", requestId: "r2", detail: "Error: Durable Object unavailable (injected)" },
      { level: "warn", event: "reported_network_unavailable", op: "list", requestId: "r3", detail: "Error: Durable Object unavailable (injected)" },
    ]);
  });
});
