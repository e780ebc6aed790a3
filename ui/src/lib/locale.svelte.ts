// The current UI language as reactive state, and the translation helpers components use.

import { translate, translatePlural, type MessageKey, type Params, type PluralKey } from "./i18n";
import type { Lang, Text } from "./types";

export const locale = $state<{ lang: Lang }>({ lang: "en" });

export function setLocale(lang: Lang): void {
  locale.lang = lang;
  if (typeof document !== "undefined") document.documentElement.lang = lang;
}

/** A UI text in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return translate(locale.lang, key, params);
}

/** A UI text with singular and plural forms, chosen by `n`. */
export function tn(key: PluralKey, n: number, params?: Params): string {
  return translatePlural(locale.lang, key, n, params);
}

/** A text the back end sent in both languages. */
export function pick(text: Text | null | undefined): string {
  if (!text) return "";
  return text[locale.lang] || text.en || text.nl;
}
