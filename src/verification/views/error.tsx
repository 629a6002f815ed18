import type { Copy } from "../locale";
import type { PageErrorKind } from "../page-error";
import { type Frame, Layout } from "./layout";

interface Message {
  title: string;
  body: string;
  action: string;
}

const copy: Copy<Record<PageErrorKind, Message> & { wait: (seconds: number) => string }> = {
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
    rate_limited: { title: "Too many attempts", body: "For your security, please wait before trying again.", action: "Try again" },
    unavailable: { title: "Temporarily unavailable", body: "We couldn't reach the sign-in service. Wait a moment and try again.", action: "Try again" },
    forbidden: {
      title: "This form can't be accepted",
      body: "It may have been open too long, come from another site, or your browser may be blocking cookies. Start again from this site.",
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
    wait: (s) => (s < 60 ? `Try again in ${s} seconds.` : `Try again in about ${Math.ceil(s / 60)} minutes.`),
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
    rate_limited: { title: "試行回数が多すぎます", body: "安全のため、しばらく待ってからもう一度お試しください。", action: "もう一度試す" },
    unavailable: {
      title: "一時的に利用できません",
      body: "サインインサービスに接続できませんでした。少し待ってからもう一度お試しください。",
      action: "もう一度試す",
    },
    forbidden: {
      title: "このフォームは受け付けられません",
      body: "開いてから時間が経ちすぎたか、別のサイトから送信されたか、ブラウザーが Cookie をブロックしている可能性があります。このサイトで最初からやり直してください。",
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
    wait: (s) => (s < 60 ? `${s} 秒後にもう一度お試しください。` : `約 ${Math.ceil(s / 60)} 分後にもう一度お試しください。`),
  },
};

/** The one template for every user-facing failure; its only link is fixed, never taken from the request. */
export const ErrorPage = (props: { f: Frame; kind: PageErrorKind; retryAfter?: number | undefined }) => {
  const t = copy[props.f.locale];
  const m = t[props.kind];
  return (
    <Layout f={props.f} title={m.title}>
      <h1>{m.title}</h1>
      <p>{m.body}</p>
      {props.retryAfter !== undefined && props.kind === "rate_limited" && <p>{t.wait(props.retryAfter)}</p>}
      <p>
        <a href="/device">{m.action}</a>
      </p>
    </Layout>
  );
};
