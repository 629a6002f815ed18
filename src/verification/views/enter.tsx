import type { Copy } from "../locale";
import { CHARSETS, type CodeProblem, formatUserCode, type UserCodeFormat } from "../user-code";
import { Csrf, type Frame, Layout } from "./layout";

/** A code Authlete does not know (or no longer), or one that cannot be a code at all. */
export type EnterError = "invalid" | CodeProblem;

const copy: Copy<{
  title: string;
  lead: string;
  /** A verification_uri_complete link filled the code in; nothing has been checked yet. */
  prefilled: { title: string; lead: string; replacing: (code: string) => string };
  label: string;
  hint: (format: UserCodeFormat, example: string) => string;
  submit: string;
  errors: Record<EnterError, (format: UserCodeFormat) => string>;
  remaining: (n: number) => string;
}> = {
  en: {
    title: "Connect a device",
    lead: "Enter the code shown on your TV or other device.",
    prefilled: {
      title: "Connect this device?",
      lead: "The link you opened filled in this code. Check that it is the code on your device, then choose Continue.",
      replacing: (code) => `You were connecting another device (code ${code}). Continuing stops that and starts this one instead.`,
    },
    label: "Code",
    hint: (f, ex) => `${f.length} ${f.charset === "NUMERIC" ? "digits" : "letters"}, like ${ex}. Dashes and spaces are optional.`,
    submit: "Continue",
    errors: {
      invalid: () => "This code is invalid or has expired. Check the code on your device and try again.",
      length: (f) =>
        `That doesn't look like a code from your device. Codes have ${f.length} ${f.charset === "NUMERIC" ? "digits" : "letters"}: check the code on your device and enter all of it.`,
      charset: (f) =>
        f.charset === "NUMERIC"
          ? "That doesn't look like a code from your device. Codes use only digits (0–9)."
          : `That doesn't look like a code from your device. Codes use only these letters, never vowels or digits: ${spaced(CHARSETS.BASE20)}.`,
    },
    remaining: (n) =>
      n === 0
        ? "That was the last try for now: the next one will be refused for a while."
        : `${n} ${n === 1 ? "try" : "tries"} left before code entry is paused.`,
  },
  ja: {
    title: "デバイスを接続",
    lead: "テレビなどのデバイスに表示されているコードを入力してください。",
    prefilled: {
      title: "このデバイスを接続しますか？",
      lead: "開いたリンクによって、このコードが入力されました。お使いのデバイスに表示されているコードと同じか確認してから「続ける」を選んでください。",
      replacing: (code) => `別のデバイス（コード ${code}）の接続が途中です。続けると、そちらをやめてこちらの接続を始めます。`,
    },
    label: "コード",
    hint: (f, ex) => `${f.charset === "NUMERIC" ? `${f.length}桁の数字` : `${f.length}文字の英字`}（例: ${ex}）。ハイフンやスペースは省略できます。`,
    submit: "続ける",
    errors: {
      invalid: () => "このコードは無効か、有効期限が切れています。デバイスに表示されているコードを確認して、もう一度入力してください。",
      length: (f) =>
        `デバイスに表示されたコードではないようです。コードは${f.charset === "NUMERIC" ? `${f.length}桁の数字` : `${f.length}文字の英字`}です。デバイスのコードを確認して、すべて入力してください。`,
      charset: (f) =>
        f.charset === "NUMERIC"
          ? "デバイスに表示されたコードではないようです。コードに使われるのは数字（0〜9）だけです。"
          : `デバイスに表示されたコードではないようです。コードに使われるのは次の英字だけで、母音や数字は含まれません: ${spaced(CHARSETS.BASE20)}。`,
    },
    remaining: (n) => (n === 0 ? "今回が最後の試行でした。しばらくの間、次の入力は受け付けられません。" : `コード入力が停止されるまで、あと ${n} 回試せます。`),
  },
};

const spaced = (letters: string) => [...letters].join(" ");

/** An example in the service's own alphabet and length, grouped as codes are shown back. */
const example = (f: UserCodeFormat) => formatUserCode((f.charset === "NUMERIC" ? "019450730123456789012" : CHARSETS.BASE20).slice(0, f.length));

export const EnterPage = (props: {
  f: Frame;
  csrf: string;
  format: UserCodeFormat;
  value?: string;
  error?: EnterError;
  /** The code came from a link: say so, and let the person check it before anything is asked. */
  prefilled?: boolean;
  /** The code of a verification in progress that continuing would replace. */
  replacing?: string | undefined;
  /** Attempts left before the guessing budget pauses code entry, when few remain. */
  remaining?: number | undefined;
}) => {
  const t = copy[props.f.locale];
  const describedBy = props.error ? "code-error code-hint" : "code-hint";
  const title = props.prefilled ? t.prefilled.title : t.title;
  return (
    <Layout f={props.f} title={title} error={!!props.error}>
      <h1>{title}</h1>
      <p>{props.prefilled ? t.prefilled.lead : t.lead}</p>
      {props.replacing && (
        <p class="warning" role="note">
          {t.prefilled.replacing(props.replacing)}
        </p>
      )}
      <form method="post" action="/device" novalidate>
        <Csrf token={props.csrf} />
        <label for="code">{t.label}</label>
        <input
          id="code"
          name="user_code"
          class={example(props.format).length > 12 ? "code long" : "code"}
          type="text"
          value={props.value ?? ""}
          inputmode={props.format.charset === "NUMERIC" ? "numeric" : "text"}
          autocomplete="off"
          autocapitalize="characters"
          autocorrect="off"
          spellcheck={false}
          required
          autofocus={!props.prefilled}
          aria-describedby={describedBy}
          aria-invalid={props.error ? "true" : undefined}
        />
        {props.error && (
          <p id="code-error" class="error" role="alert">
            {t.errors[props.error](props.format)}
            {props.remaining !== undefined && ` ${t.remaining(props.remaining)}`}
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
