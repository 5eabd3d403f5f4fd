/**
 * Keeps a current Snapshot and replaces it when the legacy site changes the tables.
 *
 * Change detection polls information_schema.TABLES.UPDATE_TIME (one cheap query per
 * interval; InnoDB sets it at commit). Its resolution is one second, so a table whose
 * last change falls in the second our last read started is read again: a write that
 * committed just after the read must not be missed. Only the sources whose tables
 * changed are read again; the rest of the previous rows are reused.
 *
 * When MariaDB is unreachable the last snapshot keeps serving; polling goes on, further
 * apart while it fails (up to DB_RETRY_MAX_MS), and the model catches up by itself when
 * the database returns. Every wait on the database has a deadline (db/deadlines.ts), so
 * a poll or a load always ends and the next one always comes. What went wrong is told
 * once, as one line (db/trouble.ts), and again only at growing intervals.
 *
 * Each poll first asks where to read (db/read-sources.ts: a replica, another one, or the
 * primary) and how much of the primary's history that server holds, which makes the data
 * age. UPDATE_TIME and the clock it is compared with are one server's, so a poll that
 * reads a different server than the last one reads every table again.
 */
import { inArray, sql } from "drizzle-orm";
import { MySqlDialect } from "drizzle-orm/mysql-core";
import type { Db } from "../db/client.js";
import { DEFAULT_DEADLINES, DEFAULT_RETRY_MAX_MS, DeadlinePool, type QueryDeadlines } from "../db/deadlines.js";
import { SingleSource, type ReadSourceChoice, type ReadSourcePicker } from "../db/read-sources.js";
import { classifyDatabaseError, MissingTablesError, type DatabaseTrouble } from "../db/trouble.js";
import type { MaybePromise } from "../maybe-promise.js";
import { fullCollection } from "./full-collection.js";
import { loadSources, SOURCES, WATCHED_TABLES, type SourceName, type SourceRows } from "./load.js";
import { probeDependencyOrder, probePlans } from "./plan.js";
import { dependencySearchOrder } from "./row-order.js";
import { Snapshot } from "./snapshot.js";
import { runAtOnce, runInSlices, type Slices } from "./steps.js";
import type { DependencyOrder, NamedLink, ScanPlans, UnpackagedBases } from "./types.js";

/** Dependency-search plans remembered per snapshot; more distinct names than this start over. */
const MAX_REMEMBERED_PLANS = 10_000;
/** A plan question must not hold a request up for long: past this the snapshot's default serves. */
const PLAN_TIMEOUT_MS = 250;
/** How often the search plans are asked for again when no table changed. */
const PLAN_RECHECK_MS = 30_000;
/**
 * How a rebuild shares the process with requests (see steps.ts): a request waits at most
 * one slice for it, and under full load it still ends within the freshness bound.
 */
const REBUILD_SLICES: Slices = { minMs: 5, maxMs: 50 };
/** The same trouble is told again after this, then after twice as long each time, up to LOG_REPEAT_MAX_MS. */
const LOG_REPEAT_MIN_MS = 5000;
const LOG_REPEAT_MAX_MS = 300_000;

interface ReadModelOptions {
  refreshIntervalMs: number;
  /** Bases without a packager: "hidden" (the default, aurweb 5.0.0) or "shown" (see UnpackagedBases). */
  unpackagedBases?: UnpackagedBases;
  /** A fault of the program while loading (not of the database), with its stack; told with the same backoff. */
  onError?: (error: unknown) => void;
  onRefresh?: (info: RefreshInfo) => void;
  /** See REBUILD_SLICES. */
  rebuildSlices?: Slices;
  /** Deadlines of every query the read model makes; DEFAULT_DEADLINES when not given. */
  deadlines?: QueryDeadlines;
  /** The longest wait between two attempts while the database fails. */
  retryMaxMs?: number;
  /** The database is in trouble: called at the first failure and again with backoff, never once per poll. */
  onTrouble?: (trouble: DatabaseTrouble, info: TroubleInfo) => void;
  /** The database answers again after `info.attempts` failed polls. */
  onRecovered?: (info: { attempts: number; troubleMs: number }) => void;
}

interface TroubleInfo {
  /** Failed polls in a row, this one included. */
  attempts: number;
  /** When the next attempt comes. */
  retryInMs: number;
}

/** What /readyz needs to know, read from fields: nothing here touches the database. */
export interface ReadModelHealth {
  snapshotLoaded: boolean;
  /** Whether the last poll reached the database and read what it needed within its deadlines. */
  databaseReachable: boolean;
  trouble: DatabaseTrouble | undefined;
  /** Since the start of the last poll that found the snapshot current (undefined without one). */
  snapshotAgeMs: number | undefined;
  /**
   * How old the data answered is relative to the primary: the snapshot's age plus the lag
   * of the server it was read from. Undefined without a snapshot or when that lag is unknown.
   */
  dataAgeMs: number | undefined;
  /** The read server's lag behind the primary at the last poll that found the snapshot current. */
  replicaLagMs: number | undefined;
  /** The server the snapshot was last confirmed current with ("primary", "replica", "replica2", ...). */
  readSource: string | undefined;
}

interface RefreshInfo {
  sources: SourceName[];
  durationMs: number;
}

interface TableState {
  updateTime: string | null;
  /** Database clock (whole seconds, as text) when the last read of this table started. */
  readStartedAt: string;
}

function sameLinks(a: readonly NamedLink[], b: readonly NamedLink[]): boolean {
  return a.length === b.length && a.every((x, i) => x.ownerId === b[i]!.ownerId && x.rank === b[i]!.rank && x.name === b[i]!.name);
}

export class ReadModel {
  private snapshot: Snapshot | undefined;
  private dependencyPlans = new Map<string, DependencyOrder>();
  /** Tables whose read waited one poll because they changed in the current second. */
  private postponed = new Set<string>();
  /** When plans were last asked for (performance.now()); -Infinity: ask at the next poll. */
  private plansCheckedAt = Number.NEGATIVE_INFINITY;
  private rows: SourceRows | undefined;
  private tables = new Map<string, TableState>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly rebuildListeners = new Set<() => void>();
  private readonly sources: ReadSourcePicker;
  /** The server the current poll reads; every query of one poll goes to it. */
  private pool: DeadlinePool | undefined;
  /** The server whose UPDATE_TIMEs `tables` holds. */
  private reading: string | undefined;
  /** The server the current snapshot was last confirmed current with. */
  private servedFrom: string | undefined;
  /** performance.now() of the primary state the snapshot is known to hold (see ReadModelHealth.dataAgeMs). */
  private dataAsOf: number | undefined;
  /** Failed polls in a row. */
  private failures = 0;
  private troubleSince = 0;
  private logged: { at: number; kind: string; gapMs: number } | undefined;
  /** performance.now() at the start of the last poll that confirmed the snapshot current (postponed nothing). */
  private currentAsOf: number | undefined;
  private readonly firstSnapshotWaiters = new Set<() => void>();
  /** Whether the last poll reached the database. */
  databaseReachable = false;
  /** What the last poll failed with, classified; undefined after a poll that succeeded. */
  trouble: DatabaseTrouble | undefined;

  constructor(
    db: Db | DeadlinePool | ReadSourcePicker,
    private readonly options: ReadModelOptions,
  ) {
    if (db instanceof DeadlinePool) this.sources = new SingleSource(db);
    else if ("choose" in db) this.sources = db;
    else this.sources = new SingleSource(new DeadlinePool(db.$client, options.deadlines ?? DEFAULT_DEADLINES));
  }

  health(): ReadModelHealth {
    const now = performance.now();
    const current = this.snapshot !== undefined && this.currentAsOf !== undefined;
    return {
      snapshotLoaded: this.snapshot !== undefined,
      databaseReachable: this.databaseReachable,
      trouble: this.trouble,
      snapshotAgeMs: current ? now - this.currentAsOf! : undefined,
      dataAgeMs: current && this.dataAsOf !== undefined ? now - this.dataAsOf : undefined,
      replicaLagMs: current && this.dataAsOf !== undefined ? Math.max(0, this.currentAsOf! - this.dataAsOf) : undefined,
      readSource: this.servedFrom,
    };
  }

  /**
   * Calls `listener` as each snapshot that will replace the current one starts to be built,
   * before the collection that precedes the build: what is only kept for the current
   * snapshot can be let go in time for that collection.
   */
  onRebuild(listener: () => void): void {
    this.rebuildListeners.add(listener);
  }

  current(): Snapshot | undefined {
    return this.snapshot;
  }

  /**
   * The row order of a dependency search for `name`, asked of MariaDB (plan.ts) once per
   * name and snapshot, or without an answer in time (database away) as row-order.ts
   * dependencySearchOrder says. Known already, it is returned at once.
   */
  dependencyOrder(snapshot: Snapshot, type: string, name: string): MaybePromise<DependencyOrder> {
    const key = `${type}\u0000${name}`;
    const known = snapshot === this.snapshot ? this.dependencyPlans.get(key) : undefined;
    return known ?? this.askDependencyOrder(snapshot, key, type, name);
  }

  private async askDependencyOrder(snapshot: Snapshot, key: string, type: string, name: string): Promise<DependencyOrder> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), PLAN_TIMEOUT_MS)));
    const pool = this.pool;
    const order = pool ? await Promise.race([probeDependencyOrder(pool, type, name).catch(() => undefined), timeout]) : undefined;
    clearTimeout(timer);
    if (order !== undefined && snapshot === this.snapshot) {
      if (this.dependencyPlans.size >= MAX_REMEMBERED_PLANS) this.dependencyPlans.clear();
      this.dependencyPlans.set(key, order);
    }
    return dependencySearchOrder(order, snapshot.plans);
  }

  /**
   * The current snapshot; before the first one exists, waits up to `timeoutMs` for it
   * (a request arriving while the service starts should not fail needlessly).
   */
  async ready(timeoutMs: number): Promise<Snapshot | undefined> {
    if (this.snapshot) return this.snapshot;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    // While the database fails, requests wait for the next scheduled attempt rather than
    // each starting one: that would undo the backoff.
    let waiter: (() => void) | undefined;
    const arrived =
      this.failures === 0 ? this.tick() : new Promise<void>((resolve) => this.firstSnapshotWaiters.add((waiter = resolve)));
    await Promise.race([arrived, timeout]);
    clearTimeout(timer);
    if (waiter) this.firstSnapshotWaiters.delete(waiter);
    return this.snapshot;
  }

  /** Loads the first snapshot (if the database answers) and starts polling. */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Polls once, asks MariaDB for its plans again, and reloads what changed; resolves when
   * done. Safe to call concurrently.
   */
  async refreshNow(): Promise<void> {
    await this.running;
    this.plansCheckedAt = Number.NEGATIVE_INFINITY;
    return this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.nextPollInMs());
    this.timer.unref();
  }

  /** The refresh interval, doubled for each failed poll in a row, up to retryMaxMs. */
  private nextPollInMs(): number {
    const interval = this.options.refreshIntervalMs;
    if (this.failures === 0) return interval;
    const ceiling = Math.max(interval, this.options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS);
    return Math.min(interval * 2 ** Math.min(this.failures, 20), ceiling);
  }

  private tick(): Promise<void> {
    this.running ??= this.poll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async poll(): Promise<void> {
    const started = performance.now();
    try {
      const source = await this.sources.choose();
      this.readFrom(source);
      const { clock, updateTimes } = await this.readUpdateTimes();
      const stale = this.staleSources(updateTimes, clock);
      const replan = stale.length === 0 && (await this.plansChanged());
      if (stale.length > 0 || !this.snapshot || replan) await this.reload(stale, clock, updateTimes);
      this.succeeded();
      // A postponed table may hold a change the snapshot lacks: the data is confirmed
      // current only by a poll that postponed nothing (the next one, at the latest).
      if (this.postponed.size === 0) this.confirmed(started, source);
    } catch (error) {
      this.failed(error);
    }
  }

  /** Points this poll at `source`; another server's UPDATE_TIME says nothing of ours, so all is read again. */
  private readFrom(source: ReadSourceChoice): void {
    this.pool = source.pool;
    if (source.name === this.reading) return;
    this.reading = source.name;
    this.tables.clear();
    this.postponed.clear();
  }

  /**
   * The snapshot now holds all `source` held when the poll began. A server only moves
   * forward, so what an earlier poll of the same one established still holds.
   */
  private confirmed(started: number, source: ReadSourceChoice): void {
    this.currentAsOf = started;
    const asOf = source.holdsPrimaryAsOf;
    if (source.name !== this.servedFrom) this.dataAsOf = asOf;
    else if (asOf !== undefined) this.dataAsOf = Math.max(asOf, this.dataAsOf ?? asOf);
    this.servedFrom = source.name;
  }

  private succeeded(): void {
    if (this.failures > 0) this.options.onRecovered?.({ attempts: this.failures, troubleMs: performance.now() - this.troubleSince });
    this.failures = 0;
    this.logged = undefined;
    this.databaseReachable = true;
    this.trouble = undefined;
  }

  private failed(error: unknown): void {
    const trouble = classifyDatabaseError(error, this.pool?.address);
    if (this.failures === 0) this.troubleSince = performance.now();
    this.failures++;
    this.databaseReachable = trouble.unexpected;
    this.trouble = trouble;
    // Told at the first failure, and again with backoff: a new kind of trouble after
    // LOG_REPEAT_MIN_MS, the same one after twice as long as the last time.
    const now = performance.now();
    const changed = trouble.kind !== this.logged?.kind;
    const gapMs = !this.logged || changed ? LOG_REPEAT_MIN_MS : Math.min(this.logged.gapMs * 2, LOG_REPEAT_MAX_MS);
    if (this.logged && now - this.logged.at < (changed ? LOG_REPEAT_MIN_MS : this.logged.gapMs)) return;
    this.logged = { at: now, kind: trouble.kind, gapMs };
    if (trouble.unexpected) this.options.onError?.(error);
    this.options.onTrouble?.(trouble, { attempts: this.failures, retryInMs: this.nextPollInMs() });
  }

  /**
   * Plans follow the optimizer's statistics, which change without any write to the tables
   * (ANALYZE TABLE, InnoDB's background recalculation), so they are asked for again now and
   * then; the answers' order follows when they change.
   */
  private async plansChanged(): Promise<boolean> {
    const now = performance.now();
    if (!this.snapshot || now - this.plansCheckedAt < PLAN_RECHECK_MS) return false;
    this.plansCheckedAt = now;
    const plans = await probePlans(this.pool!);
    const current = this.snapshot.plans;
    return (Object.keys(plans) as (keyof ScanPlans)[]).some((k) => plans[k] !== current[k]);
  }

  /** The database clock and the tables' UPDATE_TIME; a database without the tables is not an aurweb database. */
  private async readUpdateTimes(): Promise<{ clock: string; updateTimes: Map<string, string | null> }> {
    const pool = this.pool!;
    const rows = await pool.query<{ clock: string }>("SELECT DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s') AS clock");
    const { sql: text, params } = new MySqlDialect().sqlToQuery(
      sql`SELECT TABLE_NAME AS name, DATE_FORMAT(UPDATE_TIME, '%Y-%m-%d %H:%i:%s') AS updateTime
          FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND ${inArray(sql`TABLE_NAME`, [...WATCHED_TABLES])}`,
    );
    const tables = await pool.query<{ name: string; updateTime: string | null }>(text, params);
    const updateTimes = new Map(tables.map((t) => [t.name, t.updateTime]));
    const missing = WATCHED_TABLES.filter((table) => !updateTimes.has(table));
    if (missing.length > 0) throw new MissingTablesError(missing);
    return { clock: rows[0]!.clock, updateTimes };
  }

  /**
   * Sources with a table changed since it was last read. A table changed in the current
   * second of the database clock waits one poll: read now, it would have to be read again
   * (more writes may follow within that second); next poll, one read covers them. It
   * waits once only, so a table written every second is still read every other poll.
   */
  private staleSources(updateTimes: Map<string, string | null>, clock: string): SourceName[] {
    if (!this.rows) return Object.keys(SOURCES) as SourceName[];
    const postponed = new Set<string>();
    const changed = (table: string) => {
      const state = this.tables.get(table);
      const updateTime = updateTimes.get(table) ?? null;
      if (!state) return true;
      const stale = updateTime !== state.updateTime || (updateTime !== null && updateTime >= state.readStartedAt);
      if (!stale) return false;
      if (updateTime === clock && !this.postponed.has(table)) {
        postponed.add(table);
        return false;
      }
      return true;
    };
    const stale = (Object.keys(SOURCES) as SourceName[]).filter((name) => SOURCES[name].tables.some(changed));
    this.postponed = postponed;
    return stale;
  }

  /**
   * The cheap path for the changes a live site makes all the time: users whose names did
   * not change (a login updates Users) need nothing, and votes, flags and popularity are
   * applied to the current snapshot in place. Anything else needs a new snapshot.
   */
  private patchInPlace(snapshot: Snapshot, names: readonly SourceName[], before: SourceRows, after: SourceRows): boolean {
    for (const name of names) {
      if (name === "users" && !snapshot.hasUsers(after.users)) return false;
      // Co-maintainer rows are read again with Users; unchanged, they need nothing either.
      if (name === "comaintainers" && !sameLinks(before.comaintainers, after.comaintainers)) return false;
      if (name !== "users" && name !== "comaintainers" && name !== "bases") return false;
    }
    return !names.includes("bases") || snapshot.patchBases(after.bases);
  }

  /**
   * Keeps the rows the next read starts from. A snapshot's bases and packages hold every
   * field of their rows (votes patched in place included), so they stand in for them:
   * keeping the rows beside them would add to every rebuild's peak.
   */
  private keepRows(rows: SourceRows, snapshot: Snapshot): void {
    this.rows = { ...rows, bases: snapshot.bases, packages: snapshot.packages };
  }

  private recordRead(names: readonly SourceName[], clock: string, updateTimes: Map<string, string | null>): void {
    for (const name of names) {
      for (const table of SOURCES[name].tables) {
        this.tables.set(table, { updateTime: updateTimes.get(table) ?? null, readStartedAt: clock });
      }
    }
  }

  private async reload(sources: SourceName[], clock: string, updateTimes: Map<string, string | null>): Promise<void> {
    const started = performance.now();
    const names = this.rows ? sources : (Object.keys(SOURCES) as SourceName[]);
    const previousRows = this.rows;
    const pool = this.pool!;
    const rows = await loadSources(pool, names, previousRows);
    if (names.length > 0 && this.snapshot && previousRows && this.patchInPlace(this.snapshot, names, previousRows, rows)) {
      this.keepRows(rows, this.snapshot);
      this.recordRead(names, clock, updateTimes);
      this.options.onRefresh?.({ sources: names, durationMs: performance.now() - started });
      return;
    }
    const plans = await probePlans(pool);
    this.plansCheckedAt = performance.now();
    if (this.snapshot) {
      for (const listener of this.rebuildListeners) listener();
      // Both collections keep the garbage of one rebuild from piling onto the next (see full-collection.ts).
      await fullCollection();
    }
    const reuse = this.snapshot?.reusable();
    const build = Snapshot.build(rows, plans, reuse, this.options.unpackagedBases);
    // The first snapshot is built in one go: nothing is served before it exists. Later
    // ones are built between requests, which the previous snapshot answers meanwhile.
    const snapshot = this.snapshot ? await runInSlices(build, this.options.rebuildSlices ?? REBUILD_SLICES) : runAtOnce(build);
    this.keepRows(rows, snapshot);
    this.snapshot = snapshot;
    for (const waiter of this.firstSnapshotWaiters) waiter();
    this.firstSnapshotWaiters.clear();
    this.dependencyPlans = new Map();
    this.recordRead(names, clock, updateTimes);
    void fullCollection();
    this.options.onRefresh?.({ sources: names, durationMs: performance.now() - started });
  }
}
