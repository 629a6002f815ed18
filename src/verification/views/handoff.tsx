import type { Copy } from "../locale";
import { type Frame, Layout } from "./layout";

const copy: Copy<{ title: (provider: string) => string; body: string; link: (provider: string) => string }> = {
  en: {
    title: (provider) => `Continuing to ${provider}…`,
    body: "You'll sign in there and come back here to finish.",
    link: (provider) => `Continue to ${provider}`,
  },
  ja: {
    title: (provider) => `${provider} に移動しています…`,
    body: "そこでサインインすると、ここに戻って続きを行います。",
    link: (provider) => `${provider} に進む`,
  },
};

/**
 * The answer to a provider button: a page that moves on to the provider by itself (meta
 * refresh, no JavaScript) with a link for the rare browser that does not. Not a 303: browsers
 * that enforce CSP `form-action` on the redirects after a form post (Chromium does) would
 * block a redirect from our POST to the provider's origin, and form-action stays 'self'.
 */
export const HandoffPage = (props: { f: Frame; provider: string; url: string }) => {
  const t = copy[props.f.locale];
  return (
    <Layout f={props.f} title={t.title(props.provider)} refresh={props.url}>
      <h1>{t.title(props.provider)}</h1>
      <p>{t.body}</p>
      <p>
        <a href={props.url}>{t.link(props.provider)}</a>
      </p>
    </Layout>
  );
};
