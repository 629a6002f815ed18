// The Worker and the offline Authlete emulator on 127.0.0.1, for tests and tools that need
// a real HTTP origin (a browser, a CLI, a benchmark). Both are bundled from source with
// esbuild, as wrangler would, and served by Miniflare with the bindings and variables of
// wrangler.toml plus the local secrets of .dev.vars.example. Nothing leaves the machine.
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { Log, LogLevel } from "miniflare";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { bundleWorker, emulatorWorker, readWranglerConfig, root, startMiniflare } from "../../scripts/lib/workers.mjs";
import { KeyedHash } from "../../src/crypto";
import { grantNames } from "../../src/grant/names";
import type { KeyValue } from "../../src/storage/kv";

/**
 * Headers that place one client's requests somewhere (test-only): Miniflare takes `MF-CF-Blob`
 * as that request's `request.cf` (instead of the server's `cf` option), and keeps a
 * `CF-Connecting-IP` the client sent. Give a browser context these as `extraHTTPHeaders` and
 * openid-client a `customFetch` that adds them, and the device and the browser stand in
 * different places, per request. The Worker reads only `request.cf` and `CF-Connecting-IP`,
 * as it does behind Cloudflare; nothing in it knows of this header.
 */
export function placedAt(at: { ip?: string; cf?: Record<string, unknown> }): Record<string, string> {
  return { ...(at.cf ? { "MF-CF-Blob": JSON.stringify(at.cf) } : {}), ...(at.ip ? { "CF-Connecting-IP": at.ip } : {}) };
}

/** The calls of a grant's object that tests use (src/grant/object.ts), typed loosely: Node has no Workers types. */
export interface GrantStub {
  lookup(now: number): Promise<{ device: Record<string, unknown> & { requestedAt: number }; clientId: number | null } | null>;
  issue(init: Record<string, unknown>, now: number): Promise<void>;
}

export interface LocalServer {
  /** e.g. http://127.0.0.1:41234 — the issuer and verification_uri the emulator advertises. */
  origin: string;
  /** The emulator's runtime and control APIs (/_emulator/…), which are not exposed over HTTP. */
  emulator(path: string, init?: RequestInit): Promise<Response>;
  /** The Worker's KV namespace, for tests that must plant a record (keys through src/storage/kv.ts). */
  kv(): Promise<KeyValue>;
  /**
   * The grants' Durable Objects by the names the Worker gives them (src/grant/names.ts), for
   * tests that must look at or plant a grant: the object's own calls (src/grant/object.ts).
   */
  grants(): Promise<{ byDeviceCode(code: string): Promise<GrantStub>; byUserCode(code: string): Promise<GrantStub> }>;
  stop(): Promise<void>;
}

export interface LocalServerOptions {
  /** Extra or overriding variables for the Worker (e.g. a limit). */
  vars?: Record<string, string>;
  /** `request.cf` of every request that does not say otherwise (placedAt). */
  cf?: Record<string, unknown>;
  /** Each line the two Workers print; by default warnings and errors go to stderr, info is dropped. */
  onLog?: (line: string) => void;
  /** The port to listen on (default: one the OS hands out), for when another server must know the origin first. */
  port?: number;
  /**
   * Host names the Worker's outbound fetches reach on another address, e.g. an IdP's own name
   * (`{ "idp.localhost": "127.0.0.1" }`), as Chromium's --host-resolver-rules does for the browser.
   */
  hosts?: Record<string, string>;
}

/**
 * One request to `address` with the URL's own Host header, as a resolver rule would send it
 * (fetch() would replace Host with the address, and a server that builds its URLs from Host,
 * as oidc-provider does, would then advertise the wrong ones).
 */
async function forward(request: Request, address: string): Promise<Response> {
  const url = new URL(request.url);
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : Buffer.from(await request.arrayBuffer());
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: address,
        port: url.port || 80,
        path: url.pathname + url.search,
        method: request.method,
        headers: { ...Object.fromEntries(request.headers), host: url.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
          const status = res.statusCode ?? 502;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A port the OS has just handed out; the emulator must know it before it starts (PUBLIC_URL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const defaultLog = (line: string) => {
  if (!line.includes('"level":"info"')) process.stderr.write(`${line}\n`);
};

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const main = readWranglerConfig(`${root}/wrangler.toml`);
  const [mainScript, emulator] = await Promise.all([bundleWorker("src/index.ts"), emulatorWorker()]);
  const onLog = options.onLog ?? defaultLog;

  const hosts = options.hosts ?? {};
  const outbound = async (request: Request): Promise<Response> => {
    const address = hosts[new URL(request.url).hostname];
    return address ? forward(request, address) : fetch(request, { redirect: "manual" });
  };
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const origin = `http://127.0.0.1:${port}`;
    const mf = startMiniflare({
      host: "127.0.0.1",
      port,
      log: new Log(LogLevel.WARN),
      // workerd's output arrives one line at a time: each line the Workers print is a message.
      handleStructuredLogs: ({ message }) => {
        if (message.trim()) onLog(message);
      },
      // An explicit cf object: Miniflare would otherwise try to download one.
      cf: options.cf ?? { country: "JP", region: "Tokyo", city: "Tokyo", asn: 2516, asOrganization: "KDDI CORPORATION", colo: "NRT", timezone: "Asia/Tokyo" },
      workers: [
        {
          name: main.name,
          modules: [{ type: "ESModule", path: "index.mjs", contents: mainScript }],
          compatibilityDate: main.compatibility_date,
          compatibilityFlags: main.compatibility_flags,
          bindings: { ...main.vars, ...readDevVars(root), ...options.vars } as Record<string, string>,
          kvNamespaces: main.kv_namespaces.map((kv: { binding: string }) => kv.binding),
          // SQLite-backed, as wrangler.toml's migration declares them.
          durableObjects: Object.fromEntries(
            main.durable_objects.bindings.map((d: { name: string; class_name: string }) => [
              d.name,
              {
                className: d.class_name,
                useSQLite: main.migrations.some((m: { new_sqlite_classes?: string[] }) => m.new_sqlite_classes?.includes(d.class_name)),
              },
            ]),
          ),
          serviceBindings: Object.fromEntries(main.services.map((s: { binding: string; service?: string }) => [s.binding, s.service!])),
          ...(Object.keys(hosts).length ? { outboundService: outbound as never } : {}),
        },
        // The seed's URLs say http://127.0.0.1:8787; PUBLIC_URL makes them point here.
        { ...emulator, bindings: { ...emulator.bindings, PUBLIC_URL: origin } },
      ],
    });
    try {
      await mf.ready;
    } catch (err) {
      await mf.dispose().catch(() => {});
      // Another process took the port between freePort() and here: try another.
      if (attempt < 3 && options.port === undefined && String(err).includes("EADDRINUSE")) continue;
      throw err;
    }
    const emulatorFetcher = await mf.getWorker(emulator.name);
    return {
      origin,
      emulator: async (path, init) => (await emulatorFetcher.fetch(`http://authlete-emulator${path}`, init as never)) as unknown as Response,
      kv: async () => (await mf.getKVNamespace("KV")) as unknown as KeyValue,
      grants: async () => {
        const ns = (await mf.getDurableObjectNamespace("GRANTS")) as unknown as { getByName(name: string): GrantStub };
        const names = grantNames(new KeyedHash(readDevVars(root).EDGE_SECRET!));
        return {
          byDeviceCode: async (code: string) => ns.getByName(await names.device(code)),
          byUserCode: async (code: string) => ns.getByName(await names.user(code)),
        };
      },
      stop: () => mf.dispose(),
    };
  }
}
