import type { Context } from "hono";
import { submitCode } from "../code-entry";
import { ensureFlowId, readFlowId, setLangCookie, takeNotice } from "../cookies";
import { loadFlow } from "../flow-guard";
import { csrfToken } from "../form";
import { frame } from "../frame";
import { fromUiLocales } from "../locale";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { ConfirmPage } from "../views/confirm";
import { ConsentPage } from "../views/consent";
import { DonePage } from "../views/done";
import { EnterPage } from "../views/enter";
import { SignInPage } from "../views/sign-in";

/**
 * GET /device: the page for wherever this browser's flow stands. Query parameters are
 * consumed and redirected away (303 to the bare URL), so a user code sits in history and
 * logs once: `ui_locales` becomes the language cookie, and `user_code` (from
 * verification_uri_complete) is checked and kept in the flow. A link only ever leads to
 * the confirm page; approving takes the user's own POSTs.
 */
export async function show(c: Context<PageEnv>): Promise<Response> {
  const uiLocale = fromUiLocales(c.req.query("ui_locales"));
  if (uiLocale) setLangCookie(c, uiLocale);
  const prefill = c.req.query("user_code");
  if (prefill !== undefined) return submitCode(c, ensureFlowId(c), prefill);
  if (c.req.query("ui_locales") !== undefined) return c.redirect("/device", 303);

  const { page, flows, authenticator, now } = c.var.services;
  const existing = readFlowId(c);
  const flowId = ensureFlowId(c);
  const csrf = await csrfToken(c.var.services.keyed, flowId);
  const flow = existing ? await loadFlow(c, flowId) : null;
  if (!flow) return c.html(<EnterPage f={frame(c)} csrf={csrf} format={page.userCode} />);

  if (flow.step === "ended") {
    // The result is shown once; reloading offers the enter-code page again.
    await flows.remove(flowId);
    return c.html(<DonePage f={frame(c)} outcome={flow.outcome} clientName={flow.clientName} />);
  }
  switch (flow.step) {
    case "confirm":
      return c.html(<ConfirmPage f={frame(c)} csrf={csrf} code={flow.userCode} clientName={flow.clientName} device={flow.device} now={now()} />);
    case "sign_in":
      return c.html(
        <SignInPage
          f={frame(c)}
          csrf={csrf}
          clientName={flow.clientName}
          providers={authenticator.federation?.providers ?? []}
          passwords={authenticator.passwords}
          notice={takeNotice(c)}
        />,
      );
    case "consent":
      if (!flow.identity) throw new PageError("out_of_step", "consent without an identity");
      return c.html(<ConsentPage f={frame(c)} csrf={csrf} flow={flow} identity={flow.identity} page={page} canSwitch={authenticator.mode === "form"} />);
  }
}
