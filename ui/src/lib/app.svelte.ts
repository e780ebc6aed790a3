// Application-wide state: the app info, the connections and which one is in use, its
// administrations and sync status, the current view and the global error banner.

import * as api from "./api";
import { toIpcError } from "./api";
import { setConnectors } from "./connectors.svelte";
import { setLocale } from "./locale.svelte";
import { mark } from "./marks";
import { isReady } from "./types";
import type {
  Administration,
  AppInfo,
  ConnectionView,
  DraftView,
  FirstAnswers,
  IpcError,
  Lang,
  StartedDraft,
  SyncStatus,
} from "./types";

export type View = "invoice" | "history" | "settings";

export const app = $state({
  ready: false,
  info: null as AppInfo | null,
  connections: [] as ConnectionView[],
  activeId: null as string | null,
  administrations: [] as Administration[],
  administrationsError: null as IpcError | null,
  sync: null as SyncStatus | null,
  view: "invoice" as View,
  error: null as IpcError | null,
  /** A draft just started from an invoice in History, for the form to show (then null). */
  started: null as StartedDraft | null,
});

/** Shows a draft started from an invoice ("Start from this invoice") in the form. */
export function showStarted(s: StartedDraft): void {
  app.started = s;
  app.view = "invoice";
}

export function activeConnection(): ConnectionView | null {
  return app.connections.find((c) => c.id === app.activeId) ?? null;
}

/** The connection to start with: the active one, else the first real one, else the demo. */
export function chooseConnection(list: ConnectionView[], last: string | null): string | null {
  if (last && list.some((c) => c.id === last)) return last;
  return (list.find((c) => !c.demo) ?? list[0])?.id ?? null;
}

export function showError(e: unknown): void {
  app.error = toIpcError(e);
}

let unlistenSync: Promise<api.UnlistenFn> | null = null;

/**
 * The open draft of the connection the app starts on, asked for as soon as that connection is
 * known (together with its sync status), so the form can show with it at once instead of
 * asking only once it is on the page. Taken once, by the first form of that connection.
 */
let firstDraft: { connectionId: string; view: DraftView } | null = null;

/** The draft read at start for this connection, once; null when there is none (then the form
 * asks itself, and says so when that fails). */
export function takeFirstDraft(connectionId: string): DraftView | null {
  const f = firstDraft;
  firstDraft = null;
  return f && f.connectionId === connectionId ? f.view : null;
}

/** Whether the app shows an invoice form for this connection (it is ready and takes invoices). */
function hasForm(conn: ConnectionView | undefined): boolean {
  return !!conn && isReady(conn) && conn.capabilities.creates_invoices;
}

/**
 * The number of the newest sync status shown per connection. A command's reply and the events
 * travel separately and can arrive out of order; a snapshot older than the one shown is ignored,
 * so a late reply saying "running" never hides the event that said the refresh ended.
 */
const shownSeq = new Map<string, number>();

/** Shows a sync status snapshot unless it belongs elsewhere or is older than what is shown. */
export function applySync(s: SyncStatus): boolean {
  if (s.connection_id !== app.activeId) return false;
  const last = shownSeq.get(s.connection_id);
  if (last !== undefined && s.seq <= last) return false;
  shownSeq.set(s.connection_id, s.seq);
  app.sync = s;
  return true;
}

/** Forgets the snapshots shown and the listener (for tests: a fresh start). */
export function resetSync(): void {
  shownSeq.clear();
  firstDraft = null;
  unlistenSync = null;
}

/** The first answers, asked for by [`begin`] before the page is drawn; taken once by [`init`]. */
let early: ReturnType<typeof firstAnswers> | null = null;

function firstAnswers() {
  // Listening before the status is asked for (in activate): an event sent after the reply was
  // made is not missed (the reply alone would then be the last word).
  const listening = listenSync();
  // One answer with everything the first form needs, its draft included; should it fail, the
  // parts are asked for one by one, each showing its own error.
  const answers = (takeAsked() ?? api.firstAnswers()).then(
    (all) => ({
      all,
      parts: [
        { status: "fulfilled", value: all.info },
        { status: "fulfilled", value: all.connectors },
        { status: "fulfilled", value: all.connections },
      ] as const,
    }),
    () =>
      Promise.allSettled([api.appInfo(), api.listConnectors(), api.listConnections()] as const).then(
        (parts) => ({ all: null, parts }),
      ),
  );
  return { listening, answers };
}

declare global {
  interface Window {
    /** The first answers, asked for by the page (index.html) while its script loads. */
    __firstAnswers?: Promise<FirstAnswers>;
  }
}

/** The first answers the page asked for before this script ran, once (then `undefined`). */
function takeAsked(): Promise<FirstAnswers> | undefined {
  const asked = typeof window === "undefined" ? undefined : window.__firstAnswers;
  if (asked) delete window.__firstAnswers;
  return asked;
}

/**
 * Asks for the first answers before the page is drawn, so the Rust side works on them while
 * the page's script draws its first frame; [`init`] then takes them.
 */
export function begin(): void {
  mark("begin");
  early = firstAnswers();
}

export async function init(): Promise<void> {
  mark("init");
  const { listening, answers } = early ?? firstAnswers();
  early = null;
  const { all, parts } = await answers;
  const [info, connectors, connections] = parts;
  if (info.status === "fulfilled") {
    app.info = info.value;
    setLocale(info.value.lang);
  } else {
    showError(info.reason);
  }
  if (connectors.status === "fulfilled") setConnectors(connectors.value);
  else showError(connectors.reason);
  if (connections.status === "fulfilled") app.connections = connections.value;
  else showError(connections.reason);
  mark("answers");
  await listening;
  const active = app.info?.active_connection_id ?? null;
  const id = chooseConnection(app.connections, active);
  let activating: Promise<void> = Promise.resolve();
  if (id) {
    // The form's draft is asked for together with the sync status and the administrations,
    // and the form shows once it is in (it takes a few milliseconds), so the page is drawn once,
    // with the customer field ready, rather than empty first.
    const given = all?.draft?.connection_id === id ? all.draft.view : null;
    const draft = hasForm(app.connections.find((c) => c.id === id))
      ? given
        ? Promise.resolve(given)
        : api.currentDraft(id)
      : null;
    activating = activate(id, id !== active);
    if (draft) {
      mark("draft_asked");
      try {
        const view = await draft;
        if (app.activeId === id) firstDraft = { connectionId: id, view };
      } catch {
        // The form asks again and shows what went wrong.
      }
      mark("current_draft");
    }
  } else {
    app.view = "settings";
  }
  // The form shows now; the sync status and the administrations fill in when they come.
  mark("ready");
  app.ready = true;
  await activating;
  mark("activated");
}

/** Subscribes to the sync status events once; resolves when listening. */
async function listenSync(): Promise<void> {
  if (unlistenSync) return;
  unlistenSync = api.onSyncStatus((s) => {
    if (!applySync(s)) return;
    // A first refresh may choose the administration on the Rust side; pick that up.
    const conn = activeConnection();
    if (!s.running && conn && conn.capabilities?.administrations && !conn.administration_id) {
      void adoptAdministration(conn.id);
    }
  });
  try {
    await unlistenSync;
  } catch {
    // No events (e.g. outside the app): the replies still show the status.
  }
}

/**
 * Makes a connection the one in use (remembered by the Rust side unless `tell` is false):
 * its administrations and sync status are loaded.
 */
export async function activate(id: string, tell = true): Promise<void> {
  if (firstDraft && firstDraft.connectionId !== id) firstDraft = null;
  app.activeId = id;
  if (tell) {
    try {
      app.info = await api.setActiveConnection(id);
    } catch (e) {
      showError(e);
    }
  }
  app.sync = null;
  shownSeq.delete(id);
  app.administrations = [];
  app.administrationsError = null;
  const conn = activeConnection();
  if (!conn) return;
  const tasks: Promise<void>[] = [loadSync(conn)];
  if (conn.capabilities?.administrations) tasks.push(loadAdministrations(conn));
  await Promise.all(tasks);
}

async function loadSync(conn: ConnectionView): Promise<void> {
  try {
    const s = await api.syncStatus(conn.id);
    mark("sync_status");
    if (!applySync(s)) return;
    if (!s.running && s.last_synced_at === null && !s.error) await syncNow();
  } catch (e) {
    showError(e);
  }
}

async function loadAdministrations(conn: ConnectionView): Promise<void> {
  try {
    const list = await api.listAdministrations(conn.id);
    mark("list_administrations");
    if (app.activeId !== conn.id) return;
    app.administrations = list;
    if (!conn.administration_id && list.length === 1) await chooseAdministration(list[0].id);
  } catch (e) {
    if (app.activeId === conn.id) app.administrationsError = toIpcError(e);
  }
}

async function adoptAdministration(id: string): Promise<void> {
  try {
    const fresh = (await api.listConnections()).find((c) => c.id === id);
    const conn = app.connections.find((c) => c.id === id);
    if (fresh?.administration_id && conn && !conn.administration_id) {
      conn.administration_id = fresh.administration_id;
      if (app.activeId === id && app.administrations.length === 0) await loadAdministrations(conn);
    }
  } catch {
    // The next refresh tries again.
  }
}

/** Choices of administration, applied one at a time in the order they were made. */
let adminChoices: Promise<void> = Promise.resolve();
let adminChoiceSeq = 0;

/** Chooses the administration of the active connection. A clerk who runs through the list
 * (arrow keys, typed letters) makes several choices in a row: they reach the back end in that
 * order, a choice overtaken by a later one is skipped, and the last one is what the form and
 * the back end both use. */
export function chooseAdministration(id: string): Promise<void> {
  const conn = activeConnection();
  if (!conn) return Promise.resolve();
  const mine = ++adminChoiceSeq;
  const next = adminChoices.then(async () => {
    if (mine !== adminChoiceSeq || conn.administration_id === id) return;
    try {
      await api.selectAdministration(conn.id, id);
      conn.administration_id = id;
    } catch (e) {
      showError(e);
    }
  });
  adminChoices = next;
  return next;
}

export async function syncNow(): Promise<void> {
  const conn = activeConnection();
  if (!conn) return;
  try {
    // The refresh announces itself with a status event; no guess here that could outlive it.
    await api.syncNow(conn.id);
  } catch (e) {
    showError(e);
  }
}

export async function changeLang(lang: Lang): Promise<void> {
  setLocale(lang);
  try {
    const info = await api.setLang(lang);
    app.info = info;
    setLocale(info.lang);
  } catch (e) {
    showError(e);
  }
}

/** Reloads the connections after a change in the settings. */
export async function refreshConnections(preferId?: string): Promise<void> {
  try {
    app.connections = await api.listConnections();
  } catch (e) {
    showError(e);
    return;
  }
  const current = app.connections.some((c) => c.id === app.activeId) ? app.activeId : null;
  const next = preferId && app.connections.some((c) => c.id === preferId) ? preferId : current;
  const id = next ?? chooseConnection(app.connections, null);
  if (id && id !== app.activeId) await activate(id);
  else if (id) await reloadActive();
  else app.activeId = null;
}

/** Loads administrations and sync status of the active connection again (after an edit). */
async function reloadActive(): Promise<void> {
  const conn = activeConnection();
  if (!conn) return;
  app.administrationsError = null;
  const tasks: Promise<void>[] = [loadSync(conn)];
  if (conn.capabilities?.administrations) tasks.push(loadAdministrations(conn));
  await Promise.all(tasks);
}
