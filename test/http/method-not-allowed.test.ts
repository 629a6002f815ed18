import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { bind, ORIGIN, worker } from "../support/helpers";

const body = async (res: Response) => (await res.json()) as { error: string; error_description: string };

describe("405 Method Not Allowed, with Allow, for every kind of route", () => {
  it("a route with a :param answers another method with 405 and the methods it takes", async () => {
    // The production routes have no :param today; one added later must keep its 405.
    const app = createApp();
    app.get("/clients/:id", (c) => c.text(c.req.param("id")));
    app.delete("/clients/:id", (c) => c.body(null, 204));
    const { worker: call } = bind(app);

    expect(await (await call("/clients/42")).text()).toBe("42");
    const res = await call("/clients/42", { method: "PUT" });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, HEAD, DELETE");
    expect(await body(res)).toEqual({ error: "invalid_request", error_description: "Method PUT is not allowed here; use GET or HEAD or DELETE." });
    // Still a plain 404 where no route's pattern matches.
    expect((await call("/clients/42/secrets", { method: "PUT" })).status).toBe(404);
  });

  it("a verification step (POST) asked with PUT from the page's origin: its method and the catch-all GET", async () => {
    const res = await worker("/device/confirm", { method: "PUT", headers: { Origin: ORIGIN } });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("POST, GET, HEAD");
  });

  it("an unknown path is 404, whatever the method", async () => {
    for (const method of ["GET", "POST", "PUT"]) expect((await worker("/nowhere", { method })).status).toBe(404);
  });
});
