/**
 * The bench's load generator (bench/load.ts, wrk with bench/wrk-load.lua) against a small
 * real server: its figures are only worth something if it notices wrong answers.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { load, referenceAnswers } from "../../bench/load.js";

/**
 * Answers each path with its own body and ETag; `/flaky` changes its body on every other
 * answer. Keeps the X-Real-IP of each request in `addresses`.
 */
function startServer(addresses: string[]): Promise<http.Server> {
  let flaky = 0;
  const server = http.createServer((request, response) => {
    const path = request.url ?? "/";
    const address = request.headers["x-real-ip"];
    if (typeof address === "string") addresses.push(address);
    const body = path === "/flaky" ? `answer ${flaky++ % 2 === 0 ? "a" : "bb"}` : `answer to ${path}`;
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    response.writeHead(path === "/missing" ? 404 : 200, { ETag: etag, "Content-Length": Buffer.byteLength(body) });
    response.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("bench load generator", () => {
  let server: http.Server;
  let base: string;
  const addresses: string[] = [];
  beforeAll(async () => {
    server = await startServer(addresses);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const options = { connections: 4, durationS: 1 };

  it("records the reference answer of each path", async () => {
    const [answer] = await referenceAnswers(base, ["/a?x=1"]);
    const body = "answer to /a?x=1";
    expect(answer).toEqual({
      path: "/a?x=1",
      status: 200,
      etag: { header: "ETag", value: `"${createHash("md5").update(body).digest("hex")}"` },
      length: body.length,
    });
  });

  it("counts no wrong answer when every answer is the reference, over a mix of paths", async () => {
    const references = await referenceAnswers(base, ["/a", "/b", "/missing"]);
    const result = await load(base, references, options);
    expect(result.total).toBeGreaterThan(100);
    expect(result.wrong).toBe(0);
    expect(result.errors).toBe(0);
  });

  it("counts every answer whose status, ETag or length differs from the reference", async () => {
    const [reference] = await referenceAnswers(base, ["/a"]);
    const wrongLength = await load(base, [{ ...reference!, length: reference!.length + 1 }], options);
    expect(wrongLength.wrong).toBe(wrongLength.total);
    const wrongStatus = await load(base, [{ ...reference!, status: 201 }], options);
    expect(wrongStatus.wrong).toBe(wrongStatus.total);
    // An answer to another path is not one of the references.
    const otherPath = await load(base, [{ ...reference!, path: "/b" }], options);
    expect(otherPath.wrong).toBe(otherPath.total);
  });

  it("counts the answers that change under load", async () => {
    const [reference] = await referenceAnswers(base, ["/flaky"]);
    const result = await load(base, [reference!], options);
    expect(result.wrong).toBeGreaterThan(result.total / 3);
    expect(result.wrong).toBeLessThan(result.total);
  });

  it("takes the addresses in turn from where it is told to, across the pool's end", async () => {
    const [reference] = await referenceAnswers(base, ["/a"]);
    addresses.length = 0;
    // One connection, so that the requests arrive in the order they were made. wrk makes
    // one request before it connects, to check the script, and never sends it: 297 is the
    // first address sent.
    const result = await load(base, [reference!], { connections: 1, durationS: 1, addresses: 300, addressesInTurnFrom: 296 });
    expect(result.total).toBeGreaterThan(10);
    const sent = addresses.slice(0, 5);
    expect(sent).toEqual(["10.0.1.41", "10.0.1.42", "10.0.1.43", "10.0.0.0", "10.0.0.1"]);
  });
});
