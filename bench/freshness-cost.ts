/**
 * What keeping the read model fresh costs the database: the statements the service sends
 * and the bytes it receives (counted on its own connections by the tap), while idle,
 * under load and after one change by the legacy site; with MariaDB's server-wide
 * Questions counter over the same interval beside them.
 */
import type mysql from "mysql2/promise";
import type { DatabaseTap } from "./db-tap.js";
import type { LoadResult } from "./load.js";
import { readUpload, writeUpload, type Upload } from "../support/upload.js";

export interface DatabaseUse {
  seconds: number;
  /** Statements the service sent. */
  statements: number;
  /** Bytes MariaDB sent to the service. */
  bytesReceived: number;
  /** Statements of every client of the server (Questions), less the bench's own. */
  serverQuestions: number;
}

export class DatabaseWatch {
  constructor(
    private readonly tap: DatabaseTap,
    /** The bench's own connection, for the server's counters. */
    private readonly connection: mysql.Connection,
  ) {}

  /**
   * How the service used the database while `work` ran. `ownStatements` are statements
   * `work` sent on the bench's connection itself, to be taken off the server's count.
   */
  async during<T>(work: () => Promise<T>, ownStatements = 0): Promise<{ result: T; use: DatabaseUse }> {
    const tapBefore = this.tap.read();
    const questionsBefore = await this.questions();
    const started = performance.now();
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    // The reading that closes the interval counts itself.
    const serverQuestions = (await this.questions()) - questionsBefore - 1 - ownStatements;
    const tapAfter = this.tap.read();
    return {
      result,
      use: {
        seconds,
        statements: tapAfter.statements - tapBefore.statements,
        bytesReceived: tapAfter.bytesReceived - tapBefore.bytesReceived,
        serverQuestions,
      },
    };
  }

  private async questions(): Promise<number> {
    const [rows] = await this.connection.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
    return Number(rows[0]!.Value);
  }
}

export interface ChangeCost {
  /** From the write's commit to the first answer that shows it. */
  visibleAfterMs: number;
  /** Over the window from the write: polling, and reading again what changed. */
  use: DatabaseUse;
  /** The requests sent through the window (one info request every 20 ms or so, keep-alive). */
  polls: PollStats;
}

export interface PollStats {
  requests: number;
  /** Requests that failed (a connection reset, say) instead of answering. */
  failed: number;
  slowestMs: number;
}

/** Long enough for the service to read the change, twice where it does (see store.ts), at 400K packages. */
const CHANGE_WINDOW_MS = 20_000;
const POLL_MS = 20;

/**
 * One vote on a package, as the legacy site writes it (UPDATE PackageBases): how long
 * until the service's answers show it, what the service read from the database after
 * it, and how the service answered meanwhile. The vote is taken back afterwards.
 */
export async function measureVote(watch: DatabaseWatch, connection: mysql.Connection, serviceUrl: string): Promise<ChangeCost> {
  const [[pkg]] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT Packages.Name AS name, PackageBases.ID AS baseId, PackageBases.NumVotes AS votes
     FROM Packages JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
     WHERE PackageBases.PackagerUID IS NOT NULL ORDER BY Packages.ID LIMIT 1`,
  );
  if (!pkg) throw new Error("no visible package to vote for");
  const url = new URL(`/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg.name as string)}`, serviceUrl);
  const setVotes = async (votes: number) => {
    await connection.query("UPDATE PackageBases SET NumVotes = ? WHERE ID = ?", [votes, pkg.baseId]);
    return pollVotes(url, votes, CHANGE_WINDOW_MS);
  };

  const { result, use } = await watch.during(() => setVotes((pkg.votes as number) + 1), 1);
  await setVotes(pkg.votes as number);
  return { visibleAfterMs: result.visibleAfterMs, use, polls: result.polls };
}

function pollVotes(url: URL, votes: number, windowMs: number): Promise<{ visibleAfterMs: number; polls: PollStats }> {
  return pollUntil(url, (result) => result.NumVotes === votes, `NumVotes ${votes}`, windowMs);
}

export interface UpdateCost {
  /** From each upload's commit to the first answer that shows it; the uploads ran one after another. */
  visibleAfterMs: number[];
  /** The load (info-1 at 50 connections) over the window around the writes. */
  load: LoadResult;
  loadSeconds: number;
}

/** Load runs this long before the first write, so the writes land on a busy service. */
const LOAD_BEFORE_WRITE_MS = 2000;
/**
 * Uploads in one run. A single rebuild hides what a run of them costs: each leaves the
 * snapshot it replaced behind as garbage, and the peak RSS is reached over several.
 */
const UPLOADS = 4;
/** The load runs this long per upload (each needs a rebuild of seconds under load). */
const LOAD_PER_UPLOAD_MS = 8000;

/**
 * A package base uploaded again and again as the legacy site writes an upload (every
 * package deleted and inserted with a new ID, see upload.ts), its descriptions changed
 * and put back in turn, while `underLoad` keeps the service busy. Each upload needs a new
 * snapshot: how long until the answers show it, and what the load saw meanwhile (its p99
 * and slowest answer). The base is none of `avoid`'s packages, the ones the load asks
 * for, whose answers must stay as recorded. It ends as it was, but for its package IDs.
 */
export async function measureUploads(
  connection: mysql.Connection,
  serviceUrl: string,
  avoid: readonly string[],
  underLoad: (durationS: number) => Promise<LoadResult>,
): Promise<UpdateCost> {
  const [[pkg]] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT Packages.Name AS name, Packages.PackageBaseID AS baseId
     FROM Packages JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
     WHERE PackageBases.PackagerUID IS NOT NULL AND Packages.Description IS NOT NULL AND Packages.Name NOT IN (?)
     ORDER BY Packages.ID DESC LIMIT 1`,
    [avoid.length > 0 ? avoid : [""]],
  );
  if (!pkg) throw new Error("no visible package with a description to upload");
  const url = new URL(`/rpc/?v=5&type=info&arg[]=${encodeURIComponent(pkg.name as string)}`, serviceUrl);
  const original = await readUpload(connection, pkg.baseId as number);
  const described = (suffix: string): Upload => ({
    ...original,
    modifiedTS: Math.floor(Date.now() / 1000),
    packages: original.packages.map((p) => ({ ...p, description: p.description === null ? null : `${p.description}${suffix}` })),
  });
  const descriptionOf = (upload: Upload) => upload.packages.find((p) => p.name === pkg.name)!.description;

  const loadSeconds = (LOAD_BEFORE_WRITE_MS + UPLOADS * LOAD_PER_UPLOAD_MS) / 1000;
  const loaded = underLoad(loadSeconds);
  const visibleAfterMs: number[] = [];
  try {
    await sleep(LOAD_BEFORE_WRITE_MS);
    for (let i = 1; i <= UPLOADS; i++) {
      const upload = i === UPLOADS ? original : described(` (upload ${i})`);
      await writeUpload(connection, upload);
      const shows = (result: Record<string, unknown>) => result.Description === descriptionOf(upload);
      const shown = await pollUntil(url, shows, `upload ${i}`, CHANGE_WINDOW_MS, { untilShown: true });
      visibleAfterMs.push(shown.visibleAfterMs);
    }
    return { visibleAfterMs, load: await loaded, loadSeconds };
  } finally {
    await loaded.catch(() => undefined);
    if (visibleAfterMs.length < UPLOADS) await writeUpload(connection, original);
  }
}

/**
 * Polls `url` (an info request) for `windowMs`, or `untilShown`: when its first result
 * first passes `shows`, and how the answers went.
 */
async function pollUntil(
  url: URL,
  shows: (result: Record<string, unknown>) => boolean,
  what: string,
  windowMs: number,
  { untilShown = false } = {},
): Promise<{ visibleAfterMs: number; polls: PollStats }> {
  const started = performance.now();
  const polls: PollStats = { requests: 0, failed: 0, slowestMs: 0 };
  let visibleAfterMs: number | undefined;
  while (performance.now() - started < windowMs) {
    const sent = performance.now();
    polls.requests++;
    try {
      const answer = (await (await fetch(url)).json()) as { results: Record<string, unknown>[] };
      if (answer.results[0] && shows(answer.results[0])) visibleAfterMs ??= performance.now() - started;
    } catch {
      polls.failed++;
    }
    polls.slowestMs = Math.max(polls.slowestMs, performance.now() - sent);
    if (untilShown && visibleAfterMs !== undefined) break;
    await sleep(POLL_MS);
  }
  if (visibleAfterMs === undefined) throw new Error(`${url.href}: ${what} did not show within ${windowMs} ms`);
  return { visibleAfterMs, polls };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
