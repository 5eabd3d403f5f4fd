/**
 * The ApiRateLimit table lets exactly the limit through when one address's requests
 * arrive at once, at two instances with their own pools, over real HTTP: each request's
 * count comes from one statement, so no two requests see the same count.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { createHttpServer } from "../../src/server.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";
import { rawRequest } from "../support/http.js";

const LIMIT = 100;
const ROUNDS = 8;
const CLIENTS_PER_INSTANCE = 3;
const REQUESTS_PER_CLIENT = 30;
const TARGET = "/rpc/?v=5&type=info&arg=anything";

interface Instance {
  url: string;
  app: App;
  database: Database;
  server: http.Server;
}

describe("the database rate limit under concurrency", () => {
  let scratch: ScratchDatabase;
  const instances: Instance[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase("ops_rl_exact");
    await createSchema(scratch.url, { referenceData: false });
    for (let i = 0; i < 2; i++) {
      const database = createDatabase(scratch.url, { poolSize: 4 });
      // A generous deadline: this test is about counting, not about a slow machine.
      const app = createApp({ db: database, config: defaultConfig({ RATE_LIMIT_REQUESTS: LIMIT, RATE_LIMIT_WINDOW: 3600, RATE_LIMIT_TIMEOUT_MS: 10_000 }) });
      await app.deps.readModel.start();
      const server = createHttpServer(app);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      instances.push({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, app, database, server });
    }
  });

  afterAll(async () => {
    for (const { app, database, server } of instances) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.deps.readModel.stop();
      await database.close();
    }
    await scratch?.drop();
  });

  it(`lets exactly ${LIMIT} requests of one address through, ${ROUNDS} rounds of ${2 * CLIENTS_PER_INSTANCE} clients at two instances`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // A new address (TEST-NET-1) each round: a new window.
      const address = `192.0.2.${10 + round}`;
      const client = async (instance: Instance) => {
        const statuses: number[] = [];
        for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
          statuses.push((await rawRequest(instance.url, "GET", TARGET, { "X-Real-IP": address })).status);
        }
        return statuses;
      };
      const clients = instances.flatMap((instance) => Array.from({ length: CLIENTS_PER_INSTANCE }, () => client(instance)));
      const statuses = (await Promise.all(clients)).flat();
      const total = 2 * CLIENTS_PER_INSTANCE * REQUESTS_PER_CLIENT;
      expect({ round, answered: statuses.filter((s) => s === 200).length, refused: statuses.filter((s) => s === 429).length }).toEqual({
        round,
        answered: LIMIT,
        refused: total - LIMIT,
      });
    }
  });
});
