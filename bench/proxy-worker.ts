// The Worker an operator could write instead of this project: a plain Hono proxy that forwards
// the device's form bodies to Authlete through the same AUTHLETE service binding and returns
// Authlete's `responseContent` with the action's status. No limits, no KV, no logs, no
// verification page. The bench's baseline for the pass-through row and the plain-proxy column of
// the grants row; never deployed.
import { Hono } from "hono";

type Env = { AUTHLETE: Fetcher; AUTHLETE_SERVICE_ID: string; AUTHLETE_SERVICE_ACCESS_TOKEN: string };

/** Authlete's actions for /device/authorization and /auth/token, as HTTP statuses. */
const STATUS: Record<string, number> = { OK: 200, BAD_REQUEST: 400, INVALID_CLIENT: 401, INTERNAL_SERVER_ERROR: 500 };

const app = new Hono<{ Bindings: Env }>();
const forward = (api: string) =>
  app.post(`/${api === "device/authorization" ? "device_authorization" : "token"}`, async (c) => {
    const res = await c.env.AUTHLETE.fetch(`http://authlete/api/${c.env.AUTHLETE_SERVICE_ID}/${api}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${c.env.AUTHLETE_SERVICE_ACCESS_TOKEN}` },
      body: JSON.stringify({ parameters: await c.req.text() }),
    });
    const { action, responseContent } = (await res.json()) as { action: string; responseContent?: string };
    return new Response(responseContent ?? "", {
      status: STATUS[action] ?? 500,
      headers: { "Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", Pragma: "no-cache" },
    });
  });
forward("device/authorization");
forward("auth/token");

export default { fetch: app.fetch };
