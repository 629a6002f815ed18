#!/usr/bin/env node
// `npm run device`: try a device-flow server from a terminal. Shows the code and a QR
// code, waits politely (openid-client honours interval and slow_down) and reports the
// outcome with a distinct exit code.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { localOrigin, PortError } from "../scripts/lib/local-origin.mjs";
import { authorize, connect, dpopKey, waitForApproval } from "./device-flow.mjs";
import { bigText, formatUserCode, liveLine, qr, timeLeft } from "./render.mjs";

export const EXIT = { approved: 0, usage: 1, denied: 2, expired: 3, error: 4, interrupted: 130 };

const USAGE = `Usage: npm run device -- [options]

  --server URL       authorization server (default: the one npm start runs, http://127.0.0.1:$PORT,
                     port 8787 when PORT is unset)
  --client-id ID     device client id (default demo-device)
  --scope "a b"      scopes to ask for (default "openid profile")
  --dpop             prove a fresh DPoP key (RFC 9449) when asking for the code and on every poll:
                     a client whose CLIENT_POLICY says dpop binds the code to it; the tokens are DPoP
  --json             print one JSON result on stdout (instructions go to stderr)
  --print-token      include the access token in the output
  --no-qr            do not draw the QR code
  -h, --help         this text

Exit codes: 0 approved, 2 denied, 3 expired, 4 server or network error, 1 bad usage, 130 interrupted.`;

/**
 * The whole command as a function, so tests can run it in-process with their own
 * streams, fetch and abort signal.
 * @param {string[]} argv
 * @param {{ stdout?: NodeJS.WritableStream & { isTTY?: boolean }, stderr?: NodeJS.WritableStream, signal?: AbortSignal, fetch?: typeof fetch, env?: NodeJS.ProcessEnv }} [io]
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, io = {}) {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let args;
  try {
    ({ values: args } = parseArgs({
      args: argv,
      options: {
        server: { type: "string" },
        "client-id": { type: "string", default: "demo-device" },
        scope: { type: "string", default: "openid profile" },
        dpop: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        "print-token": { type: "boolean", default: false },
        "no-qr": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    stdout.write(`${USAGE}\n`);
    return EXIT.approved;
  }
  try {
    args.server ??= localOrigin(io.env ?? process.env);
  } catch (err) {
    if (!(err instanceof PortError)) throw err;
    stderr.write(`${err.message}, or pass --server\n`);
    return EXIT.usage;
  }
  // With --json, stdout carries only the result; everything meant for the person goes to stderr.
  const human = args.json ? stderr : stdout;
  const finish = (status, fields, message) => {
    if (args.json) stdout.write(`${JSON.stringify({ status, ...fields })}\n`);
    else human.write(`${message}\n`);
    return EXIT[status];
  };

  let config;
  let da;
  const dpop = args.dpop ? await dpopKey() : undefined;
  try {
    config = await connect({ server: args.server, clientId: args["client-id"], fetch: io.fetch, dpop });
    da = await authorize(config, args.scope);
  } catch (err) {
    if (io.signal?.aborted) return finish("interrupted", {}, "Cancelled.");
    const { classify } = await import("./device-flow.mjs");
    const outcome = classify(err);
    const message = outcome.status === "error" ? outcome.message : outcome.status;
    return finish("error", { message }, `Could not start the device flow at ${args.server}: ${message}`);
  }

  const code = formatUserCode(da.user_code);
  human.write(`\nOn your phone or computer, open:\n\n  ${da.verification_uri}\n\nand enter the code:\n\n`);
  human.write(`${indent(bigText(code) ?? code)}\n\n  ${code}\n\n`);
  if (da.verification_uri_complete) {
    // The page still asks the user to confirm: a prefilled link only saves typing (RFC 8628 §3.3.1, §5.4).
    human.write(`Or open this link, which fills in the code for you:\n\n  ${da.verification_uri_complete}\n\n`);
    if (!args["no-qr"]) human.write(`${indent(qr(da.verification_uri_complete))}\n\n`);
  }

  const line = liveLine(human);
  const started = Date.now();
  const tick = () => line.update(`Waiting for approval… ${timeLeft(da.expires_in * 1000 - (Date.now() - started))} left (Ctrl-C to cancel)`);
  tick();
  const timer = setInterval(tick, 1000);
  let outcome;
  try {
    outcome = await waitForApproval(config, da, { signal: io.signal, dpop });
  } catch {
    outcome = { status: "interrupted" };
  } finally {
    clearInterval(timer);
    line.clear();
  }

  switch (outcome.status) {
    case "approved": {
      const t = outcome.tokens;
      const tokenType = TOKEN_TYPES[t.token_type] ?? t.token_type;
      const fields = {
        token_type: tokenType,
        scope: t.scope ?? null,
        expires_in: t.expires_in ?? null,
        ...(args["print-token"] ? { access_token: t.access_token } : {}),
      };
      const lines = [`✔ Approved. Token type ${tokenType}, scopes "${t.scope ?? args.scope}", expires in ${t.expires_in ?? "?"} s.`];
      if (args["print-token"]) lines.push(`Access token: ${t.access_token}`);
      return finish("approved", fields, lines.join("\n"));
    }
    case "denied":
      return finish("denied", { description: outcome.description ?? null }, `✘ Denied${outcome.description ? `: ${outcome.description}` : "."}`);
    case "expired":
      return finish("expired", {}, "✘ The code expired before it was approved. Run the command again for a new one.");
    case "interrupted":
      return finish("interrupted", {}, "Cancelled.");
    default:
      return finish("error", { message: outcome.message }, `✘ Server or network error: ${outcome.message}`);
  }
}

// openid-client lower-cases token_type (it is case-insensitive, RFC 6749 §7.1); show the usual spelling.
const TOKEN_TYPES = { bearer: "Bearer", dpop: "DPoP" };

const indent = (block) =>
  block
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");

// Run as a command (not when imported by tests).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const abort = new AbortController();
  // First Ctrl-C cancels cleanly (the live line is cleared before we exit); a second one forces.
  process.once("SIGINT", () => {
    abort.abort();
    process.once("SIGINT", () => process.exit(EXIT.interrupted));
  });
  main(process.argv.slice(2), { signal: abort.signal }).then((code) => process.exit(code));
}
