/**
 * Reads the tables /rpc needs, whole, into compact columns.
 *
 * Queries are built with Drizzle's query builder from the schema, then run with rows as
 * arrays: at half a million dependency rows, per-row objects would cost seconds and
 * hundreds of megabytes. Repeated strings (dependency names, conditions) are interned.
 *
 * Every read is a plain table scan without ORDER BY: InnoDB then returns rows in
 * clustered-key order, which for PackageDepends and PackageRelations (no primary key) is
 * insertion order, the order the legacy SQL saw them through their secondary indexes.
 */
import { and, eq, isNull } from "drizzle-orm";
import {
  dependencyTypes,
  groups,
  licenses,
  packageBases,
  packageComaintainers,
  packageDepends,
  packageGroups,
  packageKeywords,
  packageLicenses,
  packageRelations,
  packageRequests,
  packages,
  relationTypes,
  users,
} from "../../schema/index.js";
import { QueryBuilder } from "drizzle-orm/mysql-core";
import type { Db } from "../db/client.js";
import { deadlinePool, type DeadlinePool } from "../db/deadlines.js";
import type { BaseRow, DeclarationColumns, NamedLink, PackageRow, Timestamp, UserRow } from "./types.js";

type Row = unknown[];

type Query = { toSQL(): { sql: string; params: unknown[] } };

/** Builds the queries only; they run on a DeadlinePool. */
const qb = new QueryBuilder();

/**
 * Runs a query built with Drizzle and hands each row (an array in select order) to `use`
 * as it arrives. A whole result held at once outlives the young generation and lands in
 * the old one as garbage (PackageDepends is the largest table), left there for the next
 * full collection, which under load comes late and raises a worker's peak RSS.
 * A read that stops making progress fails after DB_STREAM_IDLE_TIMEOUT_MS (deadlines.ts).
 */
function eachRow(pool: DeadlinePool, query: Query, use: (row: Row) => void): Promise<void> {
  const { sql, params } = query.toSQL();
  return pool.streamRows(sql, params, use);
}

async function mapRows<T>(pool: DeadlinePool, query: Query, map: (row: Row) => T): Promise<T[]> {
  const out: T[] = [];
  await eachRow(pool, query, (row) => out.push(map(row)));
  return out;
}

/** One instance per distinct string, so repeated values cost one pointer each. */
class Interner {
  private readonly strings = new Map<string, string>();

  /** The strings of the `known` lists are the instances handed out for their values. */
  constructor(...known: readonly (readonly (string | null)[])[]) {
    for (const list of known) for (const s of list) if (s !== null) this.strings.set(s, s);
  }

  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }
}

const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null ? null : Number(v));
// mysql2 gives a BIGINT beyond the safe integers as text (supportBigNumbers).
const timestamp = (v: unknown): Timestamp => (typeof v === "number" ? v : BigInt(String(v)));
const timestampOrNull = (v: unknown) => (v === null ? null : timestamp(v));
const str = (v: unknown) => String(v);

/**
 * A lookup of the rows a source held before it was read again, so that rows which did
 * not change are taken over rather than held twice: a table is read whole when one of
 * its rows changed, and until the next snapshot replaces the previous one both copies
 * (and all their strings) would be alive. Rows come in primary-key order both times, so
 * one walk pairs them up; rows out of order are simply not taken over.
 */
function unchangedRows<T extends { id: number }>(previous: readonly T[] | undefined): (row: T) => T {
  let at = 0;
  return (row) => {
    if (!previous) return row;
    while (at < previous.length && previous[at]!.id < row.id) at++;
    const old = previous[at];
    return old !== undefined && sameFields(old, row) ? old : row;
  };
}

/** Rows of a keyed table, each replaced by its previous copy where every field is the same. */
function mapKeyedRows<T extends { id: number }>(pool: DeadlinePool, query: Query, previous: readonly T[] | undefined, map: (row: Row) => T): Promise<T[]> {
  const unchanged = unchangedRows(previous);
  return mapRows(pool, query, (row) => unchanged(map(row)));
}

/**
 * Whether `previous` holds the same value as `row` in every field of `row`. The previous
 * copy may have more fields: it can be a snapshot's base or package standing in for its row.
 */
function sameFields<T extends object>(previous: T, row: T): boolean {
  for (const key in row) if (previous[key] !== row[key]) return false;
  return true;
}

async function loadUsers(pool: DeadlinePool, previous?: readonly UserRow[]): Promise<UserRow[]> {
  return mapKeyedRows(pool, qb.select({ id: users.ID, username: users.Username }).from(users), previous, (r) => ({
    id: num(r[0]),
    username: str(r[1]),
  }));
}

async function loadBases(pool: DeadlinePool, previous?: readonly BaseRow[]): Promise<readonly BaseRow[]> {
  const b = packageBases;
  return mapKeyedRows(
    pool,
    qb
      .select({
        id: b.ID,
        name: b.Name,
        numVotes: b.NumVotes,
        popularity: b.Popularity,
        outOfDateTS: b.OutOfDateTS,
        submittedTS: b.SubmittedTS,
        modifiedTS: b.ModifiedTS,
        maintainerUID: b.MaintainerUID,
        packagerUID: b.PackagerUID,
        submitterUID: b.SubmitterUID,
      })
      .from(b),
    previous,
    (r) => ({
      id: num(r[0]),
      name: str(r[1]),
      numVotes: num(r[2]),
      // DECIMAL arrives as text; PHP's floatval and Number agree on every DECIMAL(10,6).
      popularity: num(r[3]),
      outOfDateTS: timestampOrNull(r[4]),
      submittedTS: timestamp(r[5]),
      modifiedTS: timestamp(r[6]),
      maintainerUID: numOrNull(r[7]),
      packagerUID: numOrNull(r[8]),
      submitterUID: numOrNull(r[9]),
    }),
  );
}

async function loadPackages(pool: DeadlinePool, previous?: readonly PackageRow[]): Promise<readonly PackageRow[]> {
  const p = packages;
  // Split packages repeat their base's version, URL and often description, and whole
  // families share an upstream URL: one copy of each is kept.
  // A reload takes unchanged rows (and their shared strings) over, so only the first
  // read pays for the lookup table.
  const interner = previous ? undefined : new Interner();
  const text = (v: unknown) => (interner ? interner.intern(str(v)) : str(v));
  const textOrNull = (v: unknown) => (v === null ? null : text(v));
  return mapKeyedRows(
    pool,
    qb.select({ id: p.ID, baseId: p.PackageBaseID, name: p.Name, version: p.Version, description: p.Description, url: p.URL }).from(p),
    previous,
    (r) => ({
      id: num(r[0]),
      baseId: num(r[1]),
      name: str(r[2]),
      version: text(r[3]),
      description: textOrNull(r[4]),
      url: textOrNull(r[5]),
    }),
  );
}

/**
 * Reads dependency or relation rows (package, type, name, condition) into columns. Names
 * and conditions are the previous read's instances where it had them: an upload makes the
 * whole table be read again, and fresh copies of every distinct string would be held twice
 * while both snapshots are alive.
 */
async function loadDeclarations(pool: DeadlinePool, typesQuery: Query, rowsQuery: Query, previous?: DeclarationColumns): Promise<DeclarationColumns> {
  const interner = previous ? new Interner(previous.names, previous.conditions) : new Interner();
  const packageIds: number[] = [];
  const typeIds: number[] = [];
  const names: string[] = [];
  const conditions: (string | null)[] = [];
  const [types] = await Promise.all([
    mapRows(pool, typesQuery, (t) => [num(t[0]), str(t[1])] as const),
    eachRow(pool, rowsQuery, (r) => {
      packageIds.push(num(r[0]));
      typeIds.push(num(r[1]));
      names.push(interner.intern(str(r[2])));
      conditions.push(r[3] === null ? null : interner.intern(str(r[3])));
    }),
  ]);
  return {
    typeNames: new Map(types),
    packageIds: Uint32Array.from(packageIds),
    typeIds: Uint8Array.from(typeIds),
    names,
    conditions,
  };
}

function loadDepends(pool: DeadlinePool, previous?: DeclarationColumns): Promise<DeclarationColumns> {
  const d = packageDepends;
  return loadDeclarations(
    pool,
    qb.select({ id: dependencyTypes.ID, name: dependencyTypes.Name }).from(dependencyTypes),
    qb.select({ packageId: d.PackageID, typeId: d.DepTypeID, name: d.DepName, condition: d.DepCondition }).from(d),
    previous,
  );
}

function loadRelations(pool: DeadlinePool, previous?: DeclarationColumns): Promise<DeclarationColumns> {
  const r = packageRelations;
  return loadDeclarations(
    pool,
    qb.select({ id: relationTypes.ID, name: relationTypes.Name }).from(relationTypes),
    qb.select({ packageId: r.PackageID, typeId: r.RelTypeID, name: r.RelName, condition: r.RelCondition }).from(r),
    previous,
  );
}

/** Rows of (owner, rank, name), names interned. */
function loadLinks(pool: DeadlinePool, query: Query): Promise<NamedLink[]> {
  const interner = new Interner();
  return mapRows(pool, query, (r) => ({ ownerId: num(r[0]), rank: num(r[1]), name: interner.intern(str(r[2])) }));
}

function loadGroups(pool: DeadlinePool): Promise<NamedLink[]> {
  return loadLinks(
    pool,
    qb
      .select({ packageId: packageGroups.PackageID, groupId: packageGroups.GroupID, name: groups.Name })
      .from(packageGroups)
      .innerJoin(groups, eq(groups.ID, packageGroups.GroupID)),
  );
}

function loadLicenses(pool: DeadlinePool): Promise<NamedLink[]> {
  return loadLinks(
    pool,
    qb
      .select({ packageId: packageLicenses.PackageID, licenseId: packageLicenses.LicenseID, name: licenses.Name })
      .from(packageLicenses)
      .innerJoin(licenses, eq(licenses.ID, packageLicenses.LicenseID)),
  );
}

function loadKeywords(pool: DeadlinePool): Promise<NamedLink[]> {
  const interner = new Interner();
  return mapRows(pool, qb.select({ baseId: packageKeywords.PackageBaseID, keyword: packageKeywords.Keyword }).from(packageKeywords), (r) => ({
    ownerId: num(r[0]),
    rank: 0,
    name: interner.intern(str(r[1])),
  }));
}

function loadComaintainers(pool: DeadlinePool): Promise<NamedLink[]> {
  const c = packageComaintainers;
  return loadLinks(
    pool,
    qb.select({ baseId: c.PackageBaseID, priority: c.Priority, username: users.Username }).from(c).innerJoin(users, eq(users.ID, c.UsersID)),
  );
}

/** Open requests (pending, not closed) per package base, for current aurweb's PendingRequests. */
async function loadPendingRequests(pool: DeadlinePool): Promise<number[]> {
  const r = packageRequests;
  const baseIds: number[] = [];
  await eachRow(pool, qb.select({ baseId: r.PackageBaseID }).from(r).where(and(eq(r.Status, 0), isNull(r.ClosedTS))), (row) => {
    if (row[0] !== null) baseIds.push(num(row[0]));
  });
  return baseIds;
}

/** Each source of the read model, with the tables whose changes make it stale. */
export const SOURCES = {
  users: { tables: ["Users"], load: loadUsers },
  bases: { tables: ["PackageBases"], load: loadBases },
  packages: { tables: ["Packages"], load: loadPackages },
  depends: { tables: ["PackageDepends", "DependencyTypes"], load: loadDepends },
  relations: { tables: ["PackageRelations", "RelationTypes"], load: loadRelations },
  groups: { tables: ["PackageGroups", "Groups"], load: loadGroups },
  licenses: { tables: ["PackageLicenses", "Licenses"], load: loadLicenses },
  keywords: { tables: ["PackageKeywords"], load: loadKeywords },
  comaintainers: { tables: ["PackageComaintainers", "Users"], load: loadComaintainers },
  pendingRequests: { tables: ["PackageRequests"], load: loadPendingRequests },
} as const;

export type SourceName = keyof typeof SOURCES;
export type SourceRows = { [K in SourceName]: Awaited<ReturnType<(typeof SOURCES)[K]["load"]>> };

export const WATCHED_TABLES: readonly string[] = [...new Set(Object.values(SOURCES).flatMap((s) => s.tables))];

/**
 * Loads the named sources one after another (bounding peak memory), reusing `previous` for
 * the rest. A source that fails or stalls fails the whole load; nothing is half-replaced.
 */
export async function loadSources(source: Db | DeadlinePool, names: readonly SourceName[], previous?: SourceRows): Promise<SourceRows> {
  const pool = deadlinePool(source);
  const next = { ...previous } as Record<SourceName, unknown>;
  for (const name of names) {
    const load = SOURCES[name].load as (pool: DeadlinePool, previous?: unknown) => Promise<unknown>;
    next[name] = await load(pool, previous?.[name]);
  }
  return next as SourceRows;
}
