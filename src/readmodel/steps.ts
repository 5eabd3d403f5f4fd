/**
 * Long computations written as generators that `yield` every so often, so the same code
 * can run all at once (the first snapshot, when nothing is being served yet) or spread
 * over the event loop (a rebuild while requests are answered from the previous snapshot:
 * at 100K packages a rebuild is over a second of CPU, which run in one go held every
 * request on that process for as long).
 */
export type Steps<T> = Generator<void, T, undefined>;

/**
 * Loop iterations between two yields. The heaviest loops (a package with its maps and
 * folded texts, a document of the text index) take a few microseconds an iteration.
 */
export const STEP = 256;

export function runAtOnce<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface Slices {
  /** The shortest slice: on an idle process the work runs in slices this long. */
  minMs: number;
  /** The longest: the most a request that arrives during a slice waits for it. */
  maxMs: number;
  /** The clock slices are measured on, in milliseconds; tests give one they advance themselves. */
  now?: () => number;
}

/**
 * How much longer a slice lasts than the turn before it took: on a busy process the work
 * gets about three quarters of the time, so it still ends within a few seconds, and
 * requests the rest.
 */
const SLICE_TO_TURN = 3;

/**
 * Runs `steps` in slices. Between slices the event loop polls for I/O first
 * (setImmediate runs after it), so requests that arrived meanwhile are answered before
 * the next slice; the busier that turn, the longer the next slice (see SLICE_TO_TURN).
 */
export async function runInSlices<T>(steps: Steps<T>, slices: Slices): Promise<T> {
  const now = slices.now ?? (() => performance.now());
  let sliceEnds = now() + slices.minMs;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (now() >= sliceEnds) {
      const paused = now();
      await nextTurn();
      const resumed = now();
      const sliceMs = Math.min(slices.maxMs, Math.max(slices.minMs, SLICE_TO_TURN * (resumed - paused)));
      sliceEnds = resumed + sliceMs;
    }
  }
}

/**
 * One slice budget shared by many pieces of work in turn, each possibly short (a chunk of
 * an archive, a file write): the event loop runs when the budget is spent, not after each
 * piece, and no run of pieces holds it longer than `sliceMs`.
 */
export class SliceBudget {
  private ends: number;

  constructor(private readonly sliceMs: number) {
    this.ends = performance.now() + sliceMs;
  }

  /** Lets the event loop run if the slice is over. */
  async pause(): Promise<void> {
    if (performance.now() < this.ends) return;
    await nextTurn();
    this.ends = performance.now() + this.sliceMs;
  }

  async run<T>(steps: Steps<T>): Promise<T> {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      // Checked here, so that a step within the slice costs no await.
      if (performance.now() >= this.ends) await this.pause();
    }
  }
}

/** items.forEach(fn), yielding as it goes. */
export function* forEachInSteps<T>(items: readonly T[], fn: (item: T) => void): Steps<void> {
  for (let i = 0; i < items.length; i++) {
    fn(items[i]!);
    if (i % STEP === 0) yield;
  }
}

/** items.filter(keep), yielding as it goes. */
export function* filterInSteps<T>(items: readonly T[], keep: (item: T) => boolean): Steps<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) {
    if (keep(items[i]!)) out.push(items[i]!);
    if (i % STEP === 0) yield;
  }
  return out;
}

/** items.map(fn), yielding as it goes. */
export function* mapInSteps<T, U>(items: readonly T[], fn: (item: T) => U): Steps<U[]> {
  const out = new Array<U>(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = fn(items[i]!);
    if (i % STEP === 0) yield;
  }
  return out;
}

/**
 * A stable sort (like Array.prototype.sort) that yields between its passes: a bottom-up
 * merge sort over runs first sorted STEP elements at a time. Sorting 100K packages by
 * collated name in one call takes a few hundred milliseconds.
 */
export function* sortInSteps<T>(items: T[], compare: (a: T, b: T) => number): Steps<T[]> {
  const n = items.length;
  // Rows arrive in primary-key order, so a sort by ID usually finds nothing to do.
  let sorted = 0;
  while (sorted + 1 < n && compare(items[sorted]!, items[sorted + 1]!) <= 0) {
    if (++sorted % STEP === 0) yield;
  }
  if (sorted + 1 >= n) return items;
  for (let start = 0; start < n; start += STEP) {
    const run = items.slice(start, start + STEP).sort(compare);
    for (let i = 0; i < run.length; i++) items[start + i] = run[i]!;
    yield;
  }
  let from = items;
  let to = new Array<T>(n);
  for (let width = STEP; width < n; width *= 2) {
    let compared = 0;
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n);
      const right = Math.min(left + 2 * width, n);
      let i = left;
      let j = middle;
      let k = left;
      // `<= 0` takes from the left run on ties, which keeps the sort stable. The late
      // passes merge runs of many thousands: they yield inside a merge too.
      while (i < middle && j < right) {
        to[k++] = compare(from[i]!, from[j]!) <= 0 ? from[i++]! : from[j++]!;
        if (++compared % STEP === 0) yield;
      }
      while (i < middle) to[k++] = from[i++]!;
      while (j < right) to[k++] = from[j++]!;
    }
    [from, to] = [to, from];
  }
  if (from !== items) for (let i = 0; i < n; i++) items[i] = from[i]!;
  return items;
}
