// The emulator held to Authlete's published contract: every answer it gives is checked against
// the schema that Authlete's official TypeScript SDK (generated from Authlete's OpenAPI
// description) has for that API. A test-only dependency: nothing here reaches the Worker.
// One module per schema rather than the SDK's index, which would load all of its models into every test file.
import { Client$inboundSchema } from "@authlete/typescript-sdk/models/client.js";
import { ClientAuthorizationDeleteResponse$inboundSchema } from "@authlete/typescript-sdk/models/clientauthorizationdeleteresponse.js";
import { DeviceAuthorizationResponse$inboundSchema } from "@authlete/typescript-sdk/models/deviceauthorizationresponse.js";
import { DeviceCompleteResponse$inboundSchema } from "@authlete/typescript-sdk/models/devicecompleteresponse.js";
import { DeviceVerificationResponse$inboundSchema } from "@authlete/typescript-sdk/models/deviceverificationresponse.js";
import { ResultError$inboundSchema } from "@authlete/typescript-sdk/models/errors/resulterror.js";
import { IntrospectionResponse$inboundSchema } from "@authlete/typescript-sdk/models/introspectionresponse.js";
import { ServiceConfigurationApiResponse$inboundSchema } from "@authlete/typescript-sdk/models/operations/serviceconfigurationapi.js";
import { RevocationResponse$inboundSchema } from "@authlete/typescript-sdk/models/revocationresponse.js";
import { Service$inboundSchema } from "@authlete/typescript-sdk/models/service.js";
import { ServiceJwksGetResponse$inboundSchema } from "@authlete/typescript-sdk/models/servicejwksgetresponse.js";
import { StandardIntrospectionResponse$inboundSchema } from "@authlete/typescript-sdk/models/standardintrospectionresponse.js";
import { TokenResponse$inboundSchema } from "@authlete/typescript-sdk/models/tokenresponse.js";
import type { ZodIssue, ZodTypeAny } from "zod/v3";
import type { RecordedAnswer } from "../../emulator/src/types";

export type { RecordedAnswer };

/** What POST /_emulator/answers/take returns. */
export interface TakenAnswers {
  received: number;
  dropped: number;
  answers: RecordedAnswer[];
}

/** The SDK's schema of each API's 2xx answer, by Authlete's API name. */
const SUCCESS: Readonly<Record<string, ZodTypeAny>> = {
  "device/authorization": DeviceAuthorizationResponse$inboundSchema as ZodTypeAny,
  "device/verification": DeviceVerificationResponse$inboundSchema as ZodTypeAny,
  "device/complete": DeviceCompleteResponse$inboundSchema as ZodTypeAny,
  "auth/token": TokenResponse$inboundSchema as ZodTypeAny,
  "auth/revocation": RevocationResponse$inboundSchema as ZodTypeAny,
  "auth/introspection/standard": StandardIntrospectionResponse$inboundSchema as ZodTypeAny,
  "service/configuration": ServiceConfigurationApiResponse$inboundSchema as ZodTypeAny,
  "service/jwks/get": ServiceJwksGetResponse$inboundSchema as ZodTypeAny,
  "service/get": Service$inboundSchema as ZodTypeAny,
  "client/get": Client$inboundSchema as ZodTypeAny,
  "client/authorization/delete": ClientAuthorizationDeleteResponse$inboundSchema as ZodTypeAny,
  "auth/introspection": IntrospectionResponse$inboundSchema as ZodTypeAny,
};

/**
 * A failed call's body (§2.2). The SDK names ResultError for 400, 401, 403 and 500; its schema
 * also takes the HTTP exchange the SDK attaches (request$, response$, body$), so only the two
 * members of the body are taken from it. Other statuses (404, 405) have no schema in the SDK and
 * are held to the same body, the one §2.2 documents for them.
 */
const FAILURE = ((ResultError$inboundSchema as ZodTypeAny)._def.schema as ZodTypeAny & { pick(mask: object): ZodTypeAny }).pick({
  resultCode: true,
  resultMessage: true,
});

/**
 * Members of Authlete 3.0 that the SDK (0.0.3-beta, generated from an older OpenAPI
 * description) does not name, by API: the Client ID Metadata Document members and the
 * attestation challenge (docs/authlete-api.md §3.2, §4, §6.2, §7.4, from Authlete's Java DTOs).
 * Any other key the SDK does not know fails the check.
 */
export const KEYS_NOT_IN_SDK: Readonly<Record<string, readonly string[]>> = {
  "device/authorization": ["metadataDocumentLocation", "metadataDocumentUsed", "attestationChallenge"],
  "device/verification": ["metadataDocumentLocation", "metadataDocumentUsed"],
  "auth/token": ["metadataDocumentLocation", "metadataDocumentUsed", "attestationChallenge"],
  "auth/revocation": ["attestationChallenge"],
};

/** A problem with one answer: the API, the member (a path into the body) and why. */
export interface Finding {
  api: string;
  status: number | null;
  member: string;
  reason: string;
}

type Path = (string | number)[];
const memberName = (path: Path) =>
  path.length === 0
    ? "(the body)"
    : path
        .map((p) => (typeof p === "number" ? `[${p}]` : p))
        .join(".")
        .replace(/\.\[/g, "[");

/** The null members left out, at every depth: the shape of an answer sent with omitNullFields. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function at(value: unknown, path: Path): unknown {
  let v = value;
  for (const p of path) v = typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

/** Why zod refused a member, in terms of the contract: a null is a member Authlete leaves out. */
function describe(issue: ZodIssue, body: unknown): string {
  if (issue.path.length > 0 && at(body, issue.path) === null) {
    return "null, where Authlete leaves a member without a value out (docs/authlete-api.md §1.4)";
  }
  return issue.message;
}

/**
 * Keys of `value` the schema does not name, at every depth the schema describes. zod's objects
 * drop unknown keys silently, so they are looked for here; a schema kind this walk does not
 * know is an error, never a silent pass.
 */
function unknownKeys(schema: ZodTypeAny, value: unknown, path: Path = []): Path[] {
  const def = schema._def as { typeName: string; innerType?: ZodTypeAny; type?: ZodTypeAny; schema?: ZodTypeAny; shape?: () => Record<string, ZodTypeAny> };
  switch (def.typeName) {
    case "ZodOptional":
    case "ZodNullable":
    case "ZodDefault":
      return unknownKeys(def.innerType!, value, path);
    case "ZodEffects":
      return unknownKeys(def.schema!, value, path);
    case "ZodArray":
      return Array.isArray(value) ? value.flatMap((v, i) => unknownKeys(def.type!, v, [...path, i])) : [];
    case "ZodObject": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
      const shape = def.shape!();
      // An object schema with no members at all is the SDK saying "any JSON object" (the discovery document).
      if (Object.keys(shape).length === 0) return [];
      return Object.entries(value).flatMap(([k, v]) => {
        const member = shape[k];
        return member === undefined ? [[...path, k]] : unknownKeys(member, v, [...path, k]);
      });
    }
    case "ZodString":
    case "ZodNumber":
    case "ZodBoolean":
    case "ZodNativeEnum":
    case "ZodEnum":
    case "ZodLiteral":
    case "ZodRecord":
    case "ZodAny":
    case "ZodUnknown":
      return [];
    default:
      throw new Error(`authlete-contract: no walk for schema kind ${def.typeName} at ${memberName(path)}`);
  }
}

/** Checks one answer; the findings are empty when it holds to the SDK's schema. Throws for an answer it cannot judge. */
export function checkAnswer(answer: RecordedAnswer): Finding[] {
  const { api, status } = answer;
  const finding = (member: string, reason: string): Finding => ({ api, status, member, reason });
  if (status === null) throw new Error(`authlete-contract: ${api} has no answer to check (a dropped connection)`);
  const success = status >= 200 && status < 300;
  const schema = success ? SUCCESS[api] : FAILURE;
  if (schema === undefined) return [finding("(the API)", `the SDK has no schema for ${api}: the emulator answered ${status} for an API it does not know`)];
  if (typeof answer.body !== "object" || answer.body === null || Array.isArray(answer.body)) {
    return [finding("(the body)", `not a JSON object: ${JSON.stringify(answer.body)?.slice(0, 80)}`)];
  }
  // Answers sent with null members (omitNullFields off) are the other shape the Worker must read; the SDK sees them without.
  const body = answer.omitNullFields ? answer.body : withoutNulls(answer.body);
  const parsed = schema.safeParse(body);
  const findings = parsed.success ? [] : parsed.error.issues.map((i) => finding(memberName(i.path), describe(i, body)));
  const allowed = success ? (KEYS_NOT_IN_SDK[api] ?? []) : [];
  for (const p of unknownKeys(schema, body)) {
    if (p.length === 1 && allowed.includes(String(p[0]))) continue;
    findings.push(finding(memberName(p), "a key the SDK's schema does not name"));
  }
  return findings;
}

/**
 * Per API: answers checked; answers not checked because a fault made or changed them; and
 * answers not sent yet when they were taken (a latency fault outlasting its caller).
 */
export type Tally = Record<string, { checked: number; faulted: number; pending: number }>;

/**
 * Checks what the emulator took since the last call and throws one error naming every
 * finding. It also proves it checked something real: every API request the emulator counted
 * has a recorded answer, none fell off the log, and every answer is either checked or a fault's.
 */
export function checkTaken(taken: TakenAnswers): Tally {
  const problems: string[] = [];
  if (taken.dropped > 0) problems.push(`${taken.dropped} answers fell off the emulator's log unchecked`);
  if (taken.answers.length !== taken.received) {
    problems.push(`the emulator received ${taken.received} API requests but recorded ${taken.answers.length} answers`);
  }
  const tally: Tally = {};
  for (const a of taken.answers) {
    const t = tally[a.api] ?? { checked: 0, faulted: 0, pending: 0 };
    tally[a.api] = t;
    if (a.pending) {
      // Only a latency fault outlasts its caller; any other answer still missing means the emulator never sent one.
      if (a.fault !== "latency") problems.push(`${a.method} ${a.path} (${a.api}): no answer was sent`);
      t.pending += 1;
      continue;
    }
    if (a.fault !== null) {
      t.faulted += 1;
      continue;
    }
    for (const f of checkAnswer(a)) problems.push(`${a.method} ${a.path} (${f.api}, HTTP ${f.status}): ${f.member}: ${f.reason}`);
    t.checked += 1;
  }
  if (problems.length > 0) throw new Error(`Emulator answers that break Authlete's contract (the SDK's schemas):\n  ${problems.join("\n  ")}`);
  return tally;
}
