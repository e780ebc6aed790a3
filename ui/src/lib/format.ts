// Formatting of things that are not money: file sizes, dates and times.

import type { Lang } from "./types";

/** "12 kB", "1,4 MB" / "1.4 MB". Sizes are counts of bytes, not money. */
export function formatBytes(bytes: number, lang: Lang): string {
  const sep = lang === "nl" ? "," : ".";
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} kB`;
  const mb = Math.round(bytes / 100_000) / 10;
  const s = Number.isInteger(mb) ? String(mb) : mb.toFixed(1).replace(".", sep);
  return `${s} MB`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "10:42" in local time. */
export function formatTime(iso: string): string {
  const d = parse(iso);
  return d ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : iso;
}

/** "21-11-2025" (nl) or "21/11/2025" (en), local time. */
export function formatDate(iso: string, lang: Lang): string {
  const d = parse(iso);
  if (!d) return iso;
  const sep = lang === "nl" ? "-" : "/";
  return `${pad(d.getDate())}${sep}${pad(d.getMonth() + 1)}${sep}${d.getFullYear()}`;
}

/**
 * A calendar date as the Rust side sends it ("2025-11-21") as "21-11-2025" / "21/11/2025", read
 * as text so that no time zone can move it to another day. Anything else goes to formatDate.
 */
export function formatDay(date: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return formatDate(date, lang);
  const sep = lang === "nl" ? "-" : "/";
  return `${m[3]}${sep}${m[2]}${sep}${m[1]}`;
}

/**
 * How a date is typed and shown, the same whatever the operating system's locale: dd-mm-jjjj
 * in Dutch, dd/mm/yyyy in English (day first in both, as in the Netherlands and Belgium).
 */
export function datePattern(lang: Lang): string {
  return lang === "nl" ? "dd-mm-jjjj" : "dd/mm/yyyy";
}

function isoDay(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${String(y).padStart(4, "0")}-${pad(m)}-${pad(d)}`;
}

/**
 * A typed date as "YYYY-MM-DD", or null when it is no date. Day first in either language:
 * "21-11-2026", "21/11/2026", "21.11.2026", "21 11 2026", "1-3-26" (20yy), "21112026",
 * "211126"; and the ISO form "2026-11-21" as a date field or a paste may give it.
 */
export function parseDay(text: string): string | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (m) return isoDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\s*[-/.\s]\s*(\d{1,2})\s*[-/.\s]\s*(\d{4}|\d{2})$/.exec(s);
  if (!m) m = /^(\d{2})(\d{2})(\d{4}|\d{2})$/.exec(s);
  if (!m) return null;
  const y = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  return isoDay(y, Number(m[2]), Number(m[1]));
}

/** A date as the form shows it: "YYYY-MM-DD" in the language's format; anything else as is. */
export function showDay(value: string, lang: Lang): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? formatDay(value, lang) : value;
}

/** The day before or after an ISO date ("YYYY-MM-DD"), for the arrow keys. */
export function addDays(iso: string, n: number): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n));
  return isoDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

const MONTHS: Record<Lang, string[]> = {
  nl: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
};
const WEEKDAYS: Record<Lang, string[]> = {
  nl: ["ma", "di", "wo", "do", "vr", "za", "zo"],
  en: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
};

/** "november 2026" / "November 2026", from fixed names (no system locale). */
export function monthTitle(year: number, month: number, lang: Lang): string {
  return `${MONTHS[lang][month - 1] ?? ""} ${year}`;
}

/** Short weekday names, Monday first. */
export function weekdayNames(lang: Lang): string[] {
  return WEEKDAYS[lang];
}

/**
 * The days a month's calendar shows: whole weeks from Monday, as "YYYY-MM-DD", with the days
 * of the months around it to fill the first and last week.
 */
export function monthGrid(year: number, month: number): string[] {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const offset = (first.getUTCDay() + 6) % 7; // Monday = 0
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const weeks = Math.ceil((offset + days) / 7);
  const out: string[] = [];
  for (let i = 0; i < weeks * 7; i++) {
    const d = new Date(Date.UTC(year, month - 1, 1 - offset + i));
    out.push(`${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`);
  }
  return out;
}

/** Today as "YYYY-MM-DD", local time. */
export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Time only when the moment is today, otherwise date and time. */
export function formatMoment(iso: string, lang: Lang, now: Date = new Date()): string {
  const d = parse(iso);
  if (!d) return iso;
  const today =
    d.getFullYear() === now.getFullYear() &&
    d.getMonth() === now.getMonth() &&
    d.getDate() === now.getDate();
  return today ? formatTime(iso) : `${formatDate(iso, lang)} ${formatTime(iso)}`;
}

/** One line for a list: "Olof Palmestraat 10, 2616 LR Delft" (the country when not NL). */
export function formatAddress(a: {
  street: string;
  house_number: string;
  postal_code: string;
  city: string;
  country: string;
}): string {
  const street = `${a.street} ${a.house_number}`.trim();
  const place = `${a.postal_code} ${a.city}`.trim();
  const parts = [street, place];
  const c = a.country.trim();
  if (c !== "" && c !== "Nederland" && c !== "NL") parts.push(c);
  return parts.filter((p) => p !== "").join(", ");
}

/**
 * What a "sent" message says beyond restating the invoice's id or number: the back end's notes,
 * e.g. a total that differs from the preview. Null when the message restates nothing (it is
 * then shown as it is); otherwise the remaining sentences, possibly none.
 */
export function sentNotes(
  message: string,
  remoteId: string | null,
  number: string | null,
): string[] | null {
  const text = message.trim();
  if (text === "") return [];
  const names = [remoteId, number].filter((x): x is string => !!x);
  const lines = text.split(/\n+/).map((l) => l.trim()).filter(Boolean);
  const first = lines[0].split(/(?<=[.!?])\s+/);
  if (!names.some((n) => first[0].includes(n))) return null;
  return [...first.slice(1), ...lines.slice(1)].map((s) => s.trim()).filter(Boolean);
}
