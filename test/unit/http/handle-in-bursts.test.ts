import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { handleInBursts } from "../../../src/http/handle-in-bursts.js";

/** What the app was handed, in order, and a way to hand it requests as Node would. */
function recorder() {
  const handled: string[] = [];
  const listen = handleInBursts(async (incoming) => {
    handled.push(incoming.url!);
  });
  const read = (url: string) => listen({ url } as IncomingMessage, {} as ServerResponse);
  return { handled, read };
}

/** Until the check phase of the current turn of the event loop has run. */
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("handleInBursts", () => {
  it("hands the app the requests of one turn of the event loop together, once every one of them is read", async () => {
    const { handled, read } = recorder();
    read("/a");
    read("/b");
    // Handled at once, the first answer would go out before the second request was read.
    expect(handled).toEqual([]);
    await endOfTurn();
    expect(handled).toEqual(["/a", "/b"]);
  });

  it("starts a new batch in the next turn, so a lone request waits only for its own turn", async () => {
    const { handled, read } = recorder();
    read("/first");
    await endOfTurn();
    read("/second");
    expect(handled).toEqual(["/first"]);
    await endOfTurn();
    expect(handled).toEqual(["/first", "/second"]);
  });
});
