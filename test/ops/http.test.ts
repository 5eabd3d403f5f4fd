/**
 * The operational surface of the app, in process: health, readiness, metrics, request
 * logs and ids, the request timeout, and the legacy 404 for unknown paths.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig, type Config } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { notFoundPage } from "../../src/pages/not-found.js";
import type { RateLimitStore } from "../../src/rpc/rate-limit.js";
import { capturingLogger } from "../support/capturing-logger.js";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { freePort } from "../../src/net/free-port.js";


describe("operations endpoints and request observation", () => {
  let db: ScratchDatabase;
  const databases: Database[] = [];

  /** An app over the scratch database (or `url`), its read model loaded. */
  async function appFor(options: { config?: Partial<Config>; url?: string; rateLimitStore?: RateLimitStore } = {}) {
    const database = createDatabase(options.url ?? db.url, { poolSize: 2 });
    databases.push(database);
    const { logger, lines } = capturingLogger();
    const app = createApp({
      db: database,
      config: defaultConfig({ RATE_LIMIT_REQUESTS: 0, ...options.config }),
      logger,
      rateLimitStore: options.rateLimitStore,
    });
    await app.deps.readModel.start();
    return { app, lines };
  }

  const get = (app: App, path: string, headers: Record<string, string> = {}) =>
    app.request(path, { headers });

  beforeAll(async () => {
    db = await createLegacyDatabase("ops_http", PUBLIC_DATASET);
  });

  afterAll(async () => {
    await Promise.all(databases.map((d) => d.close()));
    await db?.drop();
  });

  it("/healthz answers while the process is up, database or not", async () => {
    const { app } = await appFor({ url: `mysql://root@127.0.0.1:${await freePort()}/nothing` });
    const response = await get(app, "/healthz");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok\n");
    await app.deps.readModel.stop();
  });

  it("/readyz is 200 with a snapshot and a reachable database, 503 otherwise", async () => {
    const { app } = await appFor();
    expect((await get(app, "/readyz")).status).toBe(200);
    await app.deps.readModel.stop();

    const { app: unreachable } = await appFor({ url: `mysql://root@127.0.0.1:${await freePort()}/nothing` });
    const response = await get(unreachable, "/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ready: false, databaseReachable: false, snapshotLoaded: false, problem: "unreachable" });
    await unreachable.deps.readModel.stop();
  });

  it("logs one JSON line per request and echoes the request id", async () => {
    const { app, lines } = await appFor();
    const given = await get(app, "/rpc/?v=5&type=info&arg=a", { "X-Request-Id": "edge-7f3a" });
    expect(given.headers.get("x-request-id")).toBe("edge-7f3a");
    const generated = await get(app, "/healthz");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // An id that could forge log lines or headers is replaced, not copied.
    const refused = await get(app, "/healthz", { "X-Request-Id": "two words" });
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const requests = lines.filter((l) => l.msg === "request");
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({ level: 30, requestId: "edge-7f3a", method: "GET", path: "/rpc/", status: 200 });
    expect(requests[0]!.durationMs).toEqual(expect.any(Number));
    expect(requests[1]).toMatchObject({ requestId: generated.headers.get("x-request-id"), path: "/healthz" });
    await app.deps.readModel.stop();
  });

  it("/metrics counts requests by RPC type and status, rate-limited requests, and pool use", async () => {
    const { app } = await appFor({ config: { RATE_LIMIT_REQUESTS: 2 } });
    await get(app, "/rpc/?v=5&type=info&arg=a");
    await get(app, "/rpc/?v=5&type=search&arg=python3");
    await get(app, "/rpc/?v=5&type=suggest&arg=py"); // refused: the third request of the window
    await get(app, "/rpc/?v=5&type=made-up&arg=a"); // an error answer, before the rate limit
    await get(app, "/nope?type=info");
    await get(app, "/rpc/v5/info/a"); // path-style: the type is in the path (refused too)

    const response = await get(app, "/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('aurweb_rpc_requests_total{type="info",status="200"} 1');
    expect(text).toContain('aurweb_rpc_requests_total{type="search",status="200"} 1');
    // Unknown types and other paths share one label value, so labels stay bounded.
    expect(text).toContain('aurweb_rpc_requests_total{type="suggest",status="429"} 1');
    expect(text).toContain('aurweb_rpc_requests_total{type="other",status="200"} 1');
    expect(text).toContain('aurweb_rpc_requests_total{type="other",status="404"} 1');
    expect(text).toContain('aurweb_rpc_requests_total{type="info",status="429"} 1');
    expect(text).toContain('aurweb_rpc_request_duration_seconds_count{type="info",status="200"} 1');
    expect(text).toContain("aurweb_rpc_rate_limited_total 2");
    expect(text).toContain('aurweb_db_pool_connections_in_use{pool="primary"} 0');
    expect(text).toContain('aurweb_db_pool_waiting{pool="primary"} 0');
    await app.deps.readModel.stop();
  });

  it("answers a request that outlasts REQUEST_TIMEOUT_MS with a JSON 503", async () => {
    // A rate-limit store that never answers stands in for a database that hangs.
    const never = () => new Promise<never>(() => {});
    const hanging: RateLimitStore = { read: never, add: never, expire: never, statements: 0 };
    const { app, lines } = await appFor({ config: { RATE_LIMIT_REQUESTS: 10, REQUEST_TIMEOUT_MS: 100 }, rateLimitStore: hanging });
    const started = Date.now();
    const response = await get(app, "/rpc/?v=5&type=info&arg=a");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ error: "The request took too long. Please try again later." });
    expect(lines.find((l) => l.msg === "request")).toMatchObject({ status: 503 });
    await app.deps.readModel.stop();
  });

  it("answers a form whose body never finishes with a JSON 408 once REQUEST_TIMEOUT_MS has passed", async () => {
    const { app, lines } = await appFor({ config: { REQUEST_TIMEOUT_MS: 100 } });
    const trickle = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode("v=5&type=")) });
    const started = Date.now();
    const response = await app.request("/rpc/", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: trickle,
      duplex: "half",
    } as RequestInit);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(408);
    expect(await response.json()).toMatchObject({ type: "error", error: "The request body did not arrive in time." });
    expect(lines.find((l) => l.msg === "request")).toMatchObject({ status: 408, method: "POST" });
    await app.deps.readModel.stop();
  });

  it("hands an answer from memory back synchronously, and a promise only when something is waited for", async () => {
    // A promise costs the Node adapter its fast path (src/maybe-promise.ts): a middleware
    // added to the app, or an await on the way to an answer, would show here first.
    for (const limit of [0, 100]) {
      const { app, lines } = await appFor({ config: { RATE_LIMIT_REQUESTS: limit } });
      const answer = app.fetch(new Request("http://localhost/rpc/?v=5&type=suggest&arg=python"));
      expect(answer instanceof Promise).toBe(limit > 0);
      const response = await answer;
      expect(response.status).toBe(200);
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines.find((l) => l.msg === "request")).toMatchObject({ status: 200, path: "/rpc/" });
      await app.deps.readModel.stop();
    }
  });

  it("answers an unknown path with the legacy site's 404 page", async () => {
    const { app } = await appFor();
    const response = await get(app, "/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const body = await response.text();
    expect(body).toContain("<title>AUR (en) - Page Not Found</title>");
    expect(body).toBe(notFoundPage("/nope", new Date().getUTCFullYear()));
    await app.deps.readModel.stop();
  });
});
