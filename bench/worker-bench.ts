// Bench-only entry: the production app (src/app.ts) with a clock the bench controls, so
// "30 s of polling" takes milliseconds. Each request may carry `X-Bench-Now: <epoch ms>`;
// the app reads the clock through `now()`, which returns the stamp of the request being
// served. The clock is one module-level value, so the bench drives this entry with
// strictly sequential requests. Never built into the production entry (src/index.ts).
import { createApp } from "../src/app";

// The budgets' Durable Object class, which the bench stack binds as BUDGETS like the production entry.
export { BudgetCounter } from "../src/protection/budget-object";

let clock: number | null = null;
const app = createApp({ now: () => clock ?? Date.now() });

export default {
  fetch(request: Request, env: unknown, ctx: ExecutionContext) {
    const stamp = request.headers.get("X-Bench-Now");
    clock = stamp !== null && /^\d{1,16}$/.test(stamp) ? Number(stamp) : null;
    return app.fetch(request, env as never, ctx);
  },
};
