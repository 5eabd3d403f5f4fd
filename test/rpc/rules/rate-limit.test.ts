/**
 * The legacy rate limit (AurJSON::check_ratelimit), which the service shares with the PHP
 * site through the ApiRateLimit table: a row per address (IP, Requests, WindowStart);
 * windows that started more than the window length ago are deleted, and every request
 * counts (a new row starts a window); past the limit the answer is 429 "Rate limit
 * reached". A limit of 0 turns it off. Requests refused by validation never reach the
 * count. Here: 3 requests per 60 seconds. The service writes its counts once per flush
 * interval; `rows()` flushes first, as the interval passing would.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rawRequest } from "../../support/http.js";
import type { Seeder } from "../../support/seed.js";
import { sqlQuery, startWorld, type World } from "./harness.js";
import { errorAnswer } from "./legacy-json.js";

const LIMIT = 3;
const WINDOW = 60;
const INFO = "/rpc/?v=5&type=info&arg=limited";

interface RateRow {
  IP: string;
  Requests: number;
  WindowStart: number;
}

let world: World<void>;
beforeAll(async () => {
  world = await startWorld(
    "rate_limit",
    async (seed: Seeder) => {
      await seed.package({ name: "limited" });
    },
    { RATE_LIMIT_REQUESTS: LIMIT, RATE_LIMIT_WINDOW: WINDOW },
  );
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  await world.service.app.deps.rateLimiter.flush();
  await sqlQuery(world.db.url, "DELETE FROM ApiRateLimit");
  world.service.app.deps.rateLimiter.forget();
});

const flush = () => world.service.app.deps.rateLimiter.flush();
const rows = async () => {
  await flush();
  return sqlQuery<RateRow>(world.db.url, "SELECT IP, Requests, WindowStart FROM ApiRateLimit ORDER BY IP");
};
const nowSeconds = () => Math.floor(Date.now() / 1000);
const insertRow = (ip: string, requests: number, windowStart: number) =>
  sqlQuery(world.db.url, "INSERT INTO ApiRateLimit (IP, Requests, WindowStart) VALUES (?, ?, ?)", [ip, requests, windowStart]);

describe("counting", () => {
  it(`the first ${LIMIT} requests in a window are answered, the next get 429 Rate limit reached`, async () => {
    for (let i = 0; i < LIMIT; i++) expect((await world.get(INFO)).status).toBe(200);
    const res = await world.get(INFO);
    expect(res.status).toBe(429);
    expect(res.body).toBe(errorAnswer(5, "Rate limit reached"));
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers.etag).toBeUndefined();
  });

  it("the 429 has the error shape of the version asked for, and is never wrapped in a callback", async () => {
    await insertRow("127.0.0.1", LIMIT, nowSeconds());
    expect((await world.get("/rpc/?v=1&type=suggest&arg=lim")).body).toBe(errorAnswer(1, "Rate limit reached"));
    expect((await world.get("/rpc/?v=2&type=search&arg=l")).body).toBe(errorAnswer(2, "Rate limit reached"));
    expect((await world.get("/rpc/?v=5&type=suggest&arg=lim&callback=cb")).body).toBe(errorAnswer(5, "Rate limit reached"));
  });

  it("is checked before If-None-Match", async () => {
    const etag = (await world.get(INFO)).headers.etag!;
    expect((await world.get(INFO, { "If-None-Match": etag })).status).toBe(304);
    await insertRow("203.0.113.20", LIMIT, nowSeconds());
    expect((await world.get(INFO, { "If-None-Match": etag, "X-Real-IP": "203.0.113.20" })).status).toBe(429);
  });

  it("counts written by others (PHP, other processes) come back with the next flush", async () => {
    expect((await world.get(INFO)).status).toBe(200);
    await flush();
    await sqlQuery(world.db.url, "UPDATE ApiRateLimit SET Requests = Requests + ? WHERE IP = '127.0.0.1'", [LIMIT]);
    expect((await world.get(INFO)).status).toBe(200);
    await flush();
    expect((await world.get(INFO)).status).toBe(429);
  });

  it("a row holds the address, the number of requests (refused ones too) and when its window started", async () => {
    const before = nowSeconds();
    for (let i = 0; i < LIMIT + 2; i++) await world.get(INFO);
    const after = nowSeconds();
    const [row, ...others] = await rows();
    expect(others).toEqual([]);
    expect(row!.IP).toBe("127.0.0.1");
    expect(row!.Requests).toBe(LIMIT + 2);
    expect(row!.WindowStart).toBeGreaterThanOrEqual(before);
    expect(row!.WindowStart).toBeLessThanOrEqual(after);
  });

  it("handler errors are counted (they come after the check)", async () => {
    await world.get("/rpc/?v=5&type=search&arg=x");
    await world.get("/rpc/?v=5&type=multiinfo&arg[]=");
    expect((await rows()).map((r) => r.Requests)).toEqual([2]);
  });
});

describe("windows", () => {
  it("windows older than the window length are deleted by the next flush, whoever sends the counts", async () => {
    const now = nowSeconds();
    await insertRow("198.51.100.9", 99, now - WINDOW - 60);
    await insertRow("198.51.100.10", 1, now - 10);
    await world.get(INFO);
    expect((await rows()).map((r) => r.IP)).toEqual(["127.0.0.1", "198.51.100.10"]);
  });

  it("an expired window of our own address starts over", async () => {
    await insertRow("127.0.0.1", 50, nowSeconds() - WINDOW - 60);
    expect((await world.get(INFO)).status).toBe(200);
    const [row] = await rows();
    expect(row!.Requests).toBe(1);
    expect(row!.WindowStart).toBeGreaterThanOrEqual(nowSeconds() - 2);
  });

  it("a live window keeps its start and its count", async () => {
    const start = nowSeconds() - 5;
    await insertRow("127.0.0.1", LIMIT, start);
    expect((await world.get(INFO)).status).toBe(429);
    expect(await rows()).toEqual([{ IP: "127.0.0.1", Requests: LIMIT + 1, WindowStart: start }]);
  });
});

describe("what is not counted", () => {
  it("validation errors are answered (never 429) and write nothing", async () => {
    for (const target of [
      "/rpc/?v=6&type=info&arg=limited",
      "/rpc/?v=5&type=info",
      "/rpc/?v=5&type=bogus&arg=x",
      "/rpc/?v=5&type=search&by=bogus&arg=x",
    ]) {
      for (let i = 0; i < LIMIT + 1; i++) expect((await world.get(target)).status).toBe(200);
    }
    expect(await rows()).toEqual([]);
  });

  it("validation errors are answered even past the limit", async () => {
    await insertRow("127.0.0.1", LIMIT + 10, nowSeconds());
    const res = await world.get("/rpc/?v=6&type=info&arg=limited");
    expect(res.status).toBe(200);
    expect(res.body).toBe(errorAnswer(6, "Invalid version specified."));
  });

  it("the documentation page and refused methods are not counted", async () => {
    await world.get("/rpc/");
    await rawRequest(world.service.url, "PUT", INFO);
    expect(await rows()).toEqual([]);
  });

  it("RATE_LIMIT_REQUESTS: 0 turns the limit off: no 429, no rows", async () => {
    const unlimited = await world.startAnother({ RATE_LIMIT_REQUESTS: 0, RATE_LIMIT_WINDOW: WINDOW });
    for (let i = 0; i < LIMIT * 3; i++) expect((await rawRequest(unlimited.url, "GET", INFO)).status).toBe(200);
    expect(await rows()).toEqual([]);
  });
});

describe("the address that is counted", () => {
  it("behind a trusted proxy (127.0.0.1 by default): the address in X-Real-IP", async () => {
    await world.get(INFO, { "X-Real-IP": "203.0.113.7" });
    await world.get(INFO, { "X-Real-IP": "203.0.113.7" });
    expect(await rows()).toMatchObject([{ IP: "203.0.113.7", Requests: 2 }]);
  });

  it("each address has its own window", async () => {
    for (let i = 0; i < LIMIT + 1; i++) await world.get(INFO, { "X-Real-IP": "203.0.113.7" });
    expect((await world.get(INFO, { "X-Real-IP": "203.0.113.7" })).status).toBe(429);
    expect((await world.get(INFO)).status).toBe(200);
    expect(await rows()).toMatchObject([
      { IP: "127.0.0.1", Requests: 1 },
      { IP: "203.0.113.7", Requests: LIMIT + 2 },
    ]);
  });

  it("from a peer that is not a trusted proxy: the peer, whatever the headers say", async () => {
    const direct = await world.startAnother({ RATE_LIMIT_REQUESTS: LIMIT, RATE_LIMIT_WINDOW: WINDOW, TRUSTED_PROXIES: ["10.1.1.1"] });
    await rawRequest(direct.url, "GET", INFO, { "X-Forwarded-For": "203.0.113.8" });
    await rawRequest(direct.url, "GET", INFO, { "X-Real-IP": "203.0.113.9", "X-Forwarded-For": "203.0.113.8" });
    await direct.app.deps.rateLimiter.flush();
    expect(await rows()).toMatchObject([{ IP: "127.0.0.1", Requests: 2 }]);
  });
});
