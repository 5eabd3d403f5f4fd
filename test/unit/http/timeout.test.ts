import { describe, expect, it } from "vitest";
import { Deadlines, RequestTimeout } from "../../../src/http/timeout.js";

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(resolve, ms, value));
const never = () => new Promise<never>(() => {});
/** What a wait settles to: its value, or "expired" for a RequestTimeout. */
const outcome = <T>(wait: Promise<T>) => wait.catch((error: unknown) => (error instanceof RequestTimeout ? ("expired" as const) : Promise.reject(error)));

describe("Deadlines", () => {
  it("passes on what settles in time and expires what does not, each on its own request's clock", async () => {
    const deadlines = new Deadlines(200);
    const started = performance.now();
    const hanging = outcome(deadlines.within(never(), started)).then((v) => [v, performance.now() - started] as const);
    const quick = deadlines.within(after(20, "quick"), started);
    await expect(deadlines.within(Promise.reject(new Error("boom")), started)).rejects.toThrow("boom");
    expect(await quick).toBe("quick");

    // Arrives 150 ms after the hanging one: still has its own 200 ms when that one expires.
    await after(150, null);
    const late = deadlines.within(after(150, "late"), performance.now());
    const [value, elapsed] = await hanging;
    expect(value).toBe("expired");
    expect(elapsed).toBeGreaterThanOrEqual(199);
    expect(elapsed).toBeLessThan(200 * 1.1 + 50);
    expect(await late).toBe("late");
  });

  it("counts from the start of the request, not of the wait", async () => {
    const deadlines = new Deadlines(200);
    const requestStarted = performance.now();
    // A wait that begins 150 ms into its request has 50 ms left, and expires before a
    // wait that began earlier in a request that started later.
    await after(100, null);
    const fresh = outcome(deadlines.within(after(180, "fresh"), performance.now()));
    await after(50, null);
    const old = outcome(deadlines.within(never(), requestStarted)).then((v) => [v, performance.now() - requestStarted] as const);
    const [value, elapsed] = await old;
    expect(value).toBe("expired");
    expect(elapsed).toBeLessThan(200 * 1.1 + 50);
    expect(await fresh).toBe("fresh");
  });

  it("expires every wait that outlives the timeout, and checks again once a new one comes", async () => {
    const deadlines = new Deadlines(50);
    const now = performance.now();
    const results = await Promise.all([never(), after(10, 1), never()].map((wait) => outcome(deadlines.within(wait, now))));
    expect(results).toEqual(["expired", 1, "expired"]);
    // Nothing waits: the check stopped, and a new wait starts it again.
    expect(await outcome(deadlines.within(never(), performance.now()))).toBe("expired");
  });
});
