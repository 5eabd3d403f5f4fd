import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";

/** The server tests run against; each test file creates and drops its own databases on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306";

export interface ScratchDatabase {
  name: string;
  /** mysql:// URL of the new database. */
  url: string;
  drop(): Promise<void>;
}

function serverUrlWithDatabase(name: string): string {
  const u = new URL(TEST_SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates an empty, uniquely named database (utf8mb4_general_ci, like production). */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `t_${label.replace(/[^a-z0-9_]/gi, "_").slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  const conn = await mysql.createConnection(TEST_SERVER_URL);
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await conn.end();
  }
  return {
    name,
    url: serverUrlWithDatabase(name),
    async drop() {
      const c = await mysql.createConnection(TEST_SERVER_URL);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}
