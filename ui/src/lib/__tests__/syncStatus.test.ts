import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { app, applySync, init, resetSync, syncNow } from "../app.svelte";
import { connection, sync } from "../../test/fixtures";
import type { SyncStatus } from "../types";

vi.mock("../api", async () => (await import("../../test/apiMock")).apiMock());
const mocked = vi.mocked(api);

const running: SyncStatus = { ...sync, running: true, relations: 0, products: 0, last_synced_at: null };

describe("sync status", () => {
  let emit: (s: SyncStatus) => void = () => {};

  beforeEach(() => {
    vi.clearAllMocks();
    resetSync();
    Object.assign(app, { ready: false, connections: [], activeId: null, sync: null, error: null, info: null });
    mocked.appInfo.mockResolvedValue({ version: "1", lang: "en", demo: false, active_connection_id: "conn-1", store_warning: null, store_error: null });
    mocked.listConnections.mockResolvedValue([connection]);
    mocked.onSyncStatus.mockImplementation(async (handler) => {
      emit = handler;
      return () => {};
    });
  });

  it("keeps the final event when an older reply saying 'running' arrives after it", async () => {
    // The reply to sync_status was made while the refresh ran (seq 5); the event that says it
    // ended (seq 6) overtakes it on the way to the window.
    let reply: (s: SyncStatus) => void = () => {};
    mocked.syncStatus.mockReturnValue(new Promise((resolve) => (reply = resolve)));
    const started = init();
    await vi.waitFor(() => expect(mocked.syncStatus).toHaveBeenCalled());
    emit({ ...sync, running: false, relations: 2200, seq: 6 });
    reply({ ...running, seq: 5 });
    await started;
    expect(app.sync?.running).toBe(false);
    expect(app.sync?.relations).toBe(2200);
  });

  it("listens for events before it asks for the status, so none sent after the reply is missed", async () => {
    const order: string[] = [];
    mocked.onSyncStatus.mockImplementation(async (handler) => {
      await Promise.resolve();
      order.push("listening");
      emit = handler;
      return () => {};
    });
    mocked.syncStatus.mockImplementation(async () => {
      order.push("asked");
      return { ...running, seq: 1 };
    });
    await init();
    expect(order).toEqual(["listening", "asked"]);
  });

  it("does not mark a refresh as running after its end was already shown", async () => {
    mocked.syncStatus.mockResolvedValue({ ...running, seq: 1 });
    await init();
    // The clerk clicks "Update" while a refresh ends: the end arrives before sync_now's reply.
    mocked.syncNow.mockImplementation(async () => {
      emit({ ...sync, running: false, seq: 3 });
      return null;
    });
    await syncNow();
    expect(app.sync?.running).toBe(false);
  });

  it("shows newer snapshots and ignores older ones and those of another connection", () => {
    app.activeId = "conn-1";
    expect(applySync({ ...running, seq: 10 })).toBe(true);
    expect(applySync({ ...sync, seq: 9 })).toBe(false);
    expect(applySync({ ...sync, seq: 10 })).toBe(false);
    expect(app.sync?.running).toBe(true);
    expect(applySync({ ...sync, connection_id: "other", seq: 11 })).toBe(false);
    expect(applySync({ ...sync, seq: 12 })).toBe(true);
    expect(app.sync?.running).toBe(false);
  });
});
