import type { Context } from "hono";
import type { ClientCredentialsFields } from "../authlete/schemas";
import { parseBasic, readForm } from "./form";
import { invalidClient } from "./oauth-errors";

export type ClientRequest = { ok: true; fields: ClientCredentialsFields; params: URLSearchParams } | { ok: false; response: Response };

/**
 * What every client-facing endpoint (device authorization, token, revocation) sends to
 * Authlete: the form body verbatim, the Basic credentials split out, and the
 * attestation headers when present. Authlete authenticates the client; we only reject
 * what cannot be forwarded at all.
 */
export async function readClientRequest(c: Context, realm: string): Promise<ClientRequest> {
  const form = await readForm(c.req.raw);
  if (!form.ok) return form;
  const basic = parseBasic(c.req.header("Authorization"));
  if (!basic)
    return {
      ok: false,
      response: invalidClient(realm, "The Authorization header is not valid HTTP Basic client authentication."),
    };
  const fields: ClientCredentialsFields = { parameters: form.raw, ...basic };
  const attestation = c.req.header("OAuth-Client-Attestation");
  const attestationPop = c.req.header("OAuth-Client-Attestation-PoP");
  if (attestation) fields.oauthClientAttestation = attestation;
  if (attestationPop) fields.oauthClientAttestationPop = attestationPop;
  return { ok: true, fields, params: form.params };
}

/** Headers Authlete asks us to pass on (docs/authlete-api.md §3.3, §6.3), whatever the action. */
export function passOnHeaders(res: { attestationChallenge?: string | null | undefined; dpopNonce?: string | null | undefined }): Record<string, string> {
  const h: Record<string, string> = {};
  if (res.attestationChallenge) h["OAuth-Client-Attestation-Challenge"] = res.attestationChallenge;
  if (res.dpopNonce) h["DPoP-Nonce"] = res.dpopNonce;
  return h;
}
