import type { ProviderButton } from "../../auth/authenticator";
import type { Notice } from "../cookies";
import type { Copy } from "../locale";
import { Csrf, type Frame, Layout } from "./layout";

export type SignInError = "failed" | "missing";

const copy: Copy<{
  title: string;
  lead: (client: string) => string;
  unnamed: string;
  with: (provider: string) => string;
  or: string;
  username: string;
  password: string;
  submit: string;
  cancel: string;
  errors: Record<SignInError, string>;
  notices: Record<Notice, string>;
  remaining: (n: number) => string;
}> = {
  en: {
    title: "Sign in",
    lead: (client) => `Sign in to connect ${client}.`,
    unnamed: "the device",
    with: (provider) => `Sign in with ${provider}`,
    or: "or with a username and password",
    username: "Username",
    password: "Password",
    submit: "Sign in",
    cancel: "Cancel",
    // One message for an unknown user and a wrong password: no user enumeration.
    errors: { failed: "The username or password is incorrect.", missing: "Enter your username and password." },
    notices: {
      login_cancelled: "Sign-in was cancelled, so nothing was connected. Choose how to sign in to continue.",
      sign_in_again: "Sign in again to continue: for this application, your earlier sign-in is too long ago.",
    },
    remaining: (n) =>
      n === 0 ? "That was the last try for now: sign-in is paused for a while." : `${n} ${n === 1 ? "try" : "tries"} left before sign-in is paused.`,
  },
  ja: {
    title: "サインイン",
    lead: (client) => `${client} を接続するにはサインインしてください。`,
    unnamed: "デバイス",
    with: (provider) => `${provider} でサインイン`,
    or: "またはユーザー名とパスワードで",
    username: "ユーザー名",
    password: "パスワード",
    submit: "サインイン",
    cancel: "キャンセル",
    errors: { failed: "ユーザー名またはパスワードが正しくありません。", missing: "ユーザー名とパスワードを入力してください。" },
    notices: {
      login_cancelled: "サインインがキャンセルされたため、何も接続されていません。続けるにはサインイン方法を選んでください。",
      sign_in_again: "続けるには、もう一度サインインしてください。このアプリケーションでは、前回のサインインから時間が経ちすぎています。",
    },
    remaining: (n) => (n === 0 ? "今回が最後の試行でした。しばらくの間サインインは停止されます。" : `サインインが停止されるまで、あと ${n} 回試せます。`),
  },
};

export interface SignInProps {
  f: Frame;
  csrf: string;
  clientName: string | null;
  /** One "Sign in with …" button each (AUTHENTICATOR=oidc). */
  providers: readonly ProviderButton[];
  /** Whether the username/password form is shown (built-in users exist). */
  passwords: boolean;
  username?: string;
  error?: SignInError;
  notice?: Notice | undefined;
  /** Attempts left before sign-in is paused, when few remain. */
  remaining?: number | undefined;
}

export const SignInPage = (props: SignInProps) => {
  const t = copy[props.f.locale];
  const invalid = props.error ? "true" : undefined;
  const describedBy = props.error ? "signin-error" : undefined;
  return (
    <Layout f={props.f} title={t.title} error={!!props.error}>
      <h1>{t.title}</h1>
      <p>{t.lead(props.clientName ?? t.unnamed)}</p>
      {props.notice && (
        <p class="error" role="alert">
          {t.notices[props.notice]}
        </p>
      )}
      {/* One form per provider: a POST with the CSRF token, answered by a page that moves on to the provider. */}
      {props.providers.map((p) => (
        <form method="post" action="/device/federation" class="actions">
          <Csrf token={props.csrf} />
          <input type="hidden" name="provider" value={p.id} />
          <button type="submit" class={props.passwords ? "secondary" : "primary"}>
            {t.with(p.label)}
          </button>
        </form>
      ))}
      {props.passwords && props.providers.length > 0 && <h2>{t.or}</h2>}
      {props.error && (
        <p id="signin-error" class="error" role="alert">
          {t.errors[props.error]}
          {props.remaining !== undefined && ` ${t.remaining(props.remaining)}`}
        </p>
      )}
      {props.passwords && (
        <form method="post" action="/device/sign-in">
          <Csrf token={props.csrf} />
          <label for="username">{t.username}</label>
          <input
            id="username"
            name="username"
            type="text"
            value={props.username ?? ""}
            autocomplete="username"
            autocapitalize="none"
            autocorrect="off"
            spellcheck={false}
            required
            autofocus={!props.username && props.providers.length === 0}
            aria-invalid={invalid}
            aria-describedby={describedBy}
          />
          <label for="password">{t.password}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            autofocus={!!props.username}
            aria-invalid={invalid}
            aria-describedby={describedBy}
          />
          <div class="actions">
            <button type="submit" class="primary">
              {t.submit}
            </button>
            {/* Beside Sign in, but it submits the form below: Cancel never sends the password anywhere. */}
            <button type="submit" class="secondary" form="cancel">
              {t.cancel}
            </button>
          </div>
        </form>
      )}
      <form method="post" action="/device/cancel" id="cancel" class={props.passwords ? undefined : "actions"}>
        <Csrf token={props.csrf} />
        {/* Without the password form, Cancel is this form's own button. */}
        {!props.passwords && (
          <button type="submit" class="secondary">
            {t.cancel}
          </button>
        )}
      </form>
    </Layout>
  );
};
