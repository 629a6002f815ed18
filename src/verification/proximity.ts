import type { Context } from "hono";
import type { ClientPolicy } from "../config";
import type { DeviceRequest } from "../grant/record";
import { clientIp } from "../http/client-ip";
import { placeOf } from "../http/client-place";
import type { LogFields } from "../log";
import { assess, assessUnknownDevice, signals, withSharedCode } from "../protection/proximity";
import type { FlowProximity } from "../session/flow";
import type { PageEnv } from "./page-env";

/**
 * The device's record against this request's own place, under the client's policy (`client`:
 * its CLIENT_POLICY entry, whose `proximity` this applies). Without a record (null) the page
 * cannot tell where the request came from: the stronger warning, or a refusal under a blocking
 * policy; never the usual page.
 * `another`: another person has entered this code (grant/record.ts `enter`), which the client's
 * `oneCodeOnePerson` turns into the stronger warning or a refusal.
 */
export function checkProximity(c: Context<PageEnv>, device: DeviceRequest | null, client: ClientPolicy, another = false): FlowProximity {
  const { policy: config, now } = c.var.services;
  const policy = client.proximity;
  const here = placeOf(c.req.raw);
  // What the pages show of the browser's place (verification/places.ts regionName): no city.
  const browser = { country: here.country, region: here.region };
  const shared = (a: ReturnType<typeof assess>) => (another && client.oneCodeOnePerson ? withSharedCode(a, client.oneCodeOnePerson) : a);
  if (!device) return { ...shared(assessUnknownDevice(policy)), browser };
  const s = signals(device, { ip: clientIp(c), ...here }, (now() - device.requestedAt) / 1000, config.hostingAsnSet, config.sharedAsnSet);
  return { ...shared(assess(s, policy)), browser };
}

/**
 * The signals for a log line: the outcome (`risk`: normal, warn or block; not `level`, which is
 * the line's own), booleans, a rounded distance, an age, the device's network and both
 * countries; no address, code or user agent.
 */
export function proximityFields(p: FlowProximity, device: DeviceRequest | null): LogFields {
  return {
    risk: p.level,
    reasons: p.reasons.join(","),
    ...(p.signals ?? {}),
    deviceAsn: device?.asn ?? null,
    deviceCountry: device?.country ?? null,
    browserCountry: p.browser.country,
  };
}
