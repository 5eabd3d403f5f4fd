import { setTimeout as sleep } from "node:timers/promises";

export interface Pace {
  /** How many items may be in flight at once. */
  concurrency: number;
  /** At most this many items start per second; unlimited when absent. */
  rate?: number;
}

/**
 * Run `work` once for every item, in order of starting but not of finishing. A fixed number
 * of workers pull the next index, which bounds the load on the servers no matter how long
 * the list is. With a rate, item i may not start before `i / rate` seconds into the run, so
 * a slow stretch is not followed by a burst.
 */
export async function forEachPaced<T>(
  items: readonly T[],
  pace: Pace,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  const startedAt = performance.now();
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      if (pace.rate !== undefined) {
        const wait = startedAt + (index * 1000) / pace.rate - performance.now();
        if (wait > 0) await sleep(wait);
      }
      await work(items[index] as T, index);
    }
  }
  const workers = Array.from({ length: Math.min(pace.concurrency, items.length) }, () => worker());
  await Promise.all(workers);
}
