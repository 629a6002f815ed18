import type { Identity } from "../../auth/authenticator";
import type { PageConfig } from "../../config";
import type { ActiveFlow } from "../../session/flow";
import type { Copy } from "../locale";
import { regionName } from "../places";
import { claimLabel, claimValue, scopeDescription } from "../scopes";
import { selfDescription } from "../software";
import { formatUserCode } from "../user-code";
import { Expiry } from "./bits";
import { Csrf, FocusHeading, type Frame, Layout } from "./layout";

const copy: Copy<{
  title: string;
  lead: (client: string) => string;
  unnamed: string;
  signedInAs: string;
  via: (provider: string) => string;
  switchAccount: string;
  scopes: string;
  withheld: { title: string; lead: (client: string) => string };
  claims: string;
  resources: string;
  details: string;
  code: string;
  device: string;
  sep: string;
  approve: string;
  deny: string;
}> = {
  en: {
    title: "Allow access?",
    lead: (client) => `${client} wants to access your account.`,
    unnamed: "An application",
    signedInAs: "Signed in as",
    via: (provider) => `with ${provider}`,
    switchAccount: "Use another account",
    scopes: "It will be able to",
    withheld: {
      title: "Not offered",
      lead: (client) => `${client} also asked for the following. It is not allowed them here, so it will not get them:`,
    },
    claims: "It will receive",
    resources: "For these services",
    details: "Details of the request",
    code: "Code",
    device: "Device",
    sep: " · ",
    approve: "Approve",
    deny: "Deny",
  },
  ja: {
    title: "アクセスを許可しますか？",
    lead: (client) => `${client} があなたのアカウントへのアクセスを求めています。`,
    unnamed: "アプリケーション",
    signedInAs: "サインイン中:",
    via: (provider) => `（${provider}）`,
    switchAccount: "別のアカウントを使う",
    scopes: "許可される内容",
    withheld: {
      title: "提供されない内容",
      lead: (client) => `${client} は次の内容も求めていますが、ここでは許可されていないため提供されません:`,
    },
    claims: "提供される情報",
    resources: "対象のサービス",
    details: "リクエストの詳細",
    code: "コード",
    device: "デバイス",
    sep: "・",
    approve: "許可する",
    deny: "拒否する",
  },
};

/** Each scope as people read it, with its name beside; a scope without a description by its name. */
const Scopes = (props: { scopes: string[]; f: Frame; page: PageConfig }) => (
  <ul class="list">
    {props.scopes.map((s) => {
      const text = scopeDescription(s, props.f.locale, props.page.scopeDescriptions);
      return (
        <li>
          {text ?? <span class="mono">{s}</span>}
          {text && <span class="muted mono"> ({s})</span>}
        </li>
      );
    })}
  </ul>
);

export const ConsentPage = (props: { f: Frame; csrf: string; flow: ActiveFlow; identity: Identity; page: PageConfig; canSwitch: boolean; now: number }) => {
  const { f, flow, identity } = props;
  const t = copy[f.locale];
  // Exactly what /device/complete will send: the requested claims this user has.
  const released = flow.claimNames.flatMap((name) => {
    const value = claimValue(name, identity.claims[name], f.locale);
    return value === null ? [] : [[name, value] as const];
  });
  const withheld = flow.policy?.withheld ?? [];
  // Which device and code this approves, once more: the person may have opened several.
  const d = flow.device;
  // As on the confirm page: the region, and what the device says it is; never its address, city or raw User-Agent.
  const device = d && [regionName(d, f.locale), selfDescription(d.userAgent, f.locale)].filter(Boolean).join(t.sep);
  return (
    <Layout f={f} title={t.title}>
      <FocusHeading>{t.title}</FocusHeading>
      <p>{t.lead(flow.clientName ?? t.unnamed)}</p>
      <dl class="details">
        <dt>{t.code}</dt>
        <dd class="mono">{formatUserCode(flow.userCode)}</dd>
        {device && (
          <>
            <dt>{t.device}</dt>
            <dd>{device}</dd>
          </>
        )}
      </dl>
      <Expiry f={f} expiresAt={flow.expiresAt} now={props.now} />
      <div class="who">
        <span>
          {t.signedInAs} <strong>{identity.label}</strong>
          {identity.via && <span class="muted"> {t.via(identity.via)}</span>}
        </span>
        {props.canSwitch && (
          <form method="post" action="/device/sign-out">
            <Csrf token={props.csrf} />
            <button type="submit" class="link">
              {t.switchAccount}
            </button>
          </form>
        )}
      </div>
      {flow.scopes.length > 0 && (
        <>
          <h2>{t.scopes}</h2>
          <Scopes scopes={flow.scopes} f={f} page={props.page} />
        </>
      )}
      {/* What the client's policy does not allow it (CLIENT_POLICY scopes): named, so the person knows it was asked and is not given. */}
      {withheld.length > 0 && (
        <>
          <h2>{t.withheld.title}</h2>
          <p>{t.withheld.lead(flow.clientName ?? t.unnamed)}</p>
          <Scopes scopes={withheld} f={f} page={props.page} />
        </>
      )}
      {released.length > 0 && (
        <>
          <h2>{t.claims}</h2>
          <ul class="list">
            {released.map(([name, value]) => (
              <li>
                {claimLabel(name, f.locale) ?? <span class="mono">{name}</span>}
                <span class="muted">: {value}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {flow.resources.length > 0 && (
        <>
          <h2>{t.resources}</h2>
          <ul class="list">
            {flow.resources.map((r) => (
              <li class="mono">{r}</li>
            ))}
          </ul>
        </>
      )}
      {flow.authorizationDetails.length > 0 && (
        <>
          <h2>{t.details}</h2>
          <ul class="list">
            {flow.authorizationDetails.map((d) => (
              <li>
                <strong class="mono">{String(d["type"])}</strong>
                <pre>{JSON.stringify(d, null, 2)}</pre>
              </li>
            ))}
          </ul>
        </>
      )}
      <form method="post" action="/device/consent">
        <Csrf token={props.csrf} />
        <div class="actions">
          <button type="submit" name="action" value="approve" class="primary">
            {t.approve}
          </button>
          <button type="submit" name="action" value="deny" class="secondary">
            {t.deny}
          </button>
        </div>
      </form>
    </Layout>
  );
};
