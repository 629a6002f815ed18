#!/usr/bin/env node
// `npm run hash-password [-- --iterations N]`: reads a password (hidden when typed at a
// terminal, or one line from stdin) and prints the PBKDF2-SHA256 hash for the USERS
// secret, in the format src/auth/password-hash.ts verifies. WebCrypto on both sides, so
// the Worker derives exactly the same bits.
import { createInterface } from "node:readline";

const DEFAULT_ITERATIONS = 100_000; // the most the Workers runtime allows
const args = process.argv.slice(2);
const at = args.indexOf("--iterations");
const iterations = at >= 0 ? Number(args[at + 1]) : DEFAULT_ITERATIONS;
if (!Number.isInteger(iterations) || iterations < 10_000 || iterations > 100_000) {
  console.error("--iterations must be a whole number from 10000 to 100000 (Workers refuse more).");
  process.exit(2);
}

async function readPassword() {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) return line;
    return "";
  }
  process.stderr.write("Password: ");
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let value = "";
  return new Promise((resolve) => {
    process.stdin.on("data", (chunk) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (ch === "\u0003") process.exit(130);
        value = ch === "\u007f" ? value.slice(0, -1) : value + ch;
      }
    });
  });
}

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

const password = await readPassword();
if (!password) {
  console.error("An empty password is not allowed.");
  process.exit(2);
}
const salt = crypto.getRandomValues(new Uint8Array(16));
const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
const hash = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
console.log(`pbkdf2-sha256:${iterations}:${b64url(salt)}:${b64url(hash)}`);
