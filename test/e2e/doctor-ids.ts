/** Every check the doctor makes, in its order (scripts/doctor/checks.mjs); the client checks repeat per client. */
export const CHECK_IDS = [
  "worker.config",
  "worker.authlete-credentials",
  "worker.edge-secret",
  "worker.users",
  "worker.page",
  "worker.kv",
  "worker.durable-object",
  "worker.durable-object.grants",
  "worker.public-url",
  "authlete.connection",
  "authlete.service",
  "service.device-code-grant",
  "discovery.issuer",
  "discovery.device-authorization-endpoint",
  "discovery.token-endpoint",
  "discovery.revocation-endpoint",
  "discovery.jwks-uri",
  "service.verification-uri",
  "service.verification-uri-complete",
  "service.user-code-charset",
  "service.user-code-length",
  "service.code-duration",
  "service.polling-interval",
];

export const CLIENT_CHECK_IDS = ["client.found", "client.device-code-grant", "client.auth"];
