// Calls to the emulator as Authlete's callers make them, for the emulator's own tests.
import { emulator } from "../support/helpers";

/** The default seed's service credentials (emulator/seed.json). */
export const SERVICE_ID = 5550001;
export const V2_AUTH = `Basic ${btoa("5550001:emulator-api-secret-5550001")}`;
export const V3_AUTH = "Bearer emulator-service-access-token-5550001";
export const OWNER_AUTH = `Basic ${btoa("5559001:emulator-service-owner-secret-5559001")}`;

export type Version = 2 | 3;
export const prefix = (v: Version) => (v === 2 ? "/api" : `/api/${SERVICE_ID}`);
export const serviceAuth = (v: Version) => (v === 2 ? V2_AUTH : V3_AUTH);

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** POST {prefix}/{api} with a JSON body and the service's credentials of that version. */
export async function post(v: Version, api: string, body: unknown, authorization: string | null = serviceAuth(v)): Promise<Answer> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (authorization !== null) headers["Authorization"] = authorization;
  return answer(await emulator(`${prefix(v)}/${api}`, { method: "POST", headers, body: JSON.stringify(body) }));
}

/** GET {path} (a full path under /api/) with the given Authorization. */
export async function get(path: string, authorization: string | null): Promise<Answer> {
  return answer(await emulator(path, { method: "GET", headers: authorization === null ? {} : { Authorization: authorization } }));
}

/** A control call whose answer the test inspects (helpers' control() throws on non-2xx). */
export async function ctl(path: string, method = "GET", body?: string): Promise<Answer> {
  return answer(
    await emulator(`/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body ?? null,
    }),
  );
}

export const content = (a: Answer) => JSON.parse(a.body["responseContent"] as string) as Record<string, unknown>;

/** One device authorization for demo-device (public, v3); returns Authlete's answer. */
export async function authorize(parameters = "client_id=demo-device&scope=openid%20profile", v: Version = 3): Promise<Answer> {
  return post(v, "device/authorization", { parameters });
}

export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export function pollToken(deviceCode: string, clientId = "demo-device", extra: Record<string, unknown> = {}, v: Version = 3): Promise<Answer> {
  return post(v, "auth/token", { parameters: `grant_type=${encodeURIComponent(DEVICE_GRANT)}&device_code=${deviceCode}&client_id=${clientId}`, ...extra });
}
