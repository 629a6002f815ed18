import type { Env } from "../config";
import type { PageServices } from "../services";
import type { Locale } from "./locale";

/** The /device routes' context: what the app's middleware sets, plus the page's own. */
export interface PageEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** CSP nonce of this response's <style> (http/security-headers.ts). */
    nonce: string;
    /** The logo's origin, for the CSP's img-src. */
    imageOrigin?: string;
    locale: Locale;
    /**
     * Set by code entry before it asks Authlete: a 503 page then offers "Try again" with the same
     * code; and by "That wasn't me" (`action`), whose 503 page offers to press it again.
     */
    retry?: { userCode: string; csrf: string } | { action: "/device/undo"; csrf: string };
    /** Set before any step runs; missing only in the error handler, when loading them is what failed. */
    services: PageServices;
  };
}
