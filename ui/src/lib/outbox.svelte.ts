// The outbox as the clerk sees it: the history of the active connection (which invoices are
// sent, which are waiting), kept fresh, and the notifications about invoices the background
// sends while the clerk types the next one.
//
// The history is loaded again on every submit-status event, after each submit, when another
// connection becomes active, and every POLL_MS while any invoice is waiting. Loads never overlap:
// a reload asked for while one runs happens once, after it.

import * as api from "./api";
import { app } from "./app.svelte";
import { systemName } from "./connectors.svelte";
import { formatDay } from "./format";
import { locale, t } from "./locale.svelte";
import { formatMoney } from "./money";
import type { HistoryEntry, IpcError, SubmissionState, SubmitStatus } from "./types";

/** How often the history is loaded again while an invoice is waiting. */
export const POLL_MS = 15_000;
/** How long a notification that needs nothing from the clerk stays. */
export const TOAST_MS = 8_000;
/** At most this many notifications at once; the oldest that would hide by itself goes first. */
export const MAX_TOASTS = 4;
/**
 * The event with the form's own result may arrive after the command returned, but well before
 * the first background retry (5 s later).
 */
const ECHO_MS = 3_000;

const WAITING: readonly SubmissionState[] = ["queued", "sending", "uncertain"];

export function isWaiting(e: { state: SubmissionState }): boolean {
  return WAITING.includes(e.state);
}

export type ToastKind = "sent" | "waiting" | "uncertain" | "refused";

export interface Toast {
  id: number;
  draftId: string;
  kind: ToastKind;
  /** The state the event reported. */
  state: SubmissionState;
  /** Stays until dismissed (uncertain, refused). */
  sticky: boolean;
  /** The history entry of the invoice; null when it was not found. */
  entry: HistoryEntry | null;
  /** The bookkeeping system the invoice went to. */
  system: string | null;
  /** The connection's name, when it is not the active one. */
  connectionName: string | null;
  /** What the background attempt said, e.g. why it is still waiting. */
  message: string;
}

export const outbox = $state({
  /** The connection `entries` belong to. */
  connectionId: null as string | null,
  entries: [] as HistoryEntry[],
  loaded: false,
  loading: false,
  error: null as IpcError | null,
  toasts: [] as Toast[],
  /** Space taken at the bottom of the view (the totals bar), kept free of notifications. */
  bottomInset: 0,
  /** The draft whose outcome the visible form shows itself; it gets no notification. */
  formShows: null as string | null,
});

/** Waiting invoices of the active connection: not yet sent, not known to be uncertain. */
export function waitingCount(entries: HistoryEntry[] = outbox.entries): number {
  return entries.filter((e) => e.state === "queued" || e.state === "sending").length;
}

/**
 * Invoices of the active connection the clerk should check: arrival uncertain, or the stored
 * invoice cannot be read (needs attention).
 */
export function checkCount(entries: HistoryEntry[] = outbox.entries): number {
  return entries.filter((e) => e.state === "uncertain" || e.state === "needs_attention").length;
}

// ---- loading -------------------------------------------------------------------------------

let inFlight: Promise<void> | null = null;
let again = false;
let pollTimer: ReturnType<typeof setTimeout> | null = null;
let running = false;

/** Loads the history of the active connection; resolves when the newest answer is shown. */
export function refreshOutbox(): Promise<void> {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    try {
      do {
        again = false;
        await loadOnce();
      } while (again);
    } finally {
      inFlight = null;
      schedulePoll();
    }
  })();
  return inFlight;
}

async function loadOnce(): Promise<void> {
  const id = app.activeId;
  if (!id) {
    outbox.connectionId = null;
    outbox.entries = [];
    outbox.loaded = false;
    return;
  }
  outbox.loading = true;
  try {
    const list = await api.history(id);
    if (app.activeId !== id) {
      again = true;
      return;
    }
    outbox.connectionId = id;
    outbox.entries = list;
    outbox.loaded = true;
    outbox.error = null;
  } catch (e) {
    if (app.activeId === id) outbox.error = api.toIpcError(e);
  } finally {
    outbox.loading = false;
  }
}

function schedulePoll(): void {
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
  if (running && outbox.entries.some(isWaiting)) {
    pollTimer = setTimeout(() => void refreshOutbox(), POLL_MS);
  }
}

/** Another connection became active: its counts replace the old ones at once. */
export function showConnection(id: string | null): Promise<void> {
  if (id !== outbox.connectionId) {
    outbox.connectionId = id;
    outbox.entries = [];
    outbox.loaded = false;
    outbox.error = null;
  }
  return refreshOutbox();
}

// ---- the form's own submissions ------------------------------------------------------------

/** Drafts the form is sending, with the states their events reported meanwhile. */
const submitting = new Map<string, Set<SubmissionState>>();
const echoes = new Map<string, { state: SubmissionState; until: number }>();

/** The form starts sending this draft: its events are the form's to show. */
export function beginSubmit(draftId: string): void {
  submitting.set(draftId, new Set());
}

/**
 * The form's submit returned with `state`. Unless its event already came, the event that
 * repeats the result is expected shortly and is not news.
 */
export function endSubmit(draftId: string, state: SubmissionState | null): void {
  const seen = submitting.get(draftId);
  submitting.delete(draftId);
  if (state && !seen?.has(state)) echoes.set(draftId, { state, until: Date.now() + ECHO_MS });
  void refreshOutbox();
}

function isOwn(s: SubmitStatus): boolean {
  const seen = submitting.get(s.draft_id);
  if (seen) {
    seen.add(s.state);
    return true;
  }
  const echo = echoes.get(s.draft_id);
  if (echo) {
    echoes.delete(s.draft_id);
    if (echo.state === s.state && Date.now() <= echo.until) return true;
  }
  return outbox.formShows === s.draft_id;
}

// ---- events and notifications --------------------------------------------------------------

const dismissed = new Set<string>();
const timers = new Map<number, ReturnType<typeof setTimeout>>();
let nextToast = 1;

const KINDS: Partial<Record<SubmissionState, ToastKind>> = {
  sent: "sent",
  queued: "waiting",
  uncertain: "uncertain",
  refused: "refused",
};

/** A submit-status event: the history is loaded again, and a background result is told. */
export async function onSubmitStatus(s: SubmitStatus): Promise<void> {
  const own = isOwn(s);
  const before = findEntry(s.draft_id)?.state;
  await refreshOutbox();
  const kind = KINDS[s.state];
  if (own || !kind) return;
  if (kind === "sent" && before === "sent") return;
  if (dismissed.has(`${s.draft_id}:${s.state}`)) return;
  const found = await locate(s.draft_id);
  pushToast({
    draftId: s.draft_id,
    kind,
    state: s.state,
    sticky: kind === "uncertain" || kind === "refused",
    entry: found?.entry ?? null,
    system: found?.system ?? null,
    connectionName: found?.connectionName ?? null,
    message: s.message,
  });
}

function findEntry(draftId: string): HistoryEntry | undefined {
  return outbox.entries.find((e) => e.draft_id === draftId);
}

/** The invoice's entry: in the active connection's history, else in another connection's. */
async function locate(
  draftId: string,
): Promise<{ entry: HistoryEntry; system: string; connectionName: string | null } | null> {
  const here = findEntry(draftId);
  const active = app.connections.find((c) => c.id === outbox.connectionId);
  if (here && active) return { entry: here, system: systemName(active.kind), connectionName: null };
  for (const c of app.connections) {
    if (c.id === outbox.connectionId || !c.capabilities) continue;
    try {
      const e = (await api.history(c.id)).find((x) => x.draft_id === draftId);
      if (e) return { entry: e, system: systemName(c.kind), connectionName: c.name };
    } catch {
      // Told without the relation's name.
    }
  }
  return null;
}

export function pushToast(toast: Omit<Toast, "id">): Toast {
  for (const old of outbox.toasts.filter((x) => x.draftId === toast.draftId)) dropToast(old.id);
  const full: Toast = { ...toast, id: nextToast++ };
  outbox.toasts.push(full);
  while (outbox.toasts.length > MAX_TOASTS) {
    const victim = outbox.toasts.find((x) => !x.sticky) ?? outbox.toasts[0];
    dropToast(victim.id);
  }
  startTimer(full);
  return full;
}

function startTimer(toast: Toast): void {
  if (toast.sticky) return;
  stopTimer(toast.id);
  timers.set(
    toast.id,
    setTimeout(() => dropToast(toast.id), TOAST_MS),
  );
}

function stopTimer(id: number): void {
  const timer = timers.get(id);
  if (timer) clearTimeout(timer);
  timers.delete(id);
}

function dropToast(id: number): void {
  stopTimer(id);
  const i = outbox.toasts.findIndex((x) => x.id === id);
  if (i >= 0) outbox.toasts.splice(i, 1);
}

/** The clerk closed a notification; the same news about the same invoice is not told again. */
export function dismissToast(id: number): void {
  const toast = outbox.toasts.find((x) => x.id === id);
  if (toast?.sticky) dismissed.add(`${toast.draftId}:${toast.state}`);
  dropToast(id);
}

/** The pointer or focus is on a notification: it does not hide under the clerk's hand. */
export function holdToast(id: number): void {
  stopTimer(id);
}

export function releaseToast(id: number): void {
  const toast = outbox.toasts.find((x) => x.id === id);
  if (toast) startTimer(toast);
}

// ---- start and stop ------------------------------------------------------------------------

/** Listens for submit-status and polls while invoices wait. Returns the function that stops it. */
export function startOutbox(): () => void {
  running = true;
  const un = api.onSubmitStatus((s) => void onSubmitStatus(s));
  un.catch(() => {});
  schedulePoll();
  return () => {
    running = false;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    void un.then((f) => f()).catch(() => {});
  };
}

/** Forgets everything (tests). */
export function resetOutbox(): void {
  for (const id of timers.keys()) stopTimer(id);
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
  running = false;
  inFlight = null;
  again = false;
  submitting.clear();
  echoes.clear();
  dismissed.clear();
  Object.assign(outbox, {
    connectionId: null,
    entries: [],
    loaded: false,
    loading: false,
    error: null,
    toasts: [],
    bottomInset: 0,
    formShows: null,
  });
}

// ---- shared wording ------------------------------------------------------------------------

/** What the clerk can look for in the bookkeeping system when arrival is uncertain. */
export function checkSentence(p: {
  system: string;
  relation: string;
  amount: string;
  date: string | null;
  number?: string | null;
}): string {
  const lang = locale.lang;
  const amount = formatMoney(p.amount, lang);
  const base = p.date
    ? t("uncertain.check", { system: p.system, relation: p.relation, amount, date: formatDay(p.date, lang) })
    : t("uncertain.check.no_date", { system: p.system, relation: p.relation, amount });
  return p.number ? `${base} ${t("uncertain.number", { number: p.number })}` : base;
}
