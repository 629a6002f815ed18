import type { Context } from "hono";
import { clientIp, networkOf } from "../../http/client-ip";
import { log } from "../../log";
import { complete, denial } from "../complete";
import { codeTag } from "../decision";
import { requireStep } from "../flow-guard";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";
import { proximityFields } from "../proximity";

/**
 * POST /device/report ("I didn't start this", on the confirm page): denies like Cancel, and
 * logs `phishing_reported` with the proximity signals, so an operator can see a campaign
 * (which networks, how far, how old the codes) and act on it. Identifiers appear only as
 * keyed tags: the code, the device's network and the browser's, never in clear. Reports are
 * budgeted per network of the browser (LIMIT_REPORTS_PER_IP and its IPv6 prefixes), so one
 * network cannot flood the reports. A report's device network goes on the watch list
 * (protection/reported-networks.ts), so the next code asked for from there warns whoever is sent it.
 */
export async function report(c: Context<PageEnv>): Promise<Response> {
  const form = await readPageForm(c);
  const flow = await requireStep(c, form, "confirm");
  const { keyed, budgets, reportedNetworks } = c.var.services;
  const counted = await budgets.report(clientIp(c));
  if (counted.refused) {
    // One network past its budget of reports: the person still gets the denial they asked for,
    // as Cancel gives it, but it is not a report: no phishing_reported line, nothing recorded as
    // reported, and no network put on the watch list.
    log("info", "phishing_report_over_budget", {
      requestId: c.var.requestId,
      limits: counted.refused.limits.join(","),
      retryAfter: counted.refused.retryAfter,
    });
    return complete(c, form.flowId, flow, denial(flow, "cancelled"), { outcome: "cancelled", clientName: flow.clientName });
  }
  const code = await codeTag(c, flow.userCode);
  if (flow.device) await reportedNetworks.list(await reportedNetworks.watched(flow.device), { requestId: c.var.requestId, code, via: "report" });
  log("warn", "phishing_reported", {
    requestId: c.var.requestId,
    code,
    clientId: flow.clientId ?? null,
    deviceNetwork: flow.device ? await keyed.tag("log-network", networkOf(flow.device.ip)) : null,
    browserNetwork: await keyed.tag("log-network", networkOf(clientIp(c))),
    ...(flow.proximity ? proximityFields(flow.proximity, flow.device) : {}),
  });
  return complete(c, form.flowId, flow, denial(flow, "reported"), { outcome: "reported", clientName: flow.clientName });
}
