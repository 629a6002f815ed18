// In front of the Worker under `npm start` only: gives each request the place .dev.cf.json names
// for its side, as Cloudflare's edge would (`request.cf`, and `CF-Connecting-IP` when an address
// is given), and passes it on unchanged otherwise. Locally every request would else carry
// Miniflare's placeholder `request.cf` (Austin, Texas), so the device and the browser would
// always stand in the same city. The Worker reads only `request.cf` and `CF-Connecting-IP`, as it
// does behind Cloudflare; nothing in it knows of this. places.mjs reads and checks the file.

/**
 * Whose request this is: the verification pages and their sign-in callback (/device, /device/…)
 * are the person's browser; every other path (/device_authorization, /token, discovery, …) is
 * what a device calls.
 * @param {string} pathname
 * @returns {"device" | "browser"}
 */
export function sideOf(pathname) {
  return pathname === "/device" || pathname.startsWith("/device/") ? "browser" : "device";
}

/** @typedef {{ cf?: Record<string, unknown>, ip?: string }} Place */
/** @typedef {{ device?: Place, browser?: Place }} Places */

/** @type {{ text: string, places: Places } | undefined} */
let parsed;

export default {
  /**
   * @param {Request} request
   * @param {{ APP: { fetch(request: Request): Promise<Response> }, PLACES?: string }} env
   */
  fetch(request, env) {
    const text = env.PLACES ?? "";
    if (parsed?.text !== text) parsed = { text, places: text ? JSON.parse(text) : {} };
    const at = parsed.places[sideOf(new URL(request.url).pathname)];
    if (!at) return env.APP.fetch(request);
    // `cf` given to a Request crosses the service binding as the Worker's request.cf.
    const placed = new Request(request, /** @type {RequestInit} */ (at.cf ? { cf: at.cf } : {}));
    if (at.ip) placed.headers.set("CF-Connecting-IP", at.ip);
    return env.APP.fetch(placed);
  },
};
