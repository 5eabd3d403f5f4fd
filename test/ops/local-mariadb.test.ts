/**
 * `npm start` without DATABASE_URL: the private development MariaDB. The test gives it a
 * temporary directory instead of the repository's .data/, and stops it at the end.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ensureLocalMariadb, type LocalMariadb } from "../../tools/devdb/local-mariadb.js";
import { PUBLIC_DATASET } from "../../support/legacy-data.js";

async function packageCount(url: string): Promise<number> {
  const connection = await mysql.createConnection(url);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM Packages");
    return Number(rows[0]!.n);
  } finally {
    await connection.end();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the local development MariaDB", () => {
  let directory: string;
  let server: LocalMariadb | undefined;

  afterAll(async () => {
    if (server && isRunning(server.pid)) {
      process.kill(server.pid, "SIGTERM");
      await vi.waitFor(() => expect(isRunning(server!.pid)).toBe(false), { timeout: 30_000 });
    }
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("is created, started and loaded with the sample data set the first time", async () => {
    directory = await mkdtemp(join(tmpdir(), "aurweb-devdb-"));
    const said: string[] = [];
    server = await ensureLocalMariadb({ directory, dataset: PUBLIC_DATASET, say: (line) => said.push(line) });

    expect(server.url).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/aurweb$/);
    expect(await packageCount(server.url)).toBe(3757);
    expect(said.join("\n")).toMatch(/creating .*\nstarting .*\nloading /);
    expect(server.stopCommand).toBe(`kill $(cat ${join(directory, "mariadbd.pid")})`);
    expect(existsSync(join(directory, "mariadbd.pid"))).toBe(true);
  });

  it("is reused while it runs", async () => {
    const said: string[] = [];
    const again = await ensureLocalMariadb({ directory, dataset: PUBLIC_DATASET, say: (line) => said.push(line) });
    expect(again).toEqual(server);
    expect(said).toEqual([expect.stringMatching(/^using the local MariaDB already running in /)]);
  });

  it("is started again on its existing data once stopped, without reloading", async () => {
    process.kill(server!.pid, "SIGTERM");
    await vi.waitFor(() => expect(isRunning(server!.pid)).toBe(false), { timeout: 30_000 });

    const said: string[] = [];
    server = await ensureLocalMariadb({ directory, dataset: PUBLIC_DATASET, say: (line) => said.push(line) });
    expect(said).toEqual([expect.stringMatching(/^starting the local MariaDB on 127\.0\.0\.1:\d+$/)]);
    expect(await packageCount(server.url)).toBe(3757);
  });
});
