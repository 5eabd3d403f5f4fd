/**
 * A database the service cannot use, as an operator's mistake makes it: nothing listens
 * on the port, the password is wrong, the database does not exist, or it exists without
 * the aurweb tables. For each, the service (a real process) logs one line naming the
 * cause and what to do, without a stack trace and not once per poll; /readyz and the
 * RPC's 503 say which it is; and once the mistake is put right, the service becomes
 * ready by itself, without a restart.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchema } from "../../tools/db/create-schema.js";
import { loadSqlFile } from "../../tools/db/sql-file.js";
import { freePort } from "../../src/net/free-port.js";
import { createScratchDatabase, TEST_SERVER_URL, type ScratchDatabase } from "../../support/database.js";
import { FaultProxy } from "../../support/fault-proxy.js";
import { createLegacyDatabase, PRODUCTION_STRUCTURE, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { FAULT_CONFIG, get, sleep, spawnServiceProcess, waitFor, type ServiceProcess } from "./support.js";

/** How soon after start the trouble must be in the log and on /readyz. */
const SEEN_WITHIN_MS = 5000;
/** How soon after the fix the service must be ready. */
const FIXED_WITHIN_MS = 10_000;

async function onServer<T>(use: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(TEST_SERVER_URL);
  try {
    return await use(connection);
  } finally {
    await connection.end();
  }
}

function urlWith(url: string, change: (u: URL) => void): string {
  const u = new URL(url);
  change(u);
  return u.toString();
}

interface Case {
  label: string;
  /** The service's DATABASE_URL, broken. */
  url: string;
  cause: string;
  /** In the log line: what to do. */
  advice: RegExp;
  rpcError: string;
  fix: () => Promise<void>;
}

describe("a database the service cannot use", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let withData: ScratchDatabase;

  beforeAll(async () => {
    withData = await createLegacyDatabase("trouble_data", PUBLIC_DATASET);
    cleanups.push(() => withData.drop());
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  async function check(make: () => Promise<Case>, options: { watchRepeat?: boolean } = {}): Promise<void> {
    const c = await make();
    const service: ServiceProcess = await spawnServiceProcess({ ...FAULT_CONFIG, DATABASE_URL: c.url });
    try {
      const troubleLines = () => service.logs().filter((l) => l.cause !== undefined);
      await waitFor(`${c.label}: the log line`, async () => troubleLines().length > 0, SEEN_WITHIN_MS);
      const [line] = troubleLines();
      expect(line).toMatchObject({ level: 40, cause: c.cause, attempts: 1 });
      expect(line!.msg).toMatch(c.advice);
      expect(line!.msg).not.toMatch(/right|wrong-password/);

      const readyz = await get(service.url, "/readyz");
      expect(readyz.status).toBe(503);
      expect(readyz.json).toMatchObject({ ready: false, snapshotLoaded: false, problem: c.cause, message: line!.msg });

      const rpc = await get(service.url, "/rpc/?v=5&type=info&arg[]=bash");
      expect(rpc.status).toBe(503);
      expect(rpc.json).toMatchObject({ type: "error", error: c.rpcError });
      expect(rpc.ms).toBeLessThan(3000);

      // Polls every 200 ms, backing off to one a second; over the next 4.5 s the log says it once.
      const firstAt = line!.time as number;
      await sleep(Math.max(0, firstAt + 4500 - Date.now()));
      expect(troubleLines().filter((l) => (l.time as number) < firstAt + 4500), JSON.stringify(troubleLines())).toHaveLength(1);
      if (options.watchRepeat) {
        // ... and again after five seconds, with the attempts made meanwhile.
        await waitFor(`${c.label}: the line repeated`, async () => troubleLines().length > 1, 5000);
        expect(troubleLines()[1]).toMatchObject({ cause: c.cause });
        expect(troubleLines()[1]!.attempts).toBeGreaterThan(3);
      }

      await c.fix();
      const fixedAfter = await waitFor(`${c.label}: ready once fixed`, async () => (await get(service.url, "/readyz")).status === 200, FIXED_WITHIN_MS);
      expect((await get(service.url, "/rpc/?v=5&type=info&arg[]=bash")).status).toBe(200);
      // Log lines come through a pipe, a moment behind the answers.
      await waitFor(`${c.label}: the recovery line`, async () => service.logs().some((l) => l.msg === "database answers again"), 3000);
      console.log(`${c.label}: "${line!.msg}"; ready ${fixedAfter.toFixed(0)} ms after the fix`);

      // Never a stack trace: every line is JSON, and none carries an error object.
      const output = service.output.join("\n");
      expect(output).not.toMatch(/\n\s+at /);
      expect(output).not.toContain('"err"');
      expect(output).not.toContain('"stack"');
    } finally {
      await service.stop();
    }
  }

  it("nothing listens on the port", async () => {
    await check(
      async () => {
        const port = await freePort();
        return {
          label: "unreachable",
          url: urlWith(withData.url, (u) => (u.host = `127.0.0.1:${port}`)),
          cause: "unreachable",
          advice: /cannot be reached \(ECONNREFUSED\).*check that MariaDB runs/,
          rpcError: "The package database cannot be reached. Please try again later.",
          fix: async () => {
            // MariaDB appears on that port.
            const proxy = await FaultProxy.start(TEST_SERVER_URL, { port });
            cleanups.push(() => proxy.close());
          },
        };
      },
      { watchRepeat: true },
    );
  });

  it("a wrong password", async () => {
    const user = `fault_${randomBytes(4).toString("hex")}`;
    await onServer(async (server) => {
      await server.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'right-password'`);
      await server.query(`GRANT SELECT ON \`${withData.name}\`.* TO '${user}'@'%'`);
    });
    cleanups.push(() => onServer((server) => server.query(`DROP USER IF EXISTS '${user}'@'%'`)));
    await check(async () => ({
      label: "access denied",
      url: urlWith(withData.url, (u) => {
        u.username = user;
        u.password = "wrong-password";
      }),
      cause: "access-denied",
      advice: /refused the login \(ER_ACCESS_DENIED_ERROR\).*check the user and password in DATABASE_URL/,
      rpcError: "The package database refused access. Please try again later.",
      // The operator gives the user the password the service has.
      fix: async () => {
        await onServer((server) => server.query(`ALTER USER '${user}'@'%' IDENTIFIED BY 'wrong-password'`));
      },
    }));
  });

  it("a database that does not exist", async () => {
    const name = `t_trouble_missing_${randomBytes(4).toString("hex")}`;
    const url = urlWith(TEST_SERVER_URL, (u) => (u.pathname = `/${name}`));
    cleanups.push(() => onServer((server) => server.query(`DROP DATABASE IF EXISTS \`${name}\``)));
    await check(async () => ({
      label: "unknown database",
      url,
      cause: "unknown-database",
      advice: /does not exist: check the database name in DATABASE_URL, or create it with `npm run db:create -- mysql:\/\/root:PASSWORD@/,
      rpcError: "The configured database is not an aurweb database. Please try again later.",
      fix: async () => {
        await onServer((server) => server.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`));
        await loadSqlFile(url, PRODUCTION_STRUCTURE);
        await loadSqlFile(url, PUBLIC_DATASET);
      },
    }));
  });

  it("a database without the aurweb tables", async () => {
    const empty = await createScratchDatabase("trouble_empty");
    cleanups.push(() => empty.drop());
    await check(async () => ({
      label: "missing tables",
      url: empty.url,
      cause: "missing-tables",
      advice: /is not an aurweb database: it has no aurweb tables \(.*create the tables with `npm run db:create -- .*`npm run schema:diff -- /,
      rpcError: "The configured database is not an aurweb database. Please try again later.",
      fix: async () => {
        await createSchema(empty.url, { referenceData: true });
      },
    }));
  });
});
