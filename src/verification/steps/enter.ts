import type { Context } from "hono";
import { submitCode } from "../code-entry";
import { readPageForm } from "../form";
import type { PageEnv } from "../page-env";

/** POST /device: the code typed on the enter-code page. */
export async function enterCode(c: Context<PageEnv>): Promise<Response> {
  const { params, flowId } = await readPageForm(c);
  return submitCode(c, flowId, params.get("user_code") ?? "");
}
