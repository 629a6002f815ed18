import { createApp } from "./app";
import type { Env } from "./config";

export { BudgetCounter } from "./protection/budget-object";

const app = createApp();

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
