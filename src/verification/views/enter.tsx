import type { Copy } from "../locale";
import { CHARSETS, formatUserCode, type UserCodeFormat } from "../user-code";
import { Csrf, type Frame, Layout } from "./layout";

export type EnterError = "invalid" | "malformed";

const copy: Copy<{
  title: string;
  lead: string;
  label: string;
  hint: (format: UserCodeFormat, example: string) => string;
  submit: string;
  errors: Record<EnterError, (format: UserCodeFormat) => string>;
}> = {
  en: {
    title: "Connect a device",
    lead: "Enter the code shown on your TV or other device.",
    label: "Code",
    hint: (f, ex) => `${f.length} ${f.charset === "NUMERIC" ? "digits" : "letters"}, like ${ex}. Dashes and spaces are optional.`,
    submit: "Continue",
    errors: {
      invalid: () => "This code is invalid or has expired. Check the code on your device and try again.",
      malformed: (f) => `That doesn't look like a code from your device. Enter the ${f.length} ${f.charset === "NUMERIC" ? "digits" : "letters"} it shows.`,
    },
  },
  ja: {
    title: "デバイスを接続",
    lead: "テレビなどのデバイスに表示されているコードを入力してください。",
    label: "コード",
    hint: (f, ex) => `${f.charset === "NUMERIC" ? `${f.length}桁の数字` : `${f.length}文字の英字`}（例: ${ex}）。ハイフンやスペースは省略できます。`,
    submit: "続ける",
    errors: {
      invalid: () => "このコードは無効か、有効期限が切れています。デバイスに表示されているコードを確認して、もう一度入力してください。",
      malformed: (f) => `デバイスに表示されている${f.charset === "NUMERIC" ? `${f.length}桁の数字` : `${f.length}文字のコード`}を入力してください。`,
    },
  },
};

/** An example in the service's own alphabet and length, grouped as codes are shown back. */
const example = (f: UserCodeFormat) => formatUserCode((f.charset === "NUMERIC" ? "019450730123456789012" : CHARSETS.BASE20).slice(0, f.length));

export const EnterPage = (props: { f: Frame; csrf: string; format: UserCodeFormat; value?: string; error?: EnterError }) => {
  const t = copy[props.f.locale];
  const describedBy = props.error ? "code-error code-hint" : "code-hint";
  return (
    <Layout f={props.f} title={t.title}>
      <h1>{t.title}</h1>
      <p>{t.lead}</p>
      <form method="post" action="/device" novalidate>
        <Csrf token={props.csrf} />
        <label for="code">{t.label}</label>
        <input
          id="code"
          name="user_code"
          class="code"
          type="text"
          value={props.value ?? ""}
          inputmode={props.format.charset === "NUMERIC" ? "numeric" : "text"}
          autocomplete="off"
          autocapitalize="characters"
          autocorrect="off"
          spellcheck={false}
          required
          autofocus
          aria-describedby={describedBy}
          aria-invalid={props.error ? "true" : undefined}
        />
        {props.error && (
          <p id="code-error" class="error" role="alert">
            {t.errors[props.error](props.format)}
          </p>
        )}
        <p id="code-hint" class="hint">
          {t.hint(props.format, example(props.format))}
        </p>
        <div class="actions">
          <button type="submit" class="primary">
            {t.submit}
          </button>
        </div>
      </form>
    </Layout>
  );
};
