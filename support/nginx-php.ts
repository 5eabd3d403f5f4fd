/**
 * Real nginx, PHP (built-in server or php-fpm) and the service as child processes, for the
 * tests of conf/nginx/ and for the benchmark. Each runs on a free 127.0.0.1 port, keeps its
 * files in a temporary directory of its own and is stopped by `stop()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/net/free-port.js";
import { spawnService } from "./service-process.js";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const PHP_SITE = join(REPO_ROOT, "fixtures/php-site");
const NGINX_CONF_DIR = join(REPO_ROOT, "conf/nginx");

const RUNNING_AS_ROOT = process.getuid?.() === 0;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Finding the programs

export interface Tools {
  nginx: string;
  php: string;
  phpFpm: string;
  envsubst: string;
}

/** nginx and php-fpm live in sbin, which is not on every user's PATH. */
function searchDirs(): string[] {
  const path = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  return [...path, "/usr/local/sbin", "/usr/sbin", "/sbin"];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findProgram(matches: (name: string) => boolean): string | undefined {
  for (const dir of searchDirs()) {
    let names: string[];
    try {
      names = readdirSync(dir).filter(matches).sort();
    } catch {
      continue;
    }
    const found = names.map((name) => join(dir, name)).find(isExecutable);
    if (found) return found;
  }
  return undefined;
}

/** The programs the nginx tests run; `missing` names the Debian packages of those not found. */
export function findTools(): { tools: Tools | undefined; missing: string[] } {
  const found = {
    nginx: findProgram((n) => n === "nginx"),
    php: findProgram((n) => n === "php"),
    // Debian names it after the PHP version (php-fpm8.2), other systems plain php-fpm.
    phpFpm: findProgram((n) => /^php-fpm[0-9.]*$/.test(n)),
    envsubst: findProgram((n) => n === "envsubst"),
  };
  const packages = { nginx: "nginx-light", php: "php-cli", phpFpm: "php-fpm", envsubst: "gettext-base" };
  const missing = (Object.keys(found) as (keyof Tools)[]).filter((k) => found[k] === undefined).map((k) => packages[k]);
  return { tools: missing.length === 0 ? (found as Tools) : undefined, missing };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Running {
  port: number;
  /** host:port, as the nginx templates want it. */
  address: string;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "";
  }
}

interface DaemonOptions {
  name: string;
  command: string;
  args: string[];
  port: number;
  /** Output goes to this file, quoted in the error if the program does not come up. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** More files worth quoting when the program fails to start. */
  extraLogs?: string[];
}

/**
 * Starts a program in the foreground, in a process group of its own so that stopping it stops
 * its workers too, and waits until its port accepts connections.
 */
async function startDaemon(options: DaemonOptions): Promise<Running> {
  const log = openSync(options.logFile, "w");
  const child = spawn(options.command, options.args, {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  const failure = () =>
    new Error(
      `${options.name} did not start (${options.command} ${options.args.join(" ")}):\n` +
        [options.logFile, ...(options.extraLogs ?? [])].map(tail).join("\n"),
    );
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) throw failure();
    if (await accepts(options.port)) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid!, "SIGKILL");
      throw failure();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, "SIGTERM");
    const killed = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(killed);
  };
  return { port: options.port, address: `127.0.0.1:${options.port}`, stop };
}

/** A temporary directory for one program's files. */
async function workDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `aurweb-rpc-${name}-`));
}

function removingDirOnStop(running: Running, dir: string): Running {
  return {
    ...running,
    stop: async () => {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RunningService extends Running {
  /** Every line it printed so far, to tell why it failed. */
  output: string[];
  /** Settles when it exits, with its exit code or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
}

/** The service as `npm start` runs it, with `env` (DATABASE_URL at least) over ours; ready to answer. */
export async function startService(env: Record<string, string>): Promise<RunningService> {
  const service = await spawnService(env);
  const port = Number(new URL(service.url).port);
  return {
    port,
    address: `127.0.0.1:${port}`,
    output: service.output,
    exited: service.exited,
    stop: async () => {
      await service.stop();
    },
  };
}

/** PHP's built-in web server on the stand-in site, routed by its router.php as nginx would. */
export async function startPhpBuiltIn(tools: Tools, options: { workers?: number } = {}): Promise<Running> {
  const dir = await workDir("php");
  const port = await freePort();
  const running = await startDaemon({
    name: "php -S",
    command: tools.php,
    args: ["-S", `127.0.0.1:${port}`, "-t", PHP_SITE, join(PHP_SITE, "router.php")],
    port,
    logFile: join(dir, "php.log"),
    // One process answers one request at a time unless told to fork workers.
    env: { ...process.env, PHP_CLI_SERVER_WORKERS: String(options.workers ?? 1) },
  });
  return removingDirOnStop(running, dir);
}

/** php-fpm with a pool of its own, listening on a TCP port. */
export async function startPhpFpm(tools: Tools, options: { workers?: number } = {}): Promise<Running> {
  const dir = await workDir("php-fpm");
  const port = await freePort();
  const conf = join(dir, "php-fpm.conf");
  await writeFile(
    conf,
    [
      "[global]",
      `pid = ${join(dir, "php-fpm.pid")}`,
      `error_log = ${join(dir, "php-fpm.log")}`,
      "daemonize = no",
      "[site]",
      `listen = 127.0.0.1:${port}`,
      // A fixed pool: no spawning of workers while a test or the benchmark measures.
      "pm = static",
      `pm.max_children = ${options.workers ?? 4}`,
      // As root, php-fpm wants to be told (-R) and a user for its workers.
      ...(RUNNING_AS_ROOT ? ["user = root", "group = root"] : []),
      "",
    ].join("\n"),
  );
  const running = await startDaemon({
    name: "php-fpm",
    command: tools.phpFpm,
    args: ["-F", "-y", conf, ...(RUNNING_AS_ROOT ? ["-R"] : [])],
    port,
    logFile: join(dir, "php-fpm.out"),
    extraLogs: [join(dir, "php-fpm.log")],
  });
  return removingDirOnStop(running, dir);
}

export type NginxTemplate = "fallback-http.conf.template" | "fallback-fastcgi.conf.template" | "location.conf.template";

/** The template variables; a template uses some of them. */
export interface NginxVars {
  PHP_HTTP?: string;
  PHP_FASTCGI?: string;
  PHP_ROOT?: string;
  SERVICE: string;
}

/** Renders a template the way docs/deploying.md says: envsubst with the variables named. */
async function renderTemplate(tools: Tools, template: NginxTemplate, vars: Record<string, string>): Promise<string> {
  const child = spawn(tools.envsubst, ["$LISTEN $PHP_HTTP $PHP_FASTCGI $PHP_ROOT $SERVICE"], {
    env: { ...process.env, ...vars },
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin.end(readFileSync(join(NGINX_CONF_DIR, template)));
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  // "close", not "exit": the output may still be in the pipe when the process has exited.
  await new Promise((resolve) => child.once("close", resolve));
  if (child.exitCode !== 0) throw new Error(`envsubst failed on ${template}`);
  const rendered = Buffer.concat(chunks).toString("utf8");
  const left = /\$\{[A-Z_]+\}/.exec(rendered);
  if (left) throw new Error(`${template} still holds ${left[0]} after envsubst`);
  return rendered;
}

/** nginx on one of conf/nginx/'s templates. */
export async function startNginx(tools: Tools, template: NginxTemplate, vars: NginxVars): Promise<Running> {
  const dir = await workDir("nginx");
  await mkdir(join(dir, "logs"));
  const port = await freePort();
  const conf = join(dir, "nginx.conf");
  await writeFile(conf, await renderTemplate(tools, template, { ...vars, LISTEN: `127.0.0.1:${port}` }));
  // As root, nginx runs its workers as nobody, who could not buffer request bodies in our
  // private temporary directory.
  const directives = RUNNING_AS_ROOT ? "daemon off; user root;" : "daemon off;";
  const running = await startDaemon({
    name: `nginx (${template})`,
    command: tools.nginx,
    args: ["-p", `${dir}/`, "-c", conf, "-g", directives],
    port,
    logFile: join(dir, "nginx.out"),
    extraLogs: [join(dir, "logs/error.log")],
  });
  return removingDirOnStop(running, dir);
}

/** A stand-in for the service that answers with what it received, to check what nginx forwards. */
export async function startEchoServer(): Promise<Running> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const echo: Echo = {
        method: req.method ?? "",
        uri: req.url ?? "",
        headers: req.headers,
        bodyLength: body.length,
        bodySha256: sha256(body),
      };
      // In a header too, for HEAD requests, whose answers have no body.
      res.writeHead(200, { "Content-Type": "application/json", "X-Echo": JSON.stringify(echo) });
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return {
    port: address.port,
    address: `127.0.0.1:${address.port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Echo {
  method: string;
  uri: string;
  headers: http.IncomingHttpHeaders;
  bodyLength: number;
  bodySha256: string;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpRequest {
  method?: string;
  /** The request target exactly as it goes on the wire. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** The client address, to look like different clients (any 127.x.y.z works on Linux). */
  localAddress?: string;
}

export interface HttpAnswer {
  status: number;
  /** Header names and values in the order and case the server sent them. */
  headers: [string, string][];
  body: Buffer;
}

/** One request on a connection of its own, so that nothing is pooled or rewritten on the way. */
export function httpRequest(port: number, request: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: request.method ?? "GET",
        path: request.path,
        headers: request.headers,
        localAddress: request.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const headers: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}

export function header(answer: HttpAnswer, name: string): string | undefined {
  return answer.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * Headers that belong to one connection, one server or one request (the service's request id
 * is new every time), not to the answer.
 */
const UNCOMPARED_HEADERS = new Set(["date", "server", "connection", "keep-alive", "transfer-encoding", "x-request-id"]);

/**
 * An answer with what a proxy may legitimately change left out, for byte-for-byte comparisons.
 * Header order is not compared: nginx sends Content-Type and Content-Length first.
 */
export function comparable(answer: HttpAnswer): { status: number; headers: string[]; body: string } {
  return {
    status: answer.status,
    headers: answer.headers
      .filter(([name]) => !UNCOMPARED_HEADERS.has(name.toLowerCase()))
      .map(([name, value]) => `${name.toLowerCase()}: ${value}`)
      .sort(),
    // latin1 maps every byte to one character: exact, and readable in a diff.
    body: answer.body.toString("latin1"),
  };
}
