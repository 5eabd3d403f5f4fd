/**
 * Asks MariaDB how it would run the legacy search queries, because their row order is
 * whatever the chosen plan produces (row-order.ts reads the plans and states the rules).
 * EXPLAIN reads statistics only; it runs nothing.
 */
import { eq, inArray, sql, type SQL } from "drizzle-orm";
import { MySqlDialect, QueryBuilder } from "drizzle-orm/mysql-core";
import { packageBases, packages, users } from "../../schema/index.js";
import { MAX_INPUT_VARS } from "../php/query-string.js";
import type { Db } from "../db/client.js";
import { deadlinePool, type DeadlinePool } from "../db/deadlines.js";
import { dependencyOrderOf, scanOrderOf, scansPackages, type ExplainRow } from "./row-order.js";
import type { DependencyOrder, ScanPlans } from "./types.js";

const LEGACY_SELECT = sql`SELECT Packages.ID FROM Packages
  LEFT JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
  LEFT JOIN Users ON PackageBases.MaintainerUID = Users.ID`;

const dialect = new MySqlDialect();

/**
 * EXPLAIN over a connection set up like the legacy PHP's (`SET NAMES 'utf8'`, i.e.
 * utf8mb3): the character set of the literals can change the optimizer's estimates.
 */
async function explain(pool: DeadlinePool, where: SQL): Promise<ExplainRow[]> {
  const { sql: text, params } = dialect.sqlToQuery(
    sql`EXPLAIN ${LEGACY_SELECT} WHERE ${where} AND PackageBases.PackagerUID IS NOT NULL LIMIT 5000`,
  );
  // A failure destroys the connection, so none goes back to the pool still in utf8mb3.
  return pool.withConnection(async (session) => {
    await session.query("SET NAMES 'utf8'");
    const rows = await session.query<ExplainRow>(text, params);
    await session.query("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci");
    return rows;
  });
}

function dependencyCondition(type: string, name: string): SQL {
  return sql`${name} IN (SELECT PackageDepends.DepName FROM PackageDepends
    LEFT JOIN DependencyTypes ON PackageDepends.DepTypeID = DependencyTypes.ID
    WHERE PackageDepends.PackageID = Packages.ID AND DependencyTypes.Name = ${type})`;
}

/**
 * The order of a dependency search for one name. Unlike the other searches, its plan
 * depends on the argument: MariaDB estimates how many rows carry that name, walks them
 * (insertion order) when they are few and scans packages by base when they are many.
 */
export async function probeDependencyOrder(source: Db | DeadlinePool, type: string, name: string): Promise<DependencyOrder> {
  return dependencyOrderOf(await explain(deadlinePool(source), dependencyCondition(type, name)));
}

/** A maintainer with packages: EXPLAIN needs a name that exists, or it plans nothing. */
async function someMaintainer(pool: DeadlinePool): Promise<string> {
  const { sql: text, params } = new QueryBuilder()
    .select({ name: users.Username })
    .from(packageBases)
    .innerJoin(users, eq(users.ID, packageBases.MaintainerUID))
    .limit(1)
    .toSQL();
  const [row] = await pool.query<unknown[]>(text, params, { rowsAsArray: true });
  return row ? String(row[0]) : "";
}

/**
 * From how many names `Packages.Name IN (...)` is read by scanning Packages rather than
 * through the Name index. Up to eq_range_index_dive_limit names MariaDB looks each one up
 * in the index, finds few rows and keeps the index; past it, it estimates one row per
 * name from statistics, so the choice turns on the count alone (measured on the public
 * data set: the index up to 620 names, a scan from 630) and made-up names find it. PHP
 * read at most MAX_INPUT_VARS parameters, `type` among them, so a legacy request names at
 * most one less: just below the 1,000 values from which MariaDB turns an IN list into a
 * subquery with a plan of its own (in_predicate_conversion_threshold).
 */
async function probeNameListScan(pool: DeadlinePool): Promise<number> {
  const rows = await pool.query<{ diveLimit: number }>("SELECT @@eq_range_index_dive_limit AS diveLimit");
  const diveLimit = Number(rows[0]?.diveLimit ?? 0);
  const mostNames = MAX_INPUT_VARS - 1;
  // 0 means every name is looked up, and then the index always wins.
  if (diveLimit === 0 || diveLimit >= mostNames) return Infinity;
  const scans = async (count: number) => {
    const names = Array.from({ length: count }, (_, i) => `\u0001probe-${i}`);
    return scansPackages(await explain(pool, inArray(packages.Name, names)));
  };
  let lo = diveLimit; // the index at or below the dive limit
  let hi = mostNames;
  if (!(await scans(hi))) return Infinity;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (await scans(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export async function probePlans(source: Db | DeadlinePool): Promise<ScanPlans> {
  const db = deadlinePool(source);
  const pattern = "%probe%";
  const maintainer = await someMaintainer(db);
  const [nameRows, orphanRows, maintainerRows, dependencyRows, nameListScanFrom] = await Promise.all([
    explain(db, sql`(Packages.Name LIKE ${pattern} OR Description LIKE ${pattern})`),
    explain(db, sql`Users.ID IS NULL`),
    explain(db, sql`Users.Username = ${maintainer}`),
    explain(db, dependencyCondition("depends", "probe")),
    probeNameListScan(db),
  ]);
  return {
    nameSearch: scanOrderOf(nameRows),
    orphanSearch: scanOrderOf(orphanRows),
    maintainerSearch: scanOrderOf(maintainerRows),
    dependencySearch: dependencyOrderOf(dependencyRows),
    nameListScanFrom,
  };
}
