import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";

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

/** The text of .sql and .sql.gz files, one after the other. */
async function* sqlText(files: readonly string[]): AsyncGenerator<Buffer> {
  for (const file of files) {
    const source = createReadStream(file);
    yield* file.endsWith(".gz") ? source.pipe(createGunzip()) : source;
  }
}

/**
 * Streams a .sql or .sql.gz file, or the parts of one in order, into a database through the
 * mysql client, in one session (a part may rely on a SET of an earlier one).
 * Dumps and data sets are large and full of client-side syntax (DELIMITER, executable
 * comments), which the real client handles and a statement splitter would not.
 */
export async function loadSqlFile(url: string, file: string | readonly string[]): Promise<void> {
  const files = typeof file === "string" ? [file] : file;
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
  await pipeline(sqlText(files), child.stdin);
  const code = await exited;
  if (code !== 0) throw new Error(`loading ${files.join(", ")} failed: ${stderr.trim()}`);
}
