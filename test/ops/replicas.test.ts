/**
 * DATABASE_REPLICA_URLS: the read model loads from a replica, the rate limit writes to
 * the primary. Two scratch databases with different contents stand in for the primary
 * and its replica, so the answers show which one each side used.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { createScratchDatabase, type ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";

async function rateLimitRows(url: string): Promise<number> {
  const connection = await mysql.createConnection(url);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT COALESCE(SUM(Requests), 0) AS n FROM ApiRateLimit");
    return Number(rows[0]!.n);
  } finally {
    await connection.end();
  }
}

describe("read replicas", () => {
  let primary: ScratchDatabase;
  let replica: ScratchDatabase;
  let database: Database;

  beforeAll(async () => {
    primary = await createScratchDatabase("ops_primary");
    await createSchema(primary.url, { referenceData: true });
    replica = await createLegacyDatabase("ops_replica", PUBLIC_DATASET);
    database = createDatabase(primary.url, { poolSize: 2, replicaUrls: [replica.url] });
  });

  afterAll(async () => {
    await database?.close();
    await primary?.drop();
    await replica?.drop();
  });

  it("answers from the replica and counts requests on the primary", async () => {
    const app = createApp({ db: database, config: defaultConfig({ RATE_LIMIT_REQUESTS: 100 }) });
    await app.deps.readModel.start();
    try {
      for (let i = 0; i < 3; i++) {
        const response = await app.request("/rpc/?v=5&type=info&arg[]=python3-actdiag");
        // The primary has no packages: a result can only come from the replica.
        expect(await response.json()).toMatchObject({ resultcount: 1, results: [{ Name: "python3-actdiag" }] });
      }
      await app.deps.rateLimiter.flush();
      expect(await rateLimitRows(primary.url)).toBe(3);
      expect(await rateLimitRows(replica.url)).toBe(0);

      const metrics = await (await app.request("/metrics")).text();
      expect(metrics).toContain('aurweb_db_pool_connections_in_use{pool="replica"}');
    } finally {
      await app.deps.readModel.stop();
    }
  });
});
