import type { PageConfig } from "../config";
import type { Copy, Locale } from "./locale";

/**
 * Human descriptions of scopes and claims. Authlete returns scopes without descriptions
 * (contract §3.2), so they come from here, overridable per scope with SCOPE_DESCRIPTIONS.
 */
const SCOPES: Copy<Record<string, string>> = {
  en: {
    openid: "Confirm who you are",
    profile: "See your basic profile, such as your name and picture",
    email: "See your email address",
    offline_access: "Stay connected while you are not using it, until you remove its access",
  },
  ja: {
    openid: "あなたが誰であるかの確認",
    profile: "名前や写真など、基本的なプロフィールの参照",
    email: "メールアドレスの参照",
    offline_access: "使っていない間も接続を維持（アクセスを取り消すまで）",
  },
};

const CLAIMS: Copy<Record<string, string>> = {
  en: {
    name: "Name",
    given_name: "Given name",
    family_name: "Family name",
    middle_name: "Middle name",
    nickname: "Nickname",
    preferred_username: "Username",
    profile: "Profile page",
    picture: "Picture",
    website: "Website",
    email: "Email address",
    email_verified: "Whether your email address is verified",
    gender: "Gender",
    birthdate: "Date of birth",
    zoneinfo: "Time zone",
    locale: "Language",
    phone_number: "Phone number",
    phone_number_verified: "Whether your phone number is verified",
    address: "Address",
    updated_at: "When your profile was last updated",
  },
  ja: {
    name: "氏名",
    given_name: "名",
    family_name: "姓",
    middle_name: "ミドルネーム",
    nickname: "ニックネーム",
    preferred_username: "ユーザー名",
    profile: "プロフィールページ",
    picture: "写真",
    website: "ウェブサイト",
    email: "メールアドレス",
    email_verified: "メールアドレスが確認済みかどうか",
    gender: "性別",
    birthdate: "生年月日",
    zoneinfo: "タイムゾーン",
    locale: "言語",
    phone_number: "電話番号",
    phone_number_verified: "電話番号が確認済みかどうか",
    address: "住所",
    updated_at: "プロフィールの最終更新日時",
  },
};

export function scopeDescription(scope: string, locale: Locale, configured: PageConfig["scopeDescriptions"]): string | null {
  const own = configured[scope];
  return own?.[locale] ?? SCOPES[locale][scope] ?? own?.en ?? null;
}

export function claimLabel(claim: string, locale: Locale): string | null {
  return CLAIMS[locale][claim] ?? null;
}

const VALUES: Copy<{ yes: string; no: string; verified: string; unverified: string }> = {
  en: { yes: "Yes", no: "No", verified: "Yes", unverified: "No" },
  ja: { yes: "はい", no: "いいえ", verified: "確認済み", unverified: "未確認" },
};

/**
 * A claim's value as a person reads it: `email_verified: true` → "Yes" / "確認済み",
 * `locale: "en"` → "English" / "英語", `updated_at` as a date, an address as its lines;
 * anything else as text (objects as JSON, which is what the client will receive).
 */
export function claimValue(claim: string, value: unknown, locale: Locale): string | null {
  if (value === undefined || value === null) return null;
  const v = VALUES[locale];
  if (typeof value === "boolean") return claim.endsWith("_verified") ? (value ? v.verified : v.unverified) : value ? v.yes : v.no;
  if (claim === "locale" && typeof value === "string") {
    try {
      return new Intl.DisplayNames([locale], { type: "language" }).of(value) ?? value;
    } catch {
      return value;
    }
  }
  if (claim === "updated_at" && typeof value === "number")
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(value * 1000);
  if (claim === "address" && typeof value === "object") {
    const a = value as Record<string, unknown>;
    if (typeof a["formatted"] === "string") return a["formatted"];
    const parts = ["street_address", "locality", "region", "postal_code", "country"].map((k) => a[k]).filter((x) => typeof x === "string");
    if (parts.length) return parts.join(", ");
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}
