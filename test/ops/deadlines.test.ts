import { describe, expect, it } from "vitest";
import { Deadlines, EXPIRED } from "../../src/http/timeout.js";

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(resolve, ms, value));
const never = () => new Promise<never>(() => {});

describe("Deadlines", () => {
  it("passes on what settles in time and expires what does not, each on its own clock", async () => {
    const deadlines = new Deadlines(200);
    const started = performance.now();
    const hanging = deadlines.within(never()).then((v) => [v, performance.now() - started] as const);
    const quick = deadlines.within(after(20, "quick"));
    await expect(deadlines.within(Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await quick).toBe("quick");

    // Arrives 150 ms after the hanging one: still has its own 200 ms when that one expires.
    await after(150, null);
    const late = deadlines.within(after(150, "late"));
    const [value, elapsed] = await hanging;
    expect(value).toBe(EXPIRED);
    expect(elapsed).toBeGreaterThanOrEqual(199);
    expect(elapsed).toBeLessThan(200 * 1.1 + 50);
    expect(await late).toBe("late");
  });

  it("expires every request that outlives the timeout, once the earlier ones have", async () => {
    const deadlines = new Deadlines(50);
    const results = await Promise.all([deadlines.within(never()), deadlines.within(after(10, 1)), deadlines.within(never())]);
    expect(results).toEqual([EXPIRED, 1, EXPIRED]);
    // Nothing pending: the check stops, and a new request starts it again.
    expect(await deadlines.within(never())).toBe(EXPIRED);
  });
});
