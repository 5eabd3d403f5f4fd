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
import type { Db } from "../db/client.js";
import type { BaseRow } from "./types.js";

type Row = unknown[];

/** Runs a query built with Drizzle, returning each row as an array in select order. */
async function rows(db: Db, query: { toSQL(): { sql: string; params: unknown[] } }): Promise<Row[]> {
  const { sql, params } = query.toSQL();
  const [result] = await db.$client.query({ sql, values: params, rowsAsArray: true });
  return result as Row[];
}

/** One instance per distinct string, so repeated values cost one pointer each. */
export class Interner {
  private readonly strings = new Map<string, string>();
  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.strings.set(s, s);
    return s;
  }
}

export interface UserRow {
  id: number;
  username: string;
}


export interface PackageRow {
  id: number;
  baseId: number;
  name: string;
  version: string;
  description: string | null;
  url: string | null;
}

/** Dependency or relation rows, column by column, in table-scan (insertion) order. */
export interface DeclarationColumns {
  typeNames: ReadonlyMap<number, string>;
  packageIds: Int32Array;
  typeIds: Uint8Array;
  names: string[];
  conditions: (string | null)[];
}

export interface NamedLink {
  ownerId: number;
  /** Sort key within the owner: group ID, license ID, co-maintainer priority. */
  rank: number;
  name: string;
}

const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null ? null : Number(v));
const str = (v: unknown) => String(v);
const strOrNull = (v: unknown) => (v === null ? null : String(v));

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

/** Whether two rows (flat objects of the same shape) hold the same value in every field. */
function sameFields<T extends object>(a: T, b: T): boolean {
  for (const key in a) if (a[key] !== b[key]) return false;
  return true;
}

async function loadUsers(db: Db, previous?: readonly UserRow[]): Promise<UserRow[]> {
  const result = await rows(db, db.select({ id: users.ID, username: users.Username }).from(users));
  const unchanged = unchangedRows(previous);
  return result.map((r) => unchanged({ id: num(r[0]), username: str(r[1]) }));
}

async function loadBases(db: Db, previous?: readonly BaseRow[]): Promise<BaseRow[]> {
  const b = packageBases;
  const result = await rows(
    db,
    db
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
  );
  const unchanged = unchangedRows(previous);
  return result.map((r) =>
    unchanged({
      id: num(r[0]),
      name: str(r[1]),
      numVotes: num(r[2]),
      // DECIMAL arrives as text; PHP's floatval and Number agree on every DECIMAL(10,6).
      popularity: num(r[3]),
      outOfDateTS: numOrNull(r[4]),
      submittedTS: num(r[5]),
      modifiedTS: num(r[6]),
      maintainerUID: numOrNull(r[7]),
      packagerUID: numOrNull(r[8]),
      submitterUID: numOrNull(r[9]),
    }),
  );
}

async function loadPackages(db: Db, previous?: readonly PackageRow[]): Promise<PackageRow[]> {
  const p = packages;
  const result = await rows(
    db,
    db.select({ id: p.ID, baseId: p.PackageBaseID, name: p.Name, version: p.Version, description: p.Description, url: p.URL }).from(p),
  );
  const unchanged = unchangedRows(previous);
  return result.map((r) =>
    unchanged({
      id: num(r[0]),
      baseId: num(r[1]),
      name: str(r[2]),
      version: str(r[3]),
      description: strOrNull(r[4]),
      url: strOrNull(r[5]),
    }),
  );
}

function toColumns(typeRows: Row[], result: Row[]): DeclarationColumns {
  const interner = new Interner();
  const n = result.length;
  const columns: DeclarationColumns = {
    typeNames: new Map(typeRows.map((t) => [num(t[0]), str(t[1])])),
    packageIds: new Int32Array(n),
    typeIds: new Uint8Array(n),
    names: new Array<string>(n),
    conditions: new Array<string | null>(n),
  };
  for (let i = 0; i < n; i++) {
    const r = result[i]!;
    columns.packageIds[i] = num(r[0]);
    columns.typeIds[i] = num(r[1]);
    columns.names[i] = interner.intern(str(r[2]));
    columns.conditions[i] = r[3] === null ? null : interner.intern(str(r[3]));
  }
  return columns;
}

async function loadDepends(db: Db): Promise<DeclarationColumns> {
  const d = packageDepends;
  const [types, result] = await Promise.all([
    rows(db, db.select({ id: dependencyTypes.ID, name: dependencyTypes.Name }).from(dependencyTypes)),
    rows(db, db.select({ packageId: d.PackageID, typeId: d.DepTypeID, name: d.DepName, condition: d.DepCondition }).from(d)),
  ]);
  return toColumns(types, result);
}

async function loadRelations(db: Db): Promise<DeclarationColumns> {
  const r = packageRelations;
  const [types, result] = await Promise.all([
    rows(db, db.select({ id: relationTypes.ID, name: relationTypes.Name }).from(relationTypes)),
    rows(db, db.select({ packageId: r.PackageID, typeId: r.RelTypeID, name: r.RelName, condition: r.RelCondition }).from(r)),
  ]);
  return toColumns(types, result);
}

function toLinks(result: Row[]): NamedLink[] {
  const interner = new Interner();
  return result.map((r) => ({ ownerId: num(r[0]), rank: num(r[1]), name: interner.intern(str(r[2])) }));
}

async function loadGroups(db: Db): Promise<NamedLink[]> {
  return toLinks(
    await rows(
      db,
      db
        .select({ packageId: packageGroups.PackageID, groupId: packageGroups.GroupID, name: groups.Name })
        .from(packageGroups)
        .innerJoin(groups, eq(groups.ID, packageGroups.GroupID)),
    ),
  );
}

async function loadLicenses(db: Db): Promise<NamedLink[]> {
  return toLinks(
    await rows(
      db,
      db
        .select({ packageId: packageLicenses.PackageID, licenseId: packageLicenses.LicenseID, name: licenses.Name })
        .from(packageLicenses)
        .innerJoin(licenses, eq(licenses.ID, packageLicenses.LicenseID)),
    ),
  );
}

async function loadKeywords(db: Db): Promise<NamedLink[]> {
  const result = await rows(db, db.select({ baseId: packageKeywords.PackageBaseID, keyword: packageKeywords.Keyword }).from(packageKeywords));
  const interner = new Interner();
  return result.map((r) => ({ ownerId: num(r[0]), rank: 0, name: interner.intern(str(r[1])) }));
}

async function loadComaintainers(db: Db): Promise<NamedLink[]> {
  const c = packageComaintainers;
  return toLinks(
    await rows(
      db,
      db.select({ baseId: c.PackageBaseID, priority: c.Priority, username: users.Username }).from(c).innerJoin(users, eq(users.ID, c.UsersID)),
    ),
  );
}

/** Open requests (pending, not closed) per package base, for current aurweb's PendingRequests. */
async function loadPendingRequests(db: Db): Promise<number[]> {
  const r = packageRequests;
  const result = await rows(db, db.select({ baseId: r.PackageBaseID }).from(r).where(and(eq(r.Status, 0), isNull(r.ClosedTS))));
  return result.filter((row) => row[0] !== null).map((row) => num(row[0]));
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

/** Loads the named sources one after another (bounding peak memory), reusing `previous` for the rest. */
export async function loadSources(db: Db, names: readonly SourceName[], previous?: SourceRows): Promise<SourceRows> {
  const next = { ...previous } as Record<SourceName, unknown>;
  for (const name of names) {
    const load = SOURCES[name].load as (db: Db, previous?: unknown) => Promise<unknown>;
    next[name] = await load(db, previous?.[name]);
  }
  return next as SourceRows;
}
