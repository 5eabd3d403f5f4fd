/**
 * The step runner behind snapshot rebuilds: a sliced run hands the event loop back
 * between slices (so requests are answered during a rebuild), an at-once run does not,
 * and the sort that yields sorts exactly like Array.prototype.sort.
 *
 * Slices are measured on a clock the work and its competitors advance themselves, so
 * what the runner decides does not depend on how busy the machine running the test is.
 */
import { describe, expect, it } from "vitest";
import { runAtOnce, runInSlices, sortInSteps, STEP, type Steps } from "../../../src/readmodel/steps.js";

/** A clock that moves only when work is done on it. */
class WorkClock {
  ms = 0;
  readonly now = () => this.ms;
  busy(ms: number): void {
    this.ms += ms;
  }
}

/** `count` steps of `ms` each, returning how many were taken. */
function* work(clock: WorkClock, count: number, ms: number): Steps<number> {
  for (let i = 0; i < count; i++) {
    clock.busy(ms);
    yield;
  }
  return count;
}

/** Something that holds every turn of the event loop for `ms`, as a burst of requests would; returns its stop. */
function compete(clock: WorkClock, ms: number): () => void {
  let competing = true;
  const turn = () => {
    if (!competing) return;
    clock.busy(ms);
    setImmediate(turn);
  };
  setImmediate(turn);
  return () => (competing = false);
}

/** Counts the event loop's turns (setImmediate callbacks) while `run` is pending. */
async function turnsDuring<T>(run: () => Promise<T> | T): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const result = await run();
  running = false;
  return { result, turns };
}

describe("running steps", () => {
  it("in slices, the event loop gets a turn whenever a slice is used up", async () => {
    // Each step outlasts the 1 ms slice, so every step ends a slice.
    const clock = new WorkClock();
    const { result, turns } = await turnsDuring(() => runInSlices(work(clock, 20, 2), { minMs: 1, maxMs: 1, now: clock.now }));
    expect(result).toBe(20);
    expect(turns).toBeGreaterThanOrEqual(19);
  });

  it("in slices, short steps share a slice instead of a turn each", async () => {
    const clock = new WorkClock();
    const { turns } = await turnsDuring(() => runInSlices(work(clock, 200, 0.1), { minMs: 50, maxMs: 50, now: clock.now }));
    expect(turns).toBeLessThan(5);
  });

  it("in slices, the work keeps most of a busy process: the busier a turn, the longer the next slice", async () => {
    const clock = new WorkClock();
    const stop = compete(clock, 4);
    // 100 ms of work; in fixed 1 ms slices it would take about five times as long.
    await runInSlices(work(clock, 200, 0.5), { minMs: 1, maxMs: 50, now: clock.now });
    const elapsed = clock.ms;
    stop();
    expect(elapsed).toBeLessThan(250);
  });

  it("in slices, a slice never outlasts its maximum, however busy the turns", async () => {
    const clock = new WorkClock();
    const stop = compete(clock, 30);
    const stepsDone: number[] = [];
    await runInSlices(
      (function* () {
        for (let i = 0; i < 60; i++) {
          clock.busy(1);
          stepsDone.push(clock.ms);
          yield;
        }
      })(),
      { minMs: 1, maxMs: 10, now: clock.now },
    );
    stop();
    // Steps run back to back within a slice; a gap means a turn went to the competitor.
    let longestRun = 0;
    let runStart = stepsDone[0]!;
    for (let i = 1; i < stepsDone.length; i++) {
      if (stepsDone[i]! - stepsDone[i - 1]! > 15) runStart = stepsDone[i]!;
      longestRun = Math.max(longestRun, stepsDone[i]! - runStart);
    }
    expect(longestRun).toBeLessThan(14);
  });

  it("at once, nothing else runs until the end", async () => {
    const { result, turns } = await turnsDuring(() => runAtOnce(work(new WorkClock(), 10, 2)));
    expect(result).toBe(10);
    expect(turns).toBe(0);
  });
});

describe("sortInSteps", () => {
  const sizes = [0, 1, 2, STEP - 1, STEP, STEP + 1, 3 * STEP + 7, 40 * STEP + 3];

  it.each(sizes)("sorts %i items exactly like Array.prototype.sort, ties in their original order", (size) => {
    let seed = size + 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    // Few distinct keys, so most items tie with many others.
    const items = Array.from({ length: size }, (_, i) => ({ key: Math.floor(random() * 50), at: i }));
    const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
    const expected = items.slice().sort(compare);
    const sorted = runAtOnce(sortInSteps(items, compare));
    expect(sorted).toBe(items);
    expect(sorted.map((x) => x.at)).toEqual(expected.map((x) => x.at));
  });

  it("yields while it sorts", () => {
    const items = Array.from({ length: 8 * STEP }, (_, i) => (i * 7919) % 1000);
    const steps = sortInSteps(items, (a, b) => a - b);
    let yields = 0;
    while (!steps.next().done) yields++;
    expect(yields).toBeGreaterThanOrEqual(8);
  });

  it("yields inside the long merges of its last passes, not only between them", () => {
    const items = Array.from({ length: 40 * STEP + 3 }, (_, i) => (i * 7919) % 1000);
    let compares = 0;
    let most = 0;
    const steps = sortInSteps(items, (a, b) => {
      compares++;
      return a - b;
    });
    while (!steps.next().done) {
      most = Math.max(most, compares);
      compares = 0;
    }
    // The first pass sorts runs of STEP items with Array.prototype.sort, some STEP·log(STEP) compares each.
    expect(most).toBeLessThanOrEqual(STEP * Math.ceil(Math.log2(STEP)) * 2);
    expect(compares).toBeLessThanOrEqual(STEP);
  });
});
