import type { Context } from "hono";
import type { PageEnv } from "./page-env";
import { FALLBACK_THEME } from "./theme";
import type { Frame } from "./views/layout";

export function frame(c: Context<PageEnv>): Frame {
  // The page configuration is missing only when loading it is what failed.
  return { locale: c.var.locale, theme: c.var.page?.theme ?? FALLBACK_THEME, nonce: c.var.nonce };
}
