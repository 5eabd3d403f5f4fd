/**
 * `npm start` without DATABASE_URL: a private MariaDB for development, kept in
 * .data/mariadb/ of the working tree (git-ignored), holding database `aurweb` with the
 * production schema and the public sample data set.
 *
 * It runs as the current user on a free port of 127.0.0.1, with a root user without a
 * password. It keeps running when the service stops, so the next start reuses it at
 * once instead of starting it and loading the data again; stopping it is printed.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { freePort } from "../../src/net/free-port.js";
import { answersAsRoot, findMariadbProgram, runQuietly } from "../db/mariadb-programs.js";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import mysql from "mysql2/promise";
import { createSchema } from "../db/create-schema.js";
import { loadSqlFile } from "../db/sql-file.js";
import { repositoryPath } from "../../src/project-files.js";
import { SAMPLE_DATASET } from "../reference-data.js";

/** The repository's own data directory; .gitignore lists `.data/`. */
const DEFAULT_DIRECTORY = repositoryPath(".data", "mariadb");

const DATABASE = "aurweb";
const START_TIMEOUT_MS = 60_000;

export class LocalMariadbError extends Error {}

export interface LocalMariadb {
  /** mysql:// URL of the `aurweb` database. */
  url: string;
  pid: number;
  /** A shell command that stops the server. */
  stopCommand: string;
}

interface Paths {
  data: string;
  pidFile: string;
  socket: string;
  portFile: string;
  log: string;
  /** Written once the data set is fully loaded; a database without it is reloaded. */
  loaded: string;
}

function pathsIn(directory: string): Paths {
  const at = (name: string) => join(directory, name);
  return {
    data: at("data"),
    pidFile: at("mariadbd.pid"),
    socket: at("mariadbd.sock"),
    portFile: at("port"),
    log: at("mariadbd.log"),
    loaded: at("aurweb.loaded"),
  };
}

/**
 * Starts the private server (or finds it running) and makes sure the `aurweb` database
 * is loaded. `say` gets one human-readable line per step.
 */
export async function ensureLocalMariadb(
  options: { directory?: string; dataset?: string; say?: (line: string) => void } = {},
): Promise<LocalMariadb> {
  const directory = options.directory ?? DEFAULT_DIRECTORY;
  const dataset = options.dataset ?? SAMPLE_DATASET;
  const say = options.say ?? ((line: string) => console.log(line));
  const paths = pathsIn(directory);
  await mkdir(directory, { recursive: true });

  let server = await runningServer(paths);
  if (server) {
    say(`using the local MariaDB already running in ${shown(directory)} (port ${server.port})`);
  } else {
    const binaries = await mariadbBinaries(say);
    server = await startMariadb(paths, binaries, say);
  }

  const serverUrl = `mysql://root@127.0.0.1:${server.port}`;
  if (!existsSync(paths.loaded)) await loadSampleData(serverUrl, dataset, paths, say);

  return {
    url: `${serverUrl}/${DATABASE}`,
    pid: server.pid,
    stopCommand: `kill $(cat ${shown(paths.pidFile)})`,
  };
}

function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(file, "utf8")).trim());
    return Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a running mariadbd: after a crash the pid file may name an unrelated process. */
async function isMariadbd(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/comm`, "utf8")).trim() === "mariadbd";
  } catch {
    return false;
  }
}

/** The server from a previous run, if its process is alive and answers on its port. */
async function runningServer(paths: Paths): Promise<{ pid: number; port: number } | undefined> {
  const pid = await readNumber(paths.pidFile);
  const port = await readNumber(paths.portFile);
  if (pid === undefined || port === undefined || !(await isMariadbd(pid))) return undefined;
  // It may still be starting (another `npm start` a moment ago).
  for (let waited = 0; waited < START_TIMEOUT_MS; waited += 500) {
    if (await answersAsRoot(port)) return { pid, port };
    if (!(await isMariadbd(pid))) return undefined;
    await sleep(500);
  }
  throw new LocalMariadbError(
    `the local MariaDB (pid ${pid}) does not answer on port ${port}; see ${shown(paths.log)}, or stop it: kill ${pid}`,
  );
}

interface Binaries {
  mariadbd: string;
  installDb: string;
}

const INSTALL_COMMAND = "apt-get install -y mariadb-server";

async function mariadbBinaries(say: (line: string) => void): Promise<Binaries> {
  let mariadbd = findMariadbProgram("mariadbd");
  if (!mariadbd) {
    if (process.getuid?.() !== 0) {
      throw new LocalMariadbError(
        `MariaDB is not installed. Install it (sudo ${INSTALL_COMMAND}), or set DATABASE_URL to use an existing database.`,
      );
    }
    say(`MariaDB is not installed; running: apt-get update && ${INSTALL_COMMAND}`);
    await run("apt-get", ["update"]);
    await run("apt-get", ["install", "-y", "mariadb-server"]);
    mariadbd = findMariadbProgram("mariadbd");
    if (!mariadbd) throw new LocalMariadbError(`${INSTALL_COMMAND} did not install mariadbd`);
  }
  const installDb = findMariadbProgram("mariadb-install-db");
  if (!installDb) throw new LocalMariadbError(`mariadb-install-db is missing (it comes with mariadb-server: ${INSTALL_COMMAND})`);
  return { mariadbd, installDb };
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new LocalMariadbError(`${command} ${args.join(" ")} exited with status ${code}`)),
    );
  });
}

async function startMariadb(paths: Paths, binaries: Binaries, say: (line: string) => void): Promise<{ pid: number; port: number }> {
  // mariadbd refuses to run as root unless told to.
  const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
  if (!existsSync(`${paths.data}/mysql`)) {
    say(`creating a local MariaDB in ${shown(paths.data)}`);
    await runQuietly(binaries.installDb, [
      "--no-defaults",
      `--datadir=${paths.data}`,
      // root@localhost with no password instead of the unix-socket-only default, so the
      // service and the mysql client can connect over TCP.
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...asRoot,
    ]).catch((error: Error) => {
      throw new LocalMariadbError(error.message);
    });
    // A new server has no database yet, whatever a marker from an older one says.
    await rm(paths.loaded, { force: true });
  }

  const port = await freePort();
  await writeFile(paths.portFile, `${port}\n`);
  say(`starting the local MariaDB on 127.0.0.1:${port}`);
  const log = await open(paths.log, "a");
  const child = spawn(
    binaries.mariadbd,
    [
      "--no-defaults",
      `--datadir=${paths.data}`,
      `--socket=${paths.socket}`,
      `--pid-file=${paths.pidFile}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      ...asRoot,
    ],
    // Its own session, so Ctrl-C on `npm start` does not stop it too.
    { detached: true, stdio: ["ignore", log.fd, log.fd] },
  );
  await log.close();
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answersAsRoot(port)) return { pid: child.pid!, port };
    const code = await Promise.race([exited, sleep(250).then(() => "running" as const)]);
    if (code !== "running") {
      throw new LocalMariadbError(`the local MariaDB exited with status ${code} while starting; see ${shown(paths.log)}`);
    }
  }
  throw new LocalMariadbError(`the local MariaDB did not answer within ${START_TIMEOUT_MS / 1000} s; see ${shown(paths.log)}`);
}

async function loadSampleData(serverUrl: string, dataset: string, paths: Paths, say: (line: string) => void): Promise<void> {
  if (!existsSync(dataset)) {
    throw new LocalMariadbError(
      `the sample data set is missing (${shown(dataset)}); restore data/ from git, or set DATABASE_URL`,
    );
  }
  say(`loading the production schema and the sample data set into database ${DATABASE}`);
  // Whatever a previous, interrupted load left is dropped: the marker was not written.
  const connection = await mysql.createConnection(serverUrl);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  } finally {
    await connection.end();
  }
  const url = `${serverUrl}/${DATABASE}`;
  // The data set brings the reference rows (account, dependency, relation, request types) itself.
  await createSchema(url, { referenceData: false });
  await loadSqlFile(url, dataset);
  await writeFile(paths.loaded, `${new Date().toISOString()}\n`);
}
