// Where `npm start` serves, for every command that talks to it: npm start itself, npm run device,
// npm run doctor (its public URL) and npm run idp (the Worker's callback). One place, so that
// `PORT=8801 npm start` and `PORT=8801 npm run device` meet.

/** wrangler dev's own default, and what the emulator's seed names (emulator/src/store.ts). */
export const DEFAULT_PORT = 8787;

/** A port variable with a value that is not a port: the developer's mistake, said plainly. */
export class PortError extends Error {}

/**
 * A TCP port from an environment variable; `fallback` when it is unset or blank.
 * @param {string} name e.g. PORT or IDP_PORT
 * @param {number} fallback
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {number}
 */
export function envPort(name, fallback, env = process.env) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new PortError(`${name}=${raw} is not a port: give a number from 1 to 65535`);
  return port;
}

/**
 * The port `npm start` listens on: PORT, 8787 when it is unset.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function localPort(env = process.env) {
  return envPort("PORT", DEFAULT_PORT, env);
}

/**
 * `npm start`'s origin: http://127.0.0.1:$PORT (loopback only, as wrangler dev is started).
 * @param {NodeJS.ProcessEnv} [env]
 */
export function localOrigin(env = process.env) {
  return `http://127.0.0.1:${localPort(env)}`;
}
