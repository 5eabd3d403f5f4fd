/**
 * Throwaway MariaDB servers, each a mariadbd of its own (data directory, port, socket,
 * server id), for tests and benches that need a server nobody else uses: a replication
 * pair, or a server whose global status counters only one bench moves.
 *
 * root has no password and is reached over TCP on 127.0.0.1; the caller removes the
 * directory once the servers are stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import { answersAsRoot, findMariadbProgram, runQuietly } from "./mariadb-programs.js";

const START_TIMEOUT_MS = 60_000;

export interface PrivateMariadbOptions {
  /** Holds the data directory, socket, pid file, log and (with binlog) the binary log. */
  directory: string;
  port: number;
  serverId: number;
  /** A primary writes a binary log for its replicas (row-based unless a session says otherwise). */
  binlog?: boolean;
  /** A replica refuses writes from anyone without READ ONLY ADMIN (root has it; the service's user does not). */
  readOnly?: boolean;
  /** More mariadbd options. */
  args?: string[];
}

export interface PrivateMariadb {
  port: number;
  /** mysql://root@127.0.0.1:port (no database). */
  url: string;
  pid(): number | undefined;
  /** Starts it again on the same data directory and port after kill() or stop(). */
  start(): Promise<void>;
  /** SIGKILL, as a crash: no shutdown, nothing flushed. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** A clean shutdown (SIGTERM). */
  stop(): Promise<void>;
}

function program(name: string): string {
  const found = findMariadbProgram(name);
  if (!found) throw new Error(`${name} not found; install mariadb-server`);
  return found;
}

/** Creates the data directory (mariadb-install-db) and starts the server; resolves once it answers. */
export async function startPrivateMariadb(options: PrivateMariadbOptions): Promise<PrivateMariadb> {
  const { directory, port, serverId } = options;
  const data = join(directory, "data");
  const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
  // A temporary directory of its own: servers set up side by side in a shared /tmp can
  // trip over each other's temporary tables.
  const tmp = join(directory, "tmp");
  await mkdir(tmp, { recursive: true });
  if (!existsSync(join(data, "mysql"))) {
    await runQuietly(program("mariadb-install-db"), [
      "--no-defaults",
      `--datadir=${data}`,
      `--tmpdir=${tmp}`,
      // root over TCP without a password, instead of the unix-socket-only default.
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...asRoot,
    ]);
  }
  const args = [
    "--no-defaults",
    `--datadir=${data}`,
    `--tmpdir=${tmp}`,
    `--socket=${join(directory, "mariadbd.sock")}`,
    `--pid-file=${join(directory, "mariadbd.pid")}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    `--server-id=${serverId}`,
    // Small: a test machine runs several of these beside the shared server.
    "--innodb-buffer-pool-size=128M",
    "--innodb-log-file-size=64M",
    ...(options.binlog ? [`--log-bin=${join(directory, "binlog")}`, "--binlog-format=ROW"] : []),
    ...(options.readOnly ? ["--read-only"] : []),
    ...(options.args ?? []),
    ...asRoot,
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    // A server left on the port would answer in place of this one.
    if (await answersAsRoot(port)) throw new Error(`something already answers on port ${port}; stop it first`);
    const log = await open(join(directory, "mariadbd.log"), "a");
    const process_ = spawn(program("mariadbd"), args, { stdio: ["ignore", log.fd, log.fd] });
    await log.close();
    child = process_;
    let gone = false;
    exited = new Promise((resolve) => process_.once("exit", () => resolve()));
    void exited.then(() => (gone = true));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answersAsRoot(port))) {
      if (gone) throw new Error(`mariadbd on port ${port} exited while starting; see ${join(directory, "mariadbd.log")}`);
      if (Date.now() > deadline) {
        process_.kill("SIGKILL");
        throw new Error(`mariadbd on port ${port} did not answer within ${START_TIMEOUT_MS} ms`);
      }
      await sleep(100);
    }
  };
  const signal = async (name: NodeJS.Signals) => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };

  await start();
  return {
    port,
    url: `mysql://root@127.0.0.1:${port}`,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    start,
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
  };
}

/** A connection as root, to `database` when given. */
export function rootConnection(server: PrivateMariadb, database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({ host: "127.0.0.1", port: server.port, user: "root", database, multipleStatements: true });
}

/**
 * Makes `replica` replicate everything `primary` writes from now on, with MariaDB's own
 * replication (GTID, from the replica's current position). The replication user is
 * created on the primary only, outside its binary log.
 */
export async function replicate(primary: PrivateMariadb, replica: PrivateMariadb): Promise<void> {
  const p = await rootConnection(primary);
  try {
    await p.query(
      `SET SESSION sql_log_bin = 0;
       CREATE USER IF NOT EXISTS 'replication'@'127.0.0.1' IDENTIFIED BY 'replication';
       GRANT REPLICATION SLAVE ON *.* TO 'replication'@'127.0.0.1';`,
    );
  } finally {
    await p.end();
  }
  const r = await rootConnection(replica);
  try {
    await r.query(
      `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = 'replication',
         MASTER_PASSWORD = 'replication', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
       START SLAVE;`,
    );
  } finally {
    await r.end();
  }
}

/** Waits until `replica` has applied everything `primary` has written so far. */
export async function caughtUp(primary: PrivateMariadb, replica: PrivateMariadb, timeoutMs = 30_000): Promise<void> {
  const p = await rootConnection(primary);
  const r = await rootConnection(replica);
  try {
    const [[{ position }]] = (await p.query("SELECT @@gtid_binlog_pos AS position")) as unknown as [[{ position: string }]];
    const [[{ reached }]] = (await r.query("SELECT MASTER_GTID_WAIT(?, ?) AS reached", [position, timeoutMs / 1000])) as unknown as [
      [{ reached: number }],
    ];
    if (Number(reached) !== 0) throw new Error(`the replica did not reach ${position} within ${timeoutMs} ms`);
  } finally {
    await Promise.all([p.end(), r.end()]);
  }
}
