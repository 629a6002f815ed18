import { createApp } from "./app";
import type { Env } from "./config";

export { DeviceGrant } from "./grant/object";
export { BudgetCounter } from "./protection/budget-object";
export { ReportedNetwork } from "./protection/reported-network-object";

const app = createApp();

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
