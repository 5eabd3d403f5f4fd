import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { pipeline } from "node:stream/promises";

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function parseMysqlUrl(url: string): MysqlTarget {
  const u = new URL(url);
  if (u.protocol !== "mysql:" && u.protocol !== "mariadb:") {
    throw new Error(`not a mysql:// URL: ${url}`);
  }
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || "root"),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, "")),
  };
}

/** The mysql command-line client: `mariadb` on current Debian, `mysql` elsewhere. */
export async function findMysqlClient(): Promise<string> {
  for (const candidate of ["mariadb", "mysql"]) {
    const found = await new Promise<boolean>((resolve) => {
      const p = spawn(candidate, ["--version"], { stdio: "ignore" });
      p.on("error", () => resolve(false));
      p.on("exit", (code) => resolve(code === 0));
    });
    if (found) return candidate;
  }
  throw new Error("neither `mariadb` nor `mysql` client is installed (Debian: apt-get install mariadb-client)");
}

/**
 * Streams a .sql or .sql.gz file into a database through the mysql client.
 * Dumps and data sets are large and full of client-side syntax (DELIMITER, executable
 * comments), which the real client handles and a statement splitter would not.
 */
export async function loadSqlFile(url: string, file: string): Promise<void> {
  const t = parseMysqlUrl(url);
  const client = await findMysqlClient();
  const args = ["-h", t.host, "-P", String(t.port), "-u", t.user, "--protocol=TCP", "--default-character-set=utf8mb4", t.database];
  const child = spawn(client, args, {
    stdio: ["pipe", "ignore", "pipe"],
    env: { ...process.env, MYSQL_PWD: t.password },
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
  const source = createReadStream(file);
  if (file.endsWith(".gz")) {
    await pipeline(source, createGunzip(), child.stdin);
  } else {
    await pipeline(source, child.stdin);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`loading ${file} failed: ${stderr.trim()}`);
}
