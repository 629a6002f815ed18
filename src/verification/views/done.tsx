import type { EndedFlow, Outcome } from "../../session/flow";
import type { Copy } from "../locale";
import { countryName } from "../places";
import { clock, relative, unbroken } from "../time";
import { Csrf, FocusHeading, type Frame, Layout } from "./layout";

/** For "blocked": the device's country (null when it could not be told) and the browser's, in the page's language; or another person entered the code. */
type Why = { device: string | null; browser: string; shared: boolean };

const copy: Copy<{
  titles: Record<Outcome, string>;
  bodies: Record<Outcome, (client: string, why: Why) => string>;
  /** "blocked" because the device's network is on the watch list. */
  blockedReported: (client: string) => string;
  /** "That wasn't me" on the approved page, with what it does, before the person presses it. */
  undo: { lead: (client: string, time: string, rel: string) => string; button: string };
  unnamed: string;
  somewhere: string;
  again: string;
  signOut: string;
}> = {
  en: {
    titles: {
      approved: "Your device is connected",
      denied: "Request denied",
      cancelled: "Cancelled",
      reported: "Thank you: the request was refused",
      blocked: "This request was refused",
      undone: "Undone: the connection was removed",
    },
    bodies: {
      approved: (client) => `${client} is now connected to your account. Go back to your TV or device: it carries on by itself. You can close this page.`,
      denied: (client) => `${client} was not given access. You can close this page.`,
      cancelled: () => "Nothing was approved, and the device has been told no. To connect it after all, start again on the device. You can close this page.",
      reported: () =>
        "Nothing was approved, the device has been told no, and we have recorded your report. If someone sent you a code or a link to enter here, do not enter codes from them again. You can close this page.",
      blocked: (client, why) =>
        why.shared
          ? `Someone else, in another browser on another network, had already entered this code. ${client} can only be connected by one person per code, so nothing was approved and the device has been told no. If someone sent you this code, do not use codes from them. If it is your device, start again on it.`
          : `${why.device ? `The request came from a device in ${why.device}, and you appear to be in ${why.browser}.` : "We could not tell where the device asked from."} ${client} can only be connected from the same country as the person approving it, so nothing was approved and the device has been told no. If it is your device, start again on it when you are with it.`,
      undone: (client) =>
        `${client} no longer has access to your account, on any device where you connected it, and the device you just approved has been told no. If someone sent you the code or the link, do not enter codes from them again. To use ${client} on a device of your own, connect it again. You can close this page.`,
    },
    blockedReported: (client) =>
      `Someone recently told us that a request from the network this device asked from was not theirs, so ${client} refuses codes from there for now. Nothing was approved, and the device has been told no. If it is your device, try again later.`,
    undo: {
      lead: (client, time, rel) =>
        `Not you, or not what you meant? Until ${time} (${rel}) you can take it back. This removes all of ${client}'s access to your account: every device where you connected ${client} is signed out, and this device is told no if it has not connected yet.`,
      button: "That wasn't me",
    },
    unnamed: "The application",
    somewhere: "another country",
    again: "Connect another device",
    signOut: "Sign out of this browser",
  },
  ja: {
    titles: {
      approved: "デバイスが接続されました",
      denied: "リクエストを拒否しました",
      cancelled: "キャンセルしました",
      reported: "ご報告ありがとうございます。リクエストを拒否しました",
      blocked: "このリクエストはお断りしました",
      undone: "取り消しました: 接続を削除しました",
    },
    bodies: {
      approved: (client) =>
        `${client} があなたのアカウントに接続されました。テレビやデバイスに戻ってください。あとは自動的に進みます。このページは閉じてかまいません。`,
      denied: (client) => `${client} にはアクセスを許可しませんでした。このページは閉じてかまいません。`,
      cancelled: () =>
        "何も許可されていません。デバイスには拒否したことが伝わります。やはり接続する場合は、デバイスでもう一度始めてください。このページは閉じてかまいません。",
      reported: () =>
        "何も許可されていません。デバイスには拒否したことが伝わり、ご報告は記録されました。誰かからコードやリンクを送られてここで入力した場合は、今後その人から送られたコードを入力しないでください。このページは閉じてかまいません。",
      blocked: (client, why) =>
        why.shared
          ? `別のネットワークの別のブラウザーで、誰かがすでにこのコードを入力していました。${client} は 1 つのコードにつき 1 人しか接続できないため、何も許可されず、デバイスには拒否したことが伝わります。誰かからこのコードを送られた場合は、その人からのコードを使わないでください。ご自身のデバイスであれば、デバイスでもう一度始めてください。`
          : `${why.device ? `リクエストは${why.device}にあるデバイスから送られましたが、あなたは${why.browser}にいるようです。` : "デバイスがどこから接続を求めたのか分かりませんでした。"}${client} は承認する人と同じ国からしか接続できないため、何も許可されず、デバイスには拒否したことが伝わります。ご自身のデバイスであれば、そのデバイスのそばでもう一度始めてください。`,
      undone: (client) =>
        `${client} はもうあなたのアカウントにアクセスできません。接続していたすべてのデバイスで同じです。いま承認したデバイスには拒否したことが伝わります。誰かからコードやリンクを送られた場合は、今後その人から送られたコードを入力しないでください。ご自身のデバイスで ${client} を使うには、もう一度接続してください。このページは閉じてかまいません。`,
    },
    blockedReported: (client) =>
      `このデバイスが接続を求めたネットワークからのリクエストについて、最近「自分で始めていない」という報告があったため、${client} はしばらくの間そこからのコードをお断りしています。何も許可されず、デバイスには拒否したことが伝わります。ご自身のデバイスであれば、時間をおいてもう一度お試しください。`,
    undo: {
      lead: (client, time, rel) =>
        `ご自身ではない、または意図したものではありませんか？${time}（${rel}）まで取り消せます。取り消すと、${client} のあなたのアカウントへのアクセスがすべて削除され、${client} を接続したすべてのデバイスでサインアウトされます。このデバイスがまだ接続を終えていなければ、拒否したことが伝わります。`,
      button: "自分ではありません",
    },
    unnamed: "アプリケーション",
    somewhere: "別の国",
    again: "別のデバイスを接続する",
    signOut: "このブラウザーからサインアウト",
  },
};

const MARK: Record<Outcome, string> = { approved: "✓", denied: "✕", cancelled: "–", reported: "✕", blocked: "✕", undone: "✕" };

/**
 * `csrf` is given when this browser is still signed in: then the page offers to sign out (a
 * shared or borrowed device). `undo`, for an approval still in its window: "That wasn't me", its
 * own form (steps/undo.ts), saying first what it removes.
 */
export const DonePage = (props: { f: Frame; ended: EndedFlow; csrf?: string | undefined; undo?: { csrf: string; until: number; now: number } | undefined }) => {
  const { locale, timeZone } = props.f;
  const t = copy[locale];
  const { outcome, clientName, countries } = props.ended;
  const client = clientName ?? t.unnamed;
  const why = {
    device: countryName(countries?.device ?? null, locale),
    browser: countryName(countries?.browser ?? null, locale) ?? t.somewhere,
    shared: props.ended.shared === true,
  };
  const body = outcome === "blocked" && props.ended.reportedNetwork ? t.blockedReported(client) : t.bodies[outcome](client, why);
  const u = props.undo;
  return (
    <Layout f={props.f} title={t.titles[outcome]}>
      <div class="done">
        <p class={outcome === "approved" ? "mark" : "mark neutral"} aria-hidden="true">
          {MARK[outcome]}
        </p>
        <FocusHeading>{t.titles[outcome]}</FocusHeading>
        <p>{body}</p>
        <p>
          <a href="/device">{t.again}</a>
        </p>
        {props.csrf && (
          <form method="post" action="/device/sign-out">
            <Csrf token={props.csrf} />
            <button type="submit" class="link">
              {t.signOut}
            </button>
          </form>
        )}
        {u && (
          <form method="post" action="/device/undo" class="report">
            <Csrf token={u.csrf} />
            <p>{t.undo.lead(client, unbroken(clock(u.until, locale, timeZone).time), relative(u.until, u.now, locale))}</p>
            <div class="actions">
              <button type="submit" class="secondary">
                {t.undo.button}
              </button>
            </div>
          </form>
        )}
      </div>
    </Layout>
  );
};
