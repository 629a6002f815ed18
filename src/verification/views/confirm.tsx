import type { Reason } from "../../protection/proximity";
import type { ActiveFlow } from "../../session/flow";
import type { Copy, Locale } from "../locale";
import { regionName } from "../places";
import { selfDescription } from "../software";
import { formatUserCode } from "../user-code";
import { Expiry, When } from "./bits";
import { Csrf, FocusHeading, type Frame, Layout } from "./layout";

const copy: Copy<{
  title: string;
  lead: (client: string) => string;
  unnamed: string;
  code: string;
  device: string;
  network: string;
  location: string;
  software: string;
  requested: string;
  unknown: string;
  unavailable: string;
  warning: string;
  submit: string;
  cancel: string;
  report: { lead: string; button: string };
  /** The stronger warning (protection/proximity.ts). */
  risky: {
    title: string;
    why: string;
    reasons: Record<Reason, (x: { device: string; browser: string; km: string; org: string; minutes: number }) => string>;
    thatDevice: string;
    you: string;
    consequence: string;
    deny: string;
    anyway: string;
  };
}> = {
  en: {
    title: "Is this your device?",
    lead: (client) => `${client} is asking to connect to your account.`,
    unnamed: "An application",
    code: "Code",
    device: "The device that asked",
    network: "Network",
    location: "Approximate location",
    software: "Software",
    requested: "Requested",
    unknown: "Unknown",
    unavailable: "Details about the device that asked are unavailable.",
    warning: "Continue only if you started this yourself, on a device you have with you right now. If someone sent you this code or link, choose Cancel.",
    submit: "Continue",
    cancel: "Cancel",
    report: {
      lead: "Didn't ask to connect anything? Someone may be trying to get into your account: tell us, and we refuse the request.",
      button: "I didn't start this",
    },
    risky: {
      title: "Be careful: this may not be your device",
      why: "Why we are warning you",
      reasons: {
        cross_country: (x) => `The device asked from another country (${x.device}) than the one you appear to be in (${x.browser}).`,
        far: (x) => `The device asked from about ${x.km} km away from you.`,
        hosting: (x) => `The device asked from a data centre${x.org ? ` (${x.org})` : ""}, not from a home or mobile network.`,
        old_code: (x) => `Its code was made ${x.minutes} minutes ago. A code you start yourself is usually entered within a few minutes.`,
        unknown_place: () => "We cannot tell which country the device asked from, so we cannot tell whether it is near you.",
        unknown_device: () => "We cannot tell where this request came from: there is no record of the device that asked.",
        shared_code: () =>
          "Someone else, in another browser on another network, has entered this same code. A code is for one person: if it was sent to you, it may have been sent to others too.",
        reported_network: () =>
          "Someone recently told us that a request from the network this device asked from was not theirs: codes from there have been sent to people who did not start them.",
      },
      thatDevice: "That device",
      you: "You",
      consequence: "If you continue, whoever holds that device will be signed in as you. If someone sent you this code or a link to this page, choose Deny.",
      deny: "Deny",
      anyway: "Continue anyway",
    },
  },
  ja: {
    title: "お使いのデバイスですか？",
    lead: (client) => `${client} があなたのアカウントへの接続を求めています。`,
    unnamed: "アプリケーション",
    code: "コード",
    device: "接続を求めたデバイス",
    network: "ネットワーク",
    location: "おおよその場所",
    software: "ソフトウェア",
    requested: "リクエスト日時",
    unknown: "不明",
    unavailable: "接続を求めたデバイスの情報は表示できません。",
    warning:
      "ご自身で始めた操作で、そのデバイスがいま手元にある場合にだけ続けてください。誰かからこのコードやリンクを送られた場合は「キャンセル」を選んでください。",
    submit: "続ける",
    cancel: "キャンセル",
    report: {
      lead: "接続を求めた覚えがない場合は、誰かがあなたのアカウントに入ろうとしている可能性があります。お知らせいただければ、このリクエストを拒否します。",
      button: "自分で始めていません",
    },
    risky: {
      title: "ご注意ください: お使いのデバイスではない可能性があります",
      why: "警告の理由",
      reasons: {
        cross_country: (x) => `デバイスは、あなたがいるとみられる国（${x.browser}）とは別の国（${x.device}）から接続を求めています。`,
        far: (x) => `デバイスは、あなたから約 ${x.km} km 離れた場所から接続を求めています。`,
        hosting: (x) => `デバイスは家庭やモバイルの回線ではなく、データセンター${x.org ? `（${x.org}）` : ""}から接続を求めています。`,
        old_code: (x) => `このコードは ${x.minutes} 分前に発行されました。ご自身で始めた場合、コードは通常数分以内に入力されます。`,
        unknown_place: () => "デバイスがどの国から接続を求めたのか分からないため、あなたの近くにあるかどうか確かめられません。",
        unknown_device: () => "このリクエストがどこから来たのか分かりません。接続を求めたデバイスの記録がありません。",
        shared_code: () =>
          "別のネットワークの別のブラウザーで、誰かがこれと同じコードを入力しています。コードは一人のためのものです。送られてきたコードであれば、ほかの人にも送られている可能性があります。",
        reported_network: () =>
          "このデバイスが接続を求めたネットワークからのリクエストについて、最近「自分で始めていない」という報告がありました。そこからのコードが、始めた覚えのない人に送られています。",
      },
      thatDevice: "そのデバイス",
      you: "あなた",
      consequence:
        "続けると、そのデバイスを持っている人があなたとしてサインインした状態になります。誰かからこのコードやこのページへのリンクを送られた場合は「拒否する」を選んでください。",
      deny: "拒否する",
      anyway: "このまま続ける",
    },
  },
};

/** The stronger warning: why, both places side by side, and the consequence in plain words. */
const Risky = (props: { flow: ActiveFlow; locale: Locale }) => {
  const t = copy[props.locale].risky;
  const { proximity, device } = props.flow;
  if (!proximity) return null;
  const unknown = copy[props.locale].unknown;
  const distance = proximity.signals?.distanceKm ?? 0;
  const km = distance >= 1000 ? Math.round(distance / 100) * 100 : distance;
  const x = {
    device: regionName({ country: device?.country ?? null, region: null }, props.locale) ?? unknown,
    browser: regionName({ country: proximity.browser.country, region: null }, props.locale) ?? unknown,
    km: new Intl.NumberFormat(props.locale).format(km),
    org: device?.asOrganization ?? "",
    minutes: Math.floor((proximity.signals?.codeAgeSeconds ?? 0) / 60),
  };
  return (
    <section class="warning strong" aria-labelledby="risk-heading">
      <h2 id="risk-heading">{t.why}</h2>
      <ul>
        {proximity.reasons.map((r) => (
          <li>{t.reasons[r](x)}</li>
        ))}
      </ul>
      <dl class="places">
        <dt>{t.thatDevice}</dt>
        <dd>{(device && regionName(device, props.locale)) ?? unknown}</dd>
        <dt>{t.you}</dt>
        <dd>{regionName(proximity.browser, props.locale) ?? unknown}</dd>
      </dl>
      <p>
        <strong>{t.consequence}</strong>
      </p>
    </section>
  );
};

export const ConfirmPage = (props: { f: Frame; csrf: string; flow: ActiveFlow; now: number }) => {
  const t = copy[props.f.locale];
  const { flow } = props;
  const d = flow.device;
  const risky = flow.proximity?.level === "warn";
  const title = risky ? t.risky.title : t.title;
  return (
    <Layout f={props.f} title={title}>
      <FocusHeading>{title}</FocusHeading>
      <p>{t.lead(flow.clientName ?? t.unnamed)}</p>
      {risky && <Risky flow={flow} locale={props.f.locale} />}
      <p class="muted">{t.code}</p>
      <p class="code-display mono">{formatUserCode(flow.userCode)}</p>
      <Expiry f={props.f} expiresAt={flow.expiresAt} now={props.now} />
      <h2>{t.device}</h2>
      {/*
        What lets a person recognise their own device, and no more: anyone holding the code sees
        this page, so never the device's address, city or raw User-Agent (free text it chose).
      */}
      {d ? (
        <dl class="details">
          <dt>{t.network}</dt>
          <dd>{d.asOrganization ?? (d.asn !== null ? `AS${d.asn}` : t.unknown)}</dd>
          <dt>{t.location}</dt>
          <dd>{regionName(d, props.f.locale) ?? t.unknown}</dd>
          <dt>{t.software}</dt>
          <dd>{selfDescription(d.userAgent, props.f.locale) ?? t.unknown}</dd>
          <dt>{t.requested}</dt>
          <dd>
            <When f={props.f} at={d.requestedAt} now={props.now} />
          </dd>
        </dl>
      ) : (
        <p>{t.unavailable}</p>
      )}
      {!risky && (
        <p class="warning" role="note">
          {t.warning}
        </p>
      )}
      <form method="post" action="/device/confirm">
        <Csrf token={props.csrf} />
        {/* Cancel and Deny deny: the device hears access_denied at its next poll (steps/cancel.ts). */}
        {risky ? (
          <div class="actions">
            <button type="submit" class="primary" formaction="/device/cancel">
              {t.risky.deny}
            </button>
            <button type="submit" class="secondary">
              {t.risky.anyway}
            </button>
          </div>
        ) : (
          <div class="actions">
            <button type="submit" class="primary">
              {t.submit}
            </button>
            <button type="submit" class="secondary" formaction="/device/cancel">
              {t.cancel}
            </button>
          </div>
        )}
      </form>
      {/* Its own form and URL: denies like Cancel, and reports the signals (steps/report.ts). */}
      <form method="post" action="/device/report" class="report">
        <Csrf token={props.csrf} />
        <p>{t.report.lead}</p>
        <div class="actions">
          <button type="submit" class="secondary">
            {t.report.button}
          </button>
        </div>
      </form>
    </Layout>
  );
};
