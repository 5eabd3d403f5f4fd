/**
 * Asks MariaDB how it would run the legacy search queries, because their row order is
 * whatever the chosen plan produces (the legacy SQL has no ORDER BY). On a small table
 * the optimizer scans PackageBases by primary key; on a large one it may walk the
 * BasesPackagerUID index instead, which orders bases by packager. The read model then
 * lists packages in the same order. EXPLAIN reads statistics only; it runs nothing.
 */
import { eq, sql, type SQL } from "drizzle-orm";
import { MySqlDialect } from "drizzle-orm/mysql-core";
import { packageBases, users } from "../../schema/index.js";
import type { Db } from "../db/client.js";
import type { DependencyOrder, ScanOrder, ScanPlans } from "./types.js";

interface ExplainRow {
  table: string | null;
  type: string | null;
  key: string | null;
  Extra: string | null;
}

const LEGACY_SELECT = sql`SELECT Packages.ID FROM Packages
  LEFT JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
  LEFT JOIN Users ON PackageBases.MaintainerUID = Users.ID`;

/** Tables read as constants (a user found by its unique name) come first but order nothing. */
const driving = (rows: readonly ExplainRow[]) => rows.find((r) => r.type !== "const" && r.type !== "system");

/**
 * A table joined through a join buffer (block nested loop) is read once per buffer of
 * rows from the tables before it, so the output follows that table's scan order, each
 * of its rows paired with the buffered rows in their order.
 */
const buffered = (rows: readonly ExplainRow[]) => rows.findLast((r) => r.Extra?.includes("Using join buffer"));

function orderOfBaseScan(row: ExplainRow): "base" | "packager" | null {
  if (row.table !== "PackageBases") return null;
  return row.key === "BasesPackagerUID" ? "packager" : "base";
}

/** The scan order a plan implies, from the table it starts with and how it reads it. */
export function scanOrderOf(rows: readonly ExplainRow[]): ScanOrder {
  const buffer = buffered(rows);
  const bufferOrder = buffer && orderOfBaseScan(buffer);
  if (bufferOrder) return bufferOrder;
  const first = driving(rows);
  if (first?.table === "Packages" && first.type === "ALL") return "package";
  return (first && orderOfBaseScan(first)) ?? "base";
}

export function dependencyOrderOf(rows: readonly ExplainRow[]): DependencyOrder {
  const first = driving(rows);
  if (first?.table !== "DependencyTypes" && first?.table !== "PackageDepends") return scanOrderOf(rows);
  const buffer = buffered(rows);
  const bufferOrder = buffer && orderOfBaseScan(buffer);
  return bufferOrder ? `row-by-${bufferOrder}` : "row";
}

/**
 * EXPLAIN over a connection set up like the legacy PHP's (`SET NAMES 'utf8'`, i.e.
 * utf8mb3): the character set of the literals can change the optimizer's estimates.
 */
async function explain(db: Db, where: SQL): Promise<ExplainRow[]> {
  const { sql: text, params } = new MySqlDialect().sqlToQuery(
    sql`EXPLAIN ${LEGACY_SELECT} WHERE ${where} AND PackageBases.PackagerUID IS NOT NULL LIMIT 5000`,
  );
  const connection = await db.$client.getConnection();
  try {
    await connection.query("SET NAMES 'utf8'");
    const [rows] = await connection.query(text, params);
    return rows as ExplainRow[];
  } finally {
    await connection.query("SET NAMES utf8mb4 COLLATE utf8mb4_general_ci").catch(() => connection.destroy());
    connection.release();
  }
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
export async function probeDependencyOrder(db: Db, type: string, name: string): Promise<DependencyOrder> {
  return dependencyOrderOf(await explain(db, dependencyCondition(type, name)));
}

/** A maintainer with packages: EXPLAIN needs a name that exists, or it plans nothing. */
async function someMaintainer(db: Db): Promise<string> {
  const [row] = await db
    .select({ name: users.Username })
    .from(packageBases)
    .innerJoin(users, eq(users.ID, packageBases.MaintainerUID))
    .limit(1);
  return row?.name ?? "";
}

export async function probePlans(db: Db): Promise<ScanPlans> {
  const pattern = "%probe%";
  const maintainer = await someMaintainer(db);
  const [nameRows, orphanRows, maintainerRows, dependencyRows] = await Promise.all([
    explain(db, sql`(Packages.Name LIKE ${pattern} OR Description LIKE ${pattern})`),
    explain(db, sql`Users.ID IS NULL`),
    explain(db, sql`Users.Username = ${maintainer}`),
    explain(db, dependencyCondition("depends", "probe")),
  ]);
  return {
    nameSearch: scanOrderOf(nameRows),
    orphanSearch: scanOrderOf(orphanRows),
    maintainerSearch: scanOrderOf(maintainerRows),
    dependencySearch: dependencyOrderOf(dependencyRows),
  };
}
