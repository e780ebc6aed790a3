// Saves the latest value with at most one save in flight. Changes made while a save is running
// are coalesced: when it returns, only the newest value is sent, once.

export type SaveState = "idle" | "saving" | "saved" | "error";

export interface AutosaveHandlers<T, R> {
  /** A save succeeded. `latest` is false when a newer value is already waiting to be sent. */
  onSaved?: (result: R, value: T, latest: boolean) => void;
  onError?: (error: unknown, value: T) => void;
  onState?: (state: SaveState) => void;
}

export class Autosaver<T, R> {
  private pending: { value: T } | null = null;
  private failed: { value: T } | null = null;
  private running = false;
  private waiters: ((ok: boolean) => void)[] = [];
  private lastOk = true;

  constructor(
    private readonly save: (value: T) => Promise<R>,
    private readonly handlers: AutosaveHandlers<T, R> = {},
  ) {}

  /** Whether a save is running right now. */
  get busy(): boolean {
    return this.running;
  }

  /** Queues a value; it replaces any value that was waiting. */
  schedule(value: T): void {
    this.pending = { value };
    this.failed = null;
    if (!this.running) void this.pump();
  }

  /** Sends the value of the last failed save again, if any. */
  retry(): void {
    if (this.failed && !this.pending) {
      this.pending = this.failed;
      this.failed = null;
    }
    if (!this.running && this.pending) void this.pump();
  }

  /**
   * Resolves once everything scheduled so far is saved (true) or the last save failed (false).
   * A value whose save failed earlier is tried once more.
   */
  flush(): Promise<boolean> {
    if (!this.running && !this.pending) {
      if (!this.failed) return Promise.resolve(this.lastOk);
      this.retry();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async pump(): Promise<void> {
    this.running = true;
    this.handlers.onState?.("saving");
    while (this.pending) {
      const { value } = this.pending;
      this.pending = null;
      try {
        const result = await this.save(value);
        this.lastOk = true;
        this.handlers.onSaved?.(result, value, this.pending === null);
      } catch (e) {
        this.lastOk = false;
        if (!this.pending) this.failed = { value };
        this.handlers.onError?.(e, value);
      }
    }
    this.running = false;
    this.handlers.onState?.(this.lastOk ? "saved" : "error");
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(this.lastOk);
  }
}
