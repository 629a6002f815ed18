import type { Context } from "hono";
import { newFlowId, readFlowId, readSignInId, setFlowCookie, setLangCookie, setPrefillCookie, setUndoCookie, takeNotice, takePrefill } from "../cookies";
import { loadFlow } from "../flow-guard";
import { csrfToken, showsFor } from "../form";
import { frame } from "../frame";
import { fromUiLocales } from "../locale";
import type { PageEnv } from "../page-env";
import { PageError } from "../page-error";
import { formatUserCode, normalizeUserCode } from "../user-code";
import { ConfirmPage } from "../views/confirm";
import { ConsentPage } from "../views/consent";
import { DonePage } from "../views/done";
import { EnterPage } from "../views/enter";
import { SignInPage } from "../views/sign-in";

/**
 * GET /device: the page for wherever this browser's flow stands. Query parameters are
 * consumed and redirected away (303 to the bare URL), so a user code sits in history and
 * logs once: `ui_locales` becomes the language cookie, and `user_code` (from
 * verification_uri_complete) only fills in the code: a GET asks Authlete nothing and counts
 * nothing (a cross-site <img> must not spend a visitor's budget), and the code goes on only
 * when the person taps Continue, a CSRF-protected POST.
 */
export async function show(c: Context<PageEnv>): Promise<Response> {
  const uiLocale = fromUiLocales(c.req.query("ui_locales"));
  if (uiLocale) setLangCookie(c, uiLocale);
  const link = c.req.query("user_code");
  // Only a page load carries the code on: an image, a script or a fetch from another site plants nothing.
  if (link !== undefined && (c.req.header("Sec-Fetch-Dest") ?? "document") === "document") setPrefillCookie(c, link);
  if (link !== undefined || c.req.query("ui_locales") !== undefined) return c.redirect("/device", 303);

  const { page, authenticator, keyed, now } = c.var.services;
  const existing = await readFlowId(c, keyed);
  const flowId = existing ?? (await newFlowId(keyed));
  if (!existing) setFlowCookie(c, flowId);
  const flow = existing ? await loadFlow(c, flowId) : null;

  const prefilled = takePrefill(c);
  if (prefilled !== undefined) {
    // A link never replaces a verification in progress silently: the page says so, and its form is bound to replacing it.
    const active = flow && flow.step !== "ended" ? flow : null;
    const code = normalizeUserCode(prefilled, page.userCode);
    return c.html(
      <EnterPage
        f={frame(c)}
        csrf={await csrfToken(keyed, flowId, active ? { replace: active.userCode } : "enter")}
        format={page.userCode}
        value={code ? formatUserCode(code) : prefilled}
        prefilled
        replacing={active ? formatUserCode(active.userCode) : undefined}
      />,
    );
  }
  if (flow?.step === "ended") {
    // The result is shown once: the browser gets a fresh flow id with it, so a reload offers the
    // enter-code page again. The ended record (no code, no identity) is left to its TTL rather
    // than deleted: only the undo cookie reaches it still, for an approval in its window, and
    // otherwise nothing does, so a delete would buy nothing.
    const fresh = await newFlowId(keyed);
    setFlowCookie(c, fresh);
    const canSignOut = authenticator.mode === "form" && readSignInId(c) !== undefined;
    // An approval still in its window: the ended flow's id moves to the undo cookie, for "That wasn't me" (steps/undo.ts).
    const undoable = flow.undo && flow.undo.until > now() ? flow.undo : undefined;
    if (undoable) setUndoCookie(c, flowId);
    const undo = undoable ? { csrf: await csrfToken(keyed, flowId, "undo"), until: undoable.until, now: now() } : undefined;
    return c.html(<DonePage f={frame(c)} ended={flow} csrf={canSignOut ? await csrfToken(keyed, fresh, "ended") : undefined} undo={undo} />);
  }
  // Signed for this step's form (and the enter-code form when there is no flow).
  const csrf = await csrfToken(keyed, flowId, showsFor(flow));
  if (!flow) return c.html(<EnterPage f={frame(c)} csrf={csrf} format={page.userCode} />);
  switch (flow.step) {
    case "confirm":
      return c.html(<ConfirmPage f={frame(c)} csrf={csrf} flow={flow} now={now()} />);
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
      return c.html(
        <ConsentPage f={frame(c)} csrf={csrf} flow={flow} identity={flow.identity} page={page} canSwitch={authenticator.mode === "form"} now={now()} />,
      );
  }
}
