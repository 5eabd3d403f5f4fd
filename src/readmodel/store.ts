/**
 * Keeps a current Snapshot and replaces it when the legacy site changes the tables.
 *
 * Change detection polls information_schema.TABLES.UPDATE_TIME (one cheap query per
 * interval; InnoDB sets it at commit). Its resolution is one second, so a table whose
 * last change falls in the second our last read started is read again: a write that
 * committed just after the read must not be missed. Only the sources whose tables
 * changed are read again; the rest of the previous rows are reused.
 *
 * When MariaDB is unreachable the last snapshot keeps serving; polling goes on and the
 * model catches up by itself when the database returns.
 */
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { MaybePromise } from "../maybe-promise.js";
import { fullCollection } from "./full-collection.js";
import { loadSources, SOURCES, WATCHED_TABLES, type NamedLink, type SourceName, type SourceRows } from "./load.js";
import { probeDependencyOrder, probePlans } from "./plan.js";
import { Snapshot } from "./snapshot.js";
import { runAtOnce, runInSlices, type Slices } from "./steps.js";
import type { DependencyOrder, ScanPlans } from "./types.js";

/** Dependency-search plans remembered per snapshot; more distinct names than this start over. */
const MAX_REMEMBERED_PLANS = 10_000;
/** A plan question must not hold a request up for long: past this the snapshot's default serves. */
const PLAN_TIMEOUT_MS = 250;
/** How often the search plans are asked for again when no table changed. */
const PLAN_RECHECK_MS = 30_000;
/**
 * How a rebuild shares the process with requests (see steps.ts): a request waits at most
 * 50 ms for it, and at 100K packages under full load it still ends within a few seconds.
 */
const REBUILD_SLICES: Slices = { minMs: 5, maxMs: 50 };

export interface ReadModelOptions {
  refreshIntervalMs: number;
  now?: () => number;
  onError?: (error: unknown) => void;
  onRefresh?: (info: RefreshInfo) => void;
  /** See REBUILD_SLICES. */
  rebuildSlices?: Slices;
}

export interface RefreshInfo {
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
  /** Whether the last poll reached the database. */
  databaseReachable = false;
  lastError: unknown;
  refreshCount = 0;

  constructor(
    private readonly db: Db,
    private readonly options: ReadModelOptions,
  ) {}

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
   * The row order of a dependency search for `name` (see plan.ts), asked of MariaDB once
   * per name and snapshot. Without an answer in time (database away) it is the order the
   * snapshot's general probe found. Known already, it is returned at once.
   */
  dependencyOrder(snapshot: Snapshot, type: string, name: string): MaybePromise<DependencyOrder> {
    const key = `${type}\u0000${name}`;
    const known = snapshot === this.snapshot ? this.dependencyPlans.get(key) : undefined;
    return known ?? this.askDependencyOrder(snapshot, key, type, name);
  }

  private async askDependencyOrder(snapshot: Snapshot, key: string, type: string, name: string): Promise<DependencyOrder> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), PLAN_TIMEOUT_MS)));
    const order = await Promise.race([probeDependencyOrder(this.db, type, name).catch(() => undefined), timeout]);
    clearTimeout(timer);
    if (order === undefined) return snapshot.plans.dependencySearch;
    if (snapshot === this.snapshot) {
      if (this.dependencyPlans.size >= MAX_REMEMBERED_PLANS) this.dependencyPlans.clear();
      this.dependencyPlans.set(key, order);
    }
    return order;
  }

  /**
   * The current snapshot; before the first one exists, waits up to `timeoutMs` for it
   * (a request arriving while the service starts should not fail needlessly).
   */
  async ready(timeoutMs: number): Promise<Snapshot | undefined> {
    if (this.snapshot) return this.snapshot;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.tick(), timeout]);
    clearTimeout(timer);
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
    }, this.options.refreshIntervalMs);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    this.running ??= this.poll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async poll(): Promise<void> {
    try {
      const { clock, updateTimes } = await this.readUpdateTimes();
      this.databaseReachable = true;
      const stale = this.staleSources(updateTimes, clock);
      const replan = stale.length === 0 && (await this.plansChanged());
      if (stale.length > 0 || !this.snapshot || replan) await this.reload(stale, clock, updateTimes);
      this.lastError = undefined;
    } catch (error) {
      this.databaseReachable = false;
      this.lastError = error;
      this.options.onError?.(error);
    }
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
    const plans = await probePlans(this.db);
    const current = this.snapshot.plans;
    return (Object.keys(plans) as (keyof ScanPlans)[]).some((k) => plans[k] !== current[k]);
  }

  private async readUpdateTimes(): Promise<{ clock: string; updateTimes: Map<string, string | null> }> {
    const [rows] = (await this.db.execute(sql`SELECT DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s') AS clock`)) as unknown as [
      { clock: string }[],
    ];
    const tables = (await this.db.execute(
      sql`SELECT TABLE_NAME AS name, DATE_FORMAT(UPDATE_TIME, '%Y-%m-%d %H:%i:%s') AS updateTime
          FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND ${inArray(sql`TABLE_NAME`, [...WATCHED_TABLES])}`,
    )) as unknown as [{ name: string; updateTime: string | null }[]];
    return {
      clock: rows[0]!.clock,
      updateTimes: new Map(tables[0].map((t) => [t.name, t.updateTime])),
    };
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
   * the rows beside them cost 17 MB at 100K packages, through every rebuild's peak.
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
    const rows = await loadSources(this.db, names, previousRows);
    if (names.length > 0 && this.snapshot && previousRows && this.patchInPlace(this.snapshot, names, previousRows, rows)) {
      this.keepRows(rows, this.snapshot);
      this.recordRead(names, clock, updateTimes);
      this.options.onRefresh?.({ sources: names, durationMs: performance.now() - started });
      return;
    }
    const plans = await probePlans(this.db);
    this.plansCheckedAt = performance.now();
    if (this.snapshot) {
      for (const listener of this.rebuildListeners) listener();
      // Both collections keep the garbage of one rebuild from piling onto the next (see full-collection.ts).
      await fullCollection();
    }
    const reuse = this.snapshot?.reusable();
    const build = Snapshot.build(rows, plans, this.options.now?.() ?? Date.now(), reuse);
    // The first snapshot is built in one go: nothing is served before it exists. Later
    // ones are built between requests, which the previous snapshot answers meanwhile.
    const snapshot = this.snapshot ? await runInSlices(build, this.options.rebuildSlices ?? REBUILD_SLICES) : runAtOnce(build);
    this.keepRows(rows, snapshot);
    this.snapshot = snapshot;
    this.dependencyPlans = new Map();
    this.recordRead(names, clock, updateTimes);
    this.refreshCount++;
    void fullCollection();
    this.options.onRefresh?.({ sources: names, durationMs: performance.now() - started });
  }
}
