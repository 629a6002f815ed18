// The Worker's paths that an Authlete service's settings must name, in plain JavaScript: the
// app registers its routes at them (app.ts) and `npm run doctor` (Node, no bundler) compares
// the service's settings and discovery with them.

export const ROUTES = /** @type {const} */ ({
  deviceAuthorization: "/device_authorization",
  token: "/token",
  revocation: "/revoke",
  jwks: "/jwks",
  /** The verification page: the service's Verification URI. */
  verification: "/device",
  /** The service's Verification URI with Placeholder: the page fills in the code from `user_code` (verification/steps/show.tsx). */
  verificationComplete: "/device?user_code=USER_CODE",
});
