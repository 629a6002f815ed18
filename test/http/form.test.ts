import { beforeEach, describe, expect, it } from "vitest";
import { MAX_FORM_BYTES } from "../../src/http/form";
import { postForm, resetEmulator, seenRequests, worker } from "../support/helpers";

beforeEach(resetEmulator);

const body = async (res: Response) => (await res.json()) as { error: string; error_description: string };

describe("malformed requests get a clear 4xx, never a 5xx, and never reach Authlete", () => {
  it.each([
    ["GET", "/token", "POST"],
    ["PUT", "/device_authorization", "POST"],
    ["DELETE", "/revoke", "POST"],
    ["POST", "/.well-known/openid-configuration", "GET, HEAD"],
  ])("%s %s → 405 with Allow", async (method, path, allow) => {
    const res = await worker(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe(allow);
    expect((await body(res)).error).toBe("invalid_request");
  });

  it.each([["application/json"], ["text/plain"], ["multipart/form-data; boundary=x"], [""]])("Content-Type %j → 400 invalid_request", async (type) => {
    const res = await worker("/token", { method: "POST", body: "grant_type=client_credentials", headers: type ? { "Content-Type": type } : {} });
    expect(res.status).toBe(400);
    expect(await body(res)).toMatchObject({ error: "invalid_request" });
  });

  it("accepts a charset parameter on the form content type", async () => {
    const res = await worker("/device_authorization", {
      method: "POST",
      body: "client_id=demo-device",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" },
    });
    expect(res.status).toBe(200);
  });

  it("a body over the limit → 413 with an OAuth error body, whatever Content-Length says", async () => {
    const big = `client_id=demo-device&scope=${"a".repeat(MAX_FORM_BYTES)}`;
    const res = await postForm("/device_authorization", big);
    expect(res.status).toBe(413);
    expect(await body(res)).toMatchObject({ error: "invalid_request" });
    const streamed = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res2 = await worker("/token", {
      method: "POST",
      body: streamed,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      duplex: "half",
    } as RequestInit);
    expect(res2.status).toBe(413);
  });

  it("a body that is not UTF-8 → 400", async () => {
    const res = await worker("/token", {
      method: "POST",
      body: new Uint8Array([0x67, 0x3d, 0xff, 0xfe]),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(400);
    expect((await body(res)).error_description).toMatch(/UTF-8/);
  });

  it.each(["Basic", "Basic Zm9v", `Basic ${btoa(":secret")}`, "Basic ====", `Basic ${btoa("a%zz:b")}`, "Bearer abc"])(
    "Authorization %j → 401 invalid_client",
    async (h) => {
      const res = await postForm("/token", { grant_type: "client_credentials" }, { Authorization: h });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Basic realm="token"');
      expect((await body(res)).error).toBe("invalid_client");
    },
  );

  it("unknown path → 404 JSON", async () => {
    const res = await worker("/admin/../etc/passwd");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/application\/json/);
    expect(await body(res)).toMatchObject({ error: "not_found" });
  });

  it("none of the above reached Authlete", async () => {
    await postForm("/token", "x", { "Content-Type": "text/plain" });
    await worker("/token");
    expect(await seenRequests()).toEqual([]);
  });
});
