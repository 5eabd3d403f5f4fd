import { describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { forEachPaced } from "../../tools/parity/schedule.js";

describe("forEachPaced", () => {
  it("visits every item once and never runs more than `concurrency` at a time", async () => {
    const seen: number[] = [];
    let running = 0;
    let mostRunning = 0;
    await forEachPaced([...Array(20).keys()], { concurrency: 3 }, async (item) => {
      running++;
      mostRunning = Math.max(mostRunning, running);
      await sleep(5);
      seen.push(item);
      running--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    expect(mostRunning).toBe(3);
  });

  it("starts no more than `rate` items per second", async () => {
    const started: number[] = [];
    const t0 = performance.now();
    await forEachPaced([...Array(6).keys()], { concurrency: 6, rate: 50 }, async () => {
      started.push(performance.now() - t0);
    });
    // Item i starts at i / 50 s: the last one 100 ms in.
    expect(started.at(-1)).toBeGreaterThanOrEqual(95);
  });

  it("does nothing for an empty list", async () => {
    await forEachPaced([], { concurrency: 4 }, async () => {
      throw new Error("not called");
    });
  });
});
