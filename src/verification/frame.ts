import type { Context } from "hono";
import { timeZoneOf } from "../http/client-place";
import type { PageServices } from "../services";
import type { PageEnv } from "./page-env";
import { FALLBACK_THEME } from "./theme";
import type { Frame } from "./views/layout";

export function frame(c: Context<PageEnv>): Frame {
  // The services are missing only when loading the page configuration is what failed.
  const services = c.var.services as PageServices | undefined;
  return { locale: c.var.locale, theme: services?.page.theme ?? FALLBACK_THEME, nonce: c.var.nonce, timeZone: timeZoneOf(c.req.raw) };
}
