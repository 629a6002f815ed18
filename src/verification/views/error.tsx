import type { Copy } from "../locale";
import type { PageErrorKind } from "../page-error";
import { clock, relative, unbroken } from "../time";
import { Csrf, type Frame, Layout } from "./layout";

interface Message {
  title: string;
  body: string;
  /** None for a lockout: trying again at once would only be refused. */
  action: string | null;
}

type Paused = "code_entry" | "sign_in";

const copy: Copy<
  Record<PageErrorKind, Message> & {
    paused: Record<Paused, (time: string, rel: string) => string>;
    codeMayExpire: string;
  }
> = {
  en: {
    expired: { title: "This code has expired", body: "Start again on your device to get a new code.", action: "Enter another code" },
    used: {
      title: "This code can't be used any more",
      body: "It has already been used, or the request was cancelled on the device. Start again on your device to get a new code.",
      action: "Enter another code",
    },
    aborted: {
      title: "Something went wrong",
      body: "We couldn't finish connecting your device. Try again; if it keeps happening, start again on your device.",
      action: "Try again",
    },
    rate_limited: { title: "Too many attempts", body: "For your security, we have paused this for a while.", action: null },
    unavailable: { title: "Temporarily unavailable", body: "We couldn't reach the sign-in service. Wait a moment and try again.", action: "Try again" },
    forbidden: {
      title: "Please start again",
      body: "We couldn't use what you just sent. This happens when a page was open for a long time, when it came from another website, or when your browser blocks cookies for this site.",
      action: "Start again",
    },
    out_of_step: { title: "This page is out of date", body: "Continue from where you left off.", action: "Continue" },
    signin_required: { title: "Sign-in required", body: "We couldn't verify your sign-in. Reload the page to sign in again.", action: "Try again" },
    login_state: {
      title: "This sign-in can't be completed",
      body: "It was started in another browser or tab, took longer than ten minutes, or has already been completed. Sign in again.",
      action: "Sign in again",
    },
    login_rejected: {
      title: "Sign-in failed",
      body: "Your sign-in service's answer could not be accepted. Sign in again; if it keeps happening, contact your administrator.",
      action: "Sign in again",
    },
    undo_closed: {
      title: "It is too late to undo this here",
      body: "An approval can be taken back on this page only for a few minutes after it was given. To remove the app's access to your account now, sign out of it on the device, or ask your administrator.",
      action: "Connect another device",
    },
    paused: {
      code_entry: (time, rel) => `For your security, entering codes is paused here until ${time} (${rel}).`,
      sign_in: (time, rel) => `For your security, signing in is paused until ${time} (${rel}).`,
    },
    codeMayExpire: "The code on your device may expire before then. If it does, start again on your device to get a new code.",
  },
  ja: {
    expired: { title: "このコードは有効期限切れです", body: "デバイスでもう一度始めて、新しいコードを表示してください。", action: "別のコードを入力する" },
    used: {
      title: "このコードはもう使えません",
      body: "すでに使われたか、デバイス側でキャンセルされました。デバイスでもう一度始めて、新しいコードを表示してください。",
      action: "別のコードを入力する",
    },
    aborted: {
      title: "問題が発生しました",
      body: "デバイスの接続を完了できませんでした。もう一度お試しください。繰り返し発生する場合は、デバイスでもう一度始めてください。",
      action: "もう一度試す",
    },
    rate_limited: { title: "試行回数が多すぎます", body: "安全のため、しばらくの間この操作を停止しています。", action: null },
    unavailable: {
      title: "一時的に利用できません",
      body: "サインインサービスに接続できませんでした。少し待ってからもう一度お試しください。",
      action: "もう一度試す",
    },
    forbidden: {
      title: "もう一度最初からお願いします",
      body: "送信された内容を使えませんでした。ページを長時間開いたままにしていた場合、別のサイトから送信された場合、またはブラウザーがこのサイトの Cookie をブロックしている場合に起こります。",
      action: "最初からやり直す",
    },
    out_of_step: { title: "このページは古くなっています", body: "中断したところから続けてください。", action: "続ける" },
    signin_required: {
      title: "サインインが必要です",
      body: "サインインを確認できませんでした。ページを再読み込みして、もう一度サインインしてください。",
      action: "もう一度試す",
    },
    login_state: {
      title: "このサインインは完了できません",
      body: "別のブラウザーやタブで始められたか、10 分以上かかったか、すでに完了しています。もう一度サインインしてください。",
      action: "もう一度サインインする",
    },
    login_rejected: {
      title: "サインインに失敗しました",
      body: "サインインサービスからの応答を受け入れられませんでした。もう一度サインインしてください。繰り返し発生する場合は管理者に連絡してください。",
      action: "もう一度サインインする",
    },
    undo_closed: {
      title: "ここでは取り消せなくなりました",
      body: "このページで承認を取り消せるのは、承認してから数分間だけです。いまアプリのアクセスを削除するには、デバイスでサインアウトするか、管理者に連絡してください。",
      action: "別のデバイスを接続する",
    },
    paused: {
      code_entry: (time, rel) => `安全のため、${time}（${rel}）までここでのコード入力を停止しています。`,
      sign_in: (time, rel) => `安全のため、${time}（${rel}）までサインインを停止しています。`,
    },
    codeMayExpire: "それまでにデバイスのコードの有効期限が切れることがあります。その場合は、デバイスでもう一度始めて新しいコードを表示してください。",
  },
};

/**
 * The one template for every user-facing failure; its only link is fixed, never taken from
 * the request. A lockout (`until`) says when it ends, in the person's time, and offers no
 * instant "Try again"; a 503 during code entry (`retry`) offers it with the same code.
 */
export const ErrorPage = (props: {
  f: Frame;
  kind: PageErrorKind;
  until?: { at: number; now: number; paused?: Paused | undefined } | undefined;
  retry?: { userCode: string; csrf: string } | { action: "/device/undo"; csrf: string } | undefined;
}) => {
  const { locale, timeZone } = props.f;
  const t = copy[locale];
  const m = t[props.kind];
  const u = props.until;
  return (
    <Layout f={props.f} title={m.title}>
      <h1>{m.title}</h1>
      {u ? (
        <>
          <p>{t.paused[u.paused ?? "code_entry"](unbroken(clock(u.at, locale, timeZone).time), relative(u.at, u.now, locale))}</p>
          <p>{t.codeMayExpire}</p>
        </>
      ) : (
        <p>{m.body}</p>
      )}
      {props.retry ? (
        <form method="post" action={"action" in props.retry ? props.retry.action : "/device"} class="actions">
          <Csrf token={props.retry.csrf} />
          {"userCode" in props.retry && <input type="hidden" name="user_code" value={props.retry.userCode} />}
          <button type="submit" class="primary">
            {m.action}
          </button>
        </form>
      ) : (
        m.action && (
          <p class="actions">
            <a class="button primary" href="/device">
              {m.action}
            </a>
          </p>
        )
      )}
    </Layout>
  );
};
