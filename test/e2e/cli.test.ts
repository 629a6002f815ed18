// `npm run device` end to end: the CLI's own main() against a real local server, the user's
// part done in real Chromium by accessible names. Exit codes and messages are the contract.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { Writable } from "node:stream";
import { devices } from "playwright-core";
import { describe, expect, it } from "vitest";
import { EXIT, main } from "../../cli/device.mjs";
import { formatUserCode } from "../../cli/render.mjs";
import { readDevVars } from "../../scripts/dev-vars.mjs";
import { formatUserCode as pageFormat } from "../../src/verification/user-code";
import { e2eStack } from "./stack";

const SHOTS = "test-output/screenshots";
// demo-kiosk (Authlete client 1006) requires DPoP-bound device codes; demo-device is as it comes.
const stack = e2eStack(async () => ({ server: { vars: { CLIENT_POLICY: '{"1006": {"dpop": "require"}}' } } }));
const control = (path: string, body: unknown) => stack.control(path, body);

/** A stream that keeps what it is given; `isTTY` makes the CLI draw its live line. */
function capture(isTTY = false) {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

/** Runs the CLI and resolves with what it printed once it has printed the verification link. */
function runCli(args: string[], opts: { tty?: boolean; signal?: AbortSignal } = {}) {
  const out = capture(opts.tty);
  const err = capture();
  const exit = main(["--server", stack.server.origin, ...args], { stdout: out.stream, stderr: err.stream, signal: opts.signal });
  const link = (async () => {
    for (let i = 0; i < 200; i++) {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/device\?user_code=[A-Z]+)/.exec(out.text() + err.text());
      if (m) return m[1]!;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the CLI printed no link:\n${out.text()}${err.text()}`);
  })();
  return { exit, link, out, err };
}

/** The person with the phone: follows the QR link, confirms, signs in, decides. */
async function user(link: string, decision: "Approve" | "Deny") {
  const context = await stack.browser.newContext({ ...devices["Pixel 7"], javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(link);
  // The link fills in the code; Continue sends it, Continue again confirms the device.
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Username").fill("demo");
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: decision }).click();
  await page.getByRole("heading", { level: 1 }).waitFor();
  await context.close();
}

/** What the terminal showed, as a picture for the README (test-output/screenshots/). */
async function terminalScreenshot(text: string, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  const page = await stack.browser.newPage({ viewport: { width: 760, height: 400 }, deviceScaleFactor: 2 });
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  await page.setContent(
    `<body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:16px 20px;color:#e6e6e6;font:14px/1.15 'DejaVu Sans Mono',monospace">$ npm run device\n${escaped}</pre></body>`,
  );
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  await page.close();
}

describe("the code as the CLI prints it", () => {
  it("is grouped exactly as the verification page shows it", () => {
    for (const code of ["WDJBMJHT", "019450730", "BCDFGHJKLM", "012345678901", "BCDFGH", "BCDFGHJKLMNP"]) expect(formatUserCode(code)).toBe(pageFormat(code));
  });
});

describe("npm run device", () => {
  it("approved: prints the code large, a QR code and the link; exits 0 with the token's type, scopes and expiry", async () => {
    const run = runCli([]);
    const link = await run.link;
    await user(link, "Approve");
    expect(await run.exit).toBe(EXIT.approved);
    const printed = run.out.text();
    const code = link.split("=")[1]!;
    expect(printed).toContain(`${code.slice(0, 4)}-${code.slice(4)}`);
    expect(printed).toContain("█"); // the block-letter code and the QR code
    expect(printed).toContain(`${stack.server.origin}/device\n`);
    expect(printed).toMatch(/✔ Approved\. Token type Bearer, scopes "openid profile", expires in \d+ s\./);
    // The token itself only with --print-token.
    expect(printed).not.toMatch(/Access token:/);
    await terminalScreenshot(printed, "terminal-approved");
  });

  it("--json --print-token: one JSON line on stdout, the instructions on stderr", async () => {
    const run = runCli(["--json", "--print-token", "--scope", "openid"]);
    await user(await run.link, "Approve");
    expect(await run.exit).toBe(0);
    const lines = run.out.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: "approved", token_type: "Bearer", scope: "openid", access_token: expect.any(String) });
    expect(run.err.text()).toContain("enter the code");
  });

  it("denied: exits 2 with the reason", async () => {
    const run = runCli(["--no-qr"]);
    await user(await run.link, "Deny");
    expect(await run.exit).toBe(EXIT.denied);
    expect(run.out.text()).toMatch(/✘ Denied/);
    expect(run.out.text()).not.toContain("█▀");
  });

  it("--dpop for a client that requires it: the code is bound to a fresh key, every poll proves it, and the tokens are DPoP; without --dpop it is refused", async () => {
    const refused = capture();
    expect(await main(["--server", stack.server.origin, "--client-id", "demo-kiosk", "--json"], { stdout: refused.stream, stderr: capture().stream })).toBe(
      EXIT.error,
    );
    expect(JSON.parse(refused.text())).toEqual({ status: "error", message: expect.stringMatching(/^invalid_dpop_proof: .+ \(HTTP 400\)$/) });

    const run = runCli(["--client-id", "demo-kiosk", "--dpop", "--json", "--print-token"]);
    await user(await run.link, "Approve");
    expect(await run.exit).toBe(EXIT.approved);
    const { access_token, ...result } = JSON.parse(run.out.text());
    expect(result).toMatchObject({ status: "approved", token_type: "DPoP" });
    // Authlete bound the token to the key the CLI proved (docs/authlete-api.md §7.3).
    const { AUTHLETE_SERVICE_ID, AUTHLETE_SERVICE_ACCESS_TOKEN } = readDevVars();
    const res = await stack.server.emulator(`/api/${AUTHLETE_SERVICE_ID}/auth/introspection/standard`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${AUTHLETE_SERVICE_ACCESS_TOKEN}` },
      body: JSON.stringify({ parameters: `token=${encodeURIComponent(access_token)}` }),
    });
    const introspection = JSON.parse(((await res.json()) as { responseContent: string }).responseContent);
    expect(introspection).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt: expect.stringMatching(/^[\w-]{43}$/) } });
  });

  it("expired: exits 3 when the code's lifetime passes first", async () => {
    const run = runCli(["--json"]);
    await run.link;
    await control("clock", { advanceMs: 601_000 });
    expect(await run.exit).toBe(EXIT.expired);
    expect(JSON.parse(run.out.text())).toEqual({ status: "expired" });
  });

  it("server or network error: exits 4 with the cause", async () => {
    const out = capture();
    const code = await main(["--server", "http://127.0.0.1:9", "--json"], { stdout: out.stream, stderr: capture().stream });
    expect(code).toBe(EXIT.error);
    expect(JSON.parse(out.text())).toMatchObject({ status: "error", message: expect.stringContaining("fetch failed") });
  });

  it("refuses plain http to a non-loopback host and bad arguments", async () => {
    const out = capture();
    expect(await main(["--server", "http://example.com", "--json"], { stdout: out.stream, stderr: capture().stream })).toBe(EXIT.error);
    expect(out.text()).toContain("Refusing plain http");
    const err = capture();
    expect(await main(["--frobnicate"], { stdout: capture().stream, stderr: err.stream })).toBe(EXIT.usage);
    expect(err.text()).toContain("Usage:");
  });

  it("Ctrl-C while waiting: the live line is erased before 'Cancelled.', exit 130", async () => {
    const abort = new AbortController();
    const run = runCli([], { tty: true, signal: abort.signal });
    await run.link;
    await new Promise((r) => setTimeout(r, 1200));
    expect(run.out.text()).toContain("left (Ctrl-C to cancel)");
    abort.abort();
    expect(await run.exit).toBe(EXIT.interrupted);
    // The countdown was drawn with \r…; it is cleared, then the message starts a clean line.
    expect(run.out.text().endsWith("\r\x1b[2KCancelled.\n")).toBe(true);
  });

  it("without --server, the real process talks to npm start's port: PORT, as npm start listens on it", async () => {
    const port = new URL(stack.server.origin).port;
    const env = { ...process.env, PORT: port };
    const child = spawn(process.execPath, ["cli/device.mjs", "--json", "--no-qr"], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    let exited = false;
    const exit = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c))).finally(() => (exited = true));
    let link: string | undefined;
    for (let i = 0; i < 200 && !link && !exited; i++) {
      link = /(http:\/\/127\.0\.0\.1:\d+\/device\?user_code=[A-Z]+)/.exec(err)?.[1];
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    expect(link, `no link printed:\n${err}${out}`).toBeDefined();
    expect(new URL(link!).origin).toBe(stack.server.origin);
    await user(link!, "Approve");
    expect(await exit).toBe(EXIT.approved);
    expect(JSON.parse(out)).toMatchObject({ status: "approved", token_type: "Bearer" });
  });

  it("a PORT that is not a port: exit 1 naming it, before any request", async () => {
    const err = capture();
    const fetch = () => Promise.reject(new Error("no request expected"));
    expect(await main(["--json"], { stdout: capture().stream, stderr: err.stream, env: { PORT: "8787x" }, fetch })).toBe(EXIT.usage);
    expect(err.text()).toBe("PORT=8787x is not a port: give a number from 1 to 65535, or pass --server\n");
  });

  it("Ctrl-C on the real process: SIGINT ends it with 130 and a final newline", async () => {
    const child = spawn(process.execPath, ["cli/device.mjs", "--server", stack.server.origin, "--no-qr"], { stdio: ["ignore", "pipe", "pipe"] });
    let printed = "";
    child.stdout.on("data", (d: Buffer) => (printed += d.toString()));
    for (let i = 0; i < 200 && !printed.includes("enter the code"); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(130);
    expect(printed.endsWith("Cancelled.\n")).toBe(true);
  });
});
