/**
 * Several instances behind nginx share one rate limit, through the database table or
 * through Redis, within the stated bound (each process may let through what it answers
 * of one address within one flush interval); several workers of one instance share the
 * port and their metrics.
 */
import { randomInt } from "node:crypto";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { requestsKey, windowKey } from "../../src/rpc/rate-limit-redis.js";
import type { ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { spawnService, type ServiceProcess } from "../../support/service-process.js";
import { startNginx, type Nginx } from "./support.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMIT = 5;
const EXTRA = 3;
const INFO = "/rpc/?v=5&type=info&arg[]=python3-actdiag";
const FLUSH_MS = 100;
/** Between two requests: longer than a flush interval, so each process answers at most one per interval. */
const PACE_MS = 2.5 * FLUSH_MS;

/** A documentation address (TEST-NET-2), different on every run so runs never share a count. */
function clientAddress(): string {
  return `198.51.100.${randomInt(1, 255)}`;
}

/** Sum of aurweb_rpc_requests_total for one RPC type in a Prometheus exposition. */
function requestsOfType(exposition: string, type: string): number {
  const pattern = new RegExp(`^aurweb_rpc_requests_total\\{type="${type}",status="\\d+"\\} (\\d+)$`, "gm");
  return [...exposition.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe.each([
  { store: "database", redis: false },
  { store: "Redis", redis: true },
])("two instances behind nginx, rate limit in the $store", ({ redis }) => {
  let db: ScratchDatabase;
  let instances: ServiceProcess[] = [];
  let nginx: Nginx;
  const address = clientAddress();

  beforeAll(async () => {
    db = await createLegacyDatabase("ops_scale", PUBLIC_DATASET);
    const env = {
      DATABASE_URL: db.url,
      RATE_LIMIT_REQUESTS: String(LIMIT),
      RATE_LIMIT_WINDOW: "3600",
      RATE_LIMIT_FLUSH_MS: String(FLUSH_MS),
      LOG_LEVEL: "info",
      ...(redis ? { REDIS_URL } : {}),
    };
    instances = await Promise.all([spawnService(env), spawnService(env)]);
    nginx = await startNginx(instances.map((i) => Number(new URL(i.url).port)));
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(instances.map((i) => i.stop()));
    await db?.drop();
    if (redis) {
      const client = new Redis(REDIS_URL);
      await client.del(windowKey(address), requestsKey(address));
      await client.quit();
    }
  });

  it(`lets through ${LIMIT} to ${LIMIT + 2} of ${LIMIT + EXTRA} paced requests spread over both instances`, async () => {
    const responses = [];
    for (let i = 0; i < LIMIT + EXTRA; i++) {
      responses.push(await rawRequest(nginx.url, "GET", INFO, { "X-Forwarded-For": address }));
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
    const statuses = responses.map((r) => r.status);
    const answered = statuses.filter((s) => s === 200).length;
    // Each process may still answer one request (what it gets in one flush interval)
    // on a count that trails the other's.
    expect(answered, responses.map((r) => r.body.slice(0, 200)).join("\n")).toBeGreaterThanOrEqual(LIMIT);
    expect(answered).toBeLessThanOrEqual(LIMIT + 2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT + EXTRA - answered);
    expect(statuses.at(-1)).toBe(429);

    // nginx's round robin really did split them: each instance answered half.
    const served = await Promise.all(
      instances.map(async (i) => requestsOfType((await rawRequest(i.url, "GET", "/metrics")).body, "info")),
    );
    expect(served).toEqual([(LIMIT + EXTRA) / 2, (LIMIT + EXTRA) / 2]);
  });

  it("counts in the store it was given", async () => {
    await new Promise((resolve) => setTimeout(resolve, 3 * FLUSH_MS));
    const connection = await mysql.createConnection(db.url);
    const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT IP, Requests FROM ApiRateLimit");
    await connection.end();
    if (redis) {
      expect(rows).toEqual([]);
      const client = new Redis(REDIS_URL);
      expect(await client.get(requestsKey(address))).toBe(String(LIMIT + EXTRA));
      expect(Number(await client.get(windowKey(address)))).toBeGreaterThan(Date.now() / 1000 - 60);
      await client.quit();
    } else {
      expect(rows).toEqual([{ IP: address, Requests: LIMIT + EXTRA }]);
    }
  });
});

describe("WORKERS=2: one instance, two processes", () => {
  let db: ScratchDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await createLegacyDatabase("ops_workers", PUBLIC_DATASET);
    service = await spawnService({ DATABASE_URL: db.url, WORKERS: "2", RATE_LIMIT_REQUESTS: "0" });
  });

  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  it("spreads connections over both workers and reports their metrics summed", async () => {
    const requests = 20;
    for (let i = 0; i < requests; i++) {
      // One connection per request, so the cluster hands each to the next worker.
      expect((await rawRequest(service.url, "GET", INFO, { Connection: "close" })).status).toBe(200);
    }
    const rpcLogs = () => service.logs().filter((l) => l.msg === "request" && l.path === "/rpc/");
    await vi.waitFor(() => expect(rpcLogs()).toHaveLength(requests));
    expect(new Set(rpcLogs().map((l) => l.pid)).size).toBe(2);

    // Whichever worker answers the scrape, it reports all of them.
    for (let i = 0; i < 4; i++) {
      const exposition = (await rawRequest(service.url, "GET", "/metrics", { Connection: "close" })).body;
      expect(requestsOfType(exposition, "info")).toBe(requests);
    }
  });

  it("drains both workers on SIGTERM and exits 0", async () => {
    expect(await service.stop()).toBe(0);
    // Each worker, then the primary.
    expect(service.logs().filter((l) => l.msg === "stopped")).toHaveLength(3);
  });
});
