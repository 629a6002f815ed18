import type { DeviceRequest } from "../../storage/device-requests";
import type { Copy, Locale } from "../locale";
import { formatUserCode } from "../user-code";
import { Csrf, type Frame, Layout } from "./layout";

const copy: Copy<{
  title: string;
  lead: (client: string) => string;
  unnamed: string;
  code: string;
  device: string;
  ip: string;
  location: string;
  software: string;
  requested: string;
  unknown: string;
  unavailable: string;
  warning: string;
  submit: string;
  cancel: string;
}> = {
  en: {
    title: "Is this your device?",
    lead: (client) => `${client} is asking to connect to your account.`,
    unnamed: "An application",
    code: "Code",
    device: "The device that asked",
    ip: "IP address",
    location: "Approximate location",
    software: "Software",
    requested: "Requested",
    unknown: "Unknown",
    unavailable: "Details about the device that asked are unavailable.",
    warning: "Continue only if you started this yourself, on a device you have with you right now. If someone sent you this code or link, choose Cancel.",
    submit: "Continue",
    cancel: "Cancel",
  },
  ja: {
    title: "お使いのデバイスですか？",
    lead: (client) => `${client} があなたのアカウントへの接続を求めています。`,
    unnamed: "アプリケーション",
    code: "コード",
    device: "接続を求めたデバイス",
    ip: "IP アドレス",
    location: "おおよその場所",
    software: "ソフトウェア",
    requested: "リクエスト日時",
    unknown: "不明",
    unavailable: "接続を求めたデバイスの情報は表示できません。",
    warning:
      "ご自身で始めた操作で、そのデバイスがいま手元にある場合にだけ続けてください。誰かからこのコードやリンクを送られた場合は「キャンセル」を選んでください。",
    submit: "続ける",
    cancel: "キャンセル",
  },
};

function place(d: DeviceRequest, locale: Locale): string | null {
  let country = d.country;
  if (country) {
    try {
      country = new Intl.DisplayNames([locale], { type: "region" }).of(country) ?? country;
    } catch {
      // An unusual code (Cloudflare's "T1" for Tor, say) is shown as is.
    }
  }
  return [d.city, country].filter(Boolean).join(", ") || null;
}

/** "3 minutes ago" in the reader's language, with the exact UTC time for the curious. */
function when(at: number, now: number, locale: Locale): string {
  const seconds = Math.round((at - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const relative =
    Math.abs(seconds) < 60
      ? rtf.format(seconds, "second")
      : Math.abs(seconds) < 3600
        ? rtf.format(Math.round(seconds / 60), "minute")
        : rtf.format(Math.round(seconds / 3600), "hour");
  return `${relative} (${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC)`;
}

export const ConfirmPage = (props: { f: Frame; csrf: string; code: string; clientName: string | null; device: DeviceRequest | null; now: number }) => {
  const t = copy[props.f.locale];
  const d = props.device;
  return (
    <Layout f={props.f} title={t.title}>
      <h1>{t.title}</h1>
      <p>{t.lead(props.clientName ?? t.unnamed)}</p>
      <p class="muted">{t.code}</p>
      <p class="code-display mono">{formatUserCode(props.code)}</p>
      <h2>{t.device}</h2>
      {d ? (
        <dl class="details">
          <dt>{t.ip}</dt>
          <dd class="mono">{d.ip}</dd>
          <dt>{t.location}</dt>
          <dd>{place(d, props.f.locale) ?? t.unknown}</dd>
          <dt>{t.software}</dt>
          <dd>{d.userAgent ? d.userAgent.slice(0, 200) : t.unknown}</dd>
          <dt>{t.requested}</dt>
          <dd>
            <time datetime={new Date(d.requestedAt).toISOString()}>{when(d.requestedAt, props.now, props.f.locale)}</time>
          </dd>
        </dl>
      ) : (
        <p>{t.unavailable}</p>
      )}
      <p class="warning" role="note">
        {t.warning}
      </p>
      <form method="post" action="/device/confirm">
        <Csrf token={props.csrf} />
        <div class="actions">
          <button type="submit" class="primary">
            {t.submit}
          </button>
          {/* Cancel denies: the device hears access_denied at its next poll (steps/cancel.ts). */}
          <button type="submit" class="secondary" formaction="/device/cancel">
            {t.cancel}
          </button>
        </div>
      </form>
    </Layout>
  );
};
