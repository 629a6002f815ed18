import type { Copy, Locale } from "./locale";

/**
 * A few words for a User-Agent ("Chrome on Android", "Smart TV (Tizen)", "A program (curl)").
 * Only the common shapes; anything else gets no name. The agent is whatever the device sent, a
 * phishing kit sends a television's as easily as its own: so the page says it as the device's
 * claim (`selfDescription`), and never shows the raw text, which is free text the device chose.
 */
const TV: [RegExp, string][] = [
  [/Tizen/, "Tizen"],
  [/Web0S|webOS|NetCast/i, "webOS"],
  [/BRAVIA/, "BRAVIA"],
  [/AppleTV|tvOS/, "Apple TV"],
  [/Roku/, "Roku"],
  [/\bAFT[A-Z]/, "Fire TV"],
  [/CrKey/, "Chromecast"],
  [/Android TV|GoogleTV|\bTV\b.*Android|Android.*\bTV\b/, "Android TV"],
  [/SMART-?TV|SmartTV|HbbTV|VIDAA|Viera|AQUOS/i, ""],
];
const CONSOLE: [RegExp, string][] = [
  [/PlayStation/, "PlayStation"],
  [/Xbox/, "Xbox"],
  [/Nintendo/, "Nintendo"],
];
const PROGRAM: [RegExp, string][] = [
  [/^curl\//, "curl"],
  [/^Wget\//, "Wget"],
  [/python-requests|Python-urllib|aiohttp|python-httpx/i, "Python"],
  [/^Go-http-client/, "Go"],
  [/^(node|undici|axios|node-fetch)\b/i, "Node.js"],
  [/okhttp/i, "OkHttp"],
  [/^Java\//, "Java"],
];
const BROWSER: [RegExp, string][] = [
  [/Edg(A|iOS)?\//, "Edge"],
  [/OPR\//, "Opera"],
  [/SamsungBrowser/, "Samsung Internet"],
  [/Firefox\/|FxiOS/, "Firefox"],
  [/CriOS|Chrome\//, "Chrome"],
  [/Version\/[\d.]+.*Safari/, "Safari"],
];
const OS: [RegExp, string][] = [
  [/iPhone/, "iPhone"],
  [/iPad/, "iPad"],
  [/Android/, "Android"],
  [/Windows/, "Windows"],
  [/CrOS/, "ChromeOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

const copy: Copy<{
  tv: (p: string) => string;
  console: (p: string) => string;
  program: (p: string) => string;
  on: (b: string, os: string) => string;
  says: (name: string) => string;
}> = {
  en: {
    tv: (p) => (p ? `Smart TV (${p})` : "Smart TV"),
    console: (p) => `Game console (${p})`,
    program: (p) => `A program (${p})`,
    on: (b, os) => `${b} on ${os}`,
    says: (name) => `Says it is: ${name}`,
  },
  ja: {
    tv: (p) => (p ? `スマートテレビ（${p}）` : "スマートテレビ"),
    console: (p) => `ゲーム機（${p}）`,
    program: (p) => `プログラム（${p}）`,
    on: (b, os) => `${os} の ${b}`,
    says: (name) => `自己申告: ${name}`,
  },
};

const find = (ua: string, table: [RegExp, string][]) => table.find(([re]) => re.test(ua))?.[1];

export function describeSoftware(ua: string, locale: Locale): string | null {
  const t = copy[locale];
  const tv = find(ua, TV);
  if (tv !== undefined) return t.tv(tv);
  const console = find(ua, CONSOLE);
  if (console) return t.console(console);
  const program = find(ua, PROGRAM);
  if (program) return t.program(program);
  const [browser, os] = [find(ua, BROWSER), find(ua, OS)];
  return browser && os ? t.on(browser, os) : (browser ?? null);
}

/**
 * The friendly name as what it is, the device's own word for itself ("Says it is: Smart TV
 * (Tizen)", 「自己申告: スマートテレビ（Tizen）」), never a reassuring label of fact; null when
 * the agent is missing or has no name here.
 */
export function selfDescription(ua: string | null, locale: Locale): string | null {
  const name = ua ? describeSoftware(ua, locale) : null;
  return name ? copy[locale].says(name) : null;
}
