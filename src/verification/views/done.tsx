import type { EndedFlow, Outcome } from "../../session/flow";
import type { Copy } from "../locale";
import { Csrf, type Frame, Layout } from "./layout";

const copy: Copy<{ titles: Record<Outcome, string>; bodies: Record<Outcome, (client: string) => string>; unnamed: string; again: string; signOut: string }> = {
  en: {
    titles: { approved: "Your device is connected", denied: "Request denied", cancelled: "Cancelled" },
    bodies: {
      approved: () => "You can close this page.",
      denied: (client) => `${client} was not given access. You can close this page.`,
      cancelled: () => "Nothing was approved, and the device has been told no. To connect it after all, start again on the device. You can close this page.",
    },
    unnamed: "The application",
    again: "Connect another device",
    signOut: "Sign out of this browser",
  },
  ja: {
    titles: { approved: "デバイスが接続されました", denied: "リクエストを拒否しました", cancelled: "キャンセルしました" },
    bodies: {
      approved: () => "このページは閉じてかまいません。",
      denied: (client) => `${client} にはアクセスを許可しませんでした。このページは閉じてかまいません。`,
      cancelled: () =>
        "何も許可されていません。デバイスには拒否したことが伝わります。やはり接続する場合は、デバイスでもう一度始めてください。このページは閉じてかまいません。",
    },
    unnamed: "アプリケーション",
    again: "別のデバイスを接続する",
    signOut: "このブラウザーからサインアウト",
  },
};

const MARK: Record<Outcome, string> = { approved: "✓", denied: "✕", cancelled: "–" };

/** `csrf` is given when this browser is still signed in: then the page offers to sign out (a shared or borrowed device). */
export const DonePage = (props: { f: Frame; ended: EndedFlow; csrf?: string | undefined }) => {
  const t = copy[props.f.locale];
  const { outcome, clientName } = props.ended;
  return (
    <Layout f={props.f} title={t.titles[outcome]}>
      <div class="done">
        <p class={outcome === "approved" ? "mark" : "mark neutral"} aria-hidden="true">
          {MARK[outcome]}
        </p>
        <h1>{t.titles[outcome]}</h1>
        <p>{t.bodies[outcome](clientName ?? t.unnamed)}</p>
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
      </div>
    </Layout>
  );
};
