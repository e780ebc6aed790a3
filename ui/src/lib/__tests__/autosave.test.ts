import { describe, expect, it } from "vitest";
import { Autosaver } from "../autosave";
import { deferred } from "../../test/fixtures";

function harness() {
  const calls: { value: number; d: ReturnType<typeof deferred<string>> }[] = [];
  const saved: [string, number, boolean][] = [];
  const saver = new Autosaver<number, string>(
    (value) => {
      const d = deferred<string>();
      calls.push({ value, d });
      return d.promise;
    },
    { onSaved: (r, v, latest) => saved.push([r, v, latest]) },
  );
  return { calls, saved, saver };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("Autosaver", () => {
  it("keeps one save in flight and sends only the latest value afterwards", async () => {
    const { calls, saved, saver } = harness();
    saver.schedule(1);
    saver.schedule(2);
    saver.schedule(3);
    saver.schedule(4);
    expect(calls.map((c) => c.value)).toEqual([1]);
    calls[0].d.resolve("r1");
    await settle();
    expect(calls.map((c) => c.value)).toEqual([1, 4]);
    expect(saved).toEqual([["r1", 1, false]]);
    calls[1].d.resolve("r4");
    await settle();
    expect(calls.map((c) => c.value)).toEqual([1, 4]);
    expect(saved.at(-1)).toEqual(["r4", 4, true]);
    expect(saver.busy).toBe(false);
  });

  it("flush waits for everything scheduled and reports success", async () => {
    const { calls, saver } = harness();
    saver.schedule(1);
    let done: boolean | null = null;
    void saver.flush().then((ok) => (done = ok));
    saver.schedule(2);
    calls[0].d.resolve("a");
    await settle();
    expect(done).toBeNull();
    calls[1].d.resolve("b");
    await settle();
    expect(done).toBe(true);
  });

  it("reports a failure and retries the failed value on flush", async () => {
    const { calls, saver } = harness();
    saver.schedule(7);
    calls[0].d.reject(new Error("disk full"));
    await settle();
    expect(saver.busy).toBe(false);
    const flushed = saver.flush();
    expect(calls.map((c) => c.value)).toEqual([7, 7]);
    calls[1].d.resolve("ok");
    expect(await flushed).toBe(true);
  });

  it("a newer value replaces a failed one", async () => {
    const { calls, saver } = harness();
    saver.schedule(1);
    saver.schedule(2);
    calls[0].d.reject(new Error("x"));
    await settle();
    expect(calls.map((c) => c.value)).toEqual([1, 2]);
    calls[1].d.resolve("ok");
    await settle();
    expect(await saver.flush()).toBe(true);
    expect(calls).toHaveLength(2);
  });
});
