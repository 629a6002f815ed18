// The Authlete credentials of each API version (docs/authlete-api.md §1, §10.4), in plain
// JavaScript: the Worker's configuration (core.ts) and `npm run doctor` (Node, no bundler)
// both read the names from here.

/** The variables that hold each API version's credentials: v2 a Basic key and secret, v3 the numeric service id and a service access token. */
export const CREDENTIALS = /** @type {const} */ ({
  2: ["AUTHLETE_SERVICE_API_KEY", "AUTHLETE_SERVICE_API_SECRET"],
  3: ["AUTHLETE_SERVICE_ID", "AUTHLETE_SERVICE_ACCESS_TOKEN"],
});
