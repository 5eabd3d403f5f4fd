import { describe, expect, it } from "vitest";
import { writeInBursts } from "../../src/http/write-bursts.js";

/** What happened, in order: an answer made for a path, and one handed back for writing. */
function recorder() {
  const events: string[] = [];
  const fetch = writeInBursts((request: Request) => {
    const path = new URL(request.url).pathname;
    events.push(`made ${path}`);
    if (path === "/fails") return Promise.reject(new Error("boom"));
    if (path === "/slow") return new Promise<Response>((resolve) => setTimeout(() => resolve(new Response("slow")), 30));
    return new Response(path);
  });
  const send = (path: string) =>
    fetch(new Request(`http://localhost${path}`)).then(async (response) => events.push(`written ${await response.text()}`));
  return { events, send };
}

/** Lets every queued promise reaction run, as between two sockets' reads in one poll phase. */
const drainMicrotasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("writeInBursts", () => {
  it("hands back the answers of one turn of the event loop only once every one of them is made", async () => {
    const { events, send } = recorder();
    for (const turn of ["first", "second"]) {
      events.length = 0;
      const a = send(`/${turn}-a`);
      await drainMicrotasks();
      const b = send(`/${turn}-b`);
      await Promise.all([a, b]);
      // Written at once, the first answer would go out before the second request was read.
      expect(events).toEqual([`made /${turn}-a`, `made /${turn}-b`, `written /${turn}-a`, `written /${turn}-b`]);
    }
  });

  it("passes a failure on, and does not hold an answer that is made after its turn", async () => {
    const { events, send } = recorder();
    await expect(send("/fails")).rejects.toThrow("boom");
    const started = performance.now();
    await send("/slow");
    expect(events.at(-1)).toBe("written slow");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
