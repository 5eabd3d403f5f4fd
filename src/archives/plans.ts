/**
 * Asks MariaDB how it would read the name lists that have no ORDER BY, because their row
 * order is the plan's (readmodel/row-order.ts states the rules). EXPLAIN runs nothing.
 */
import type { Db } from "../db/client.js";
import { deadlinePool, type DeadlinePool } from "../db/deadlines.js";
import { archiveListOrderOf, scanOrderOf, type ExplainRow } from "../readmodel/row-order.js";
import type { ArchiveOrders } from "./content.js";

/** The orders these plans take on the production structure, for when MariaDB does not answer. */
export const USUAL_ARCHIVE_ORDERS: ArchiveOrders = { legacyPackages: "packager", legacyBases: "id", users: "name", bases: "name" };

const explain = (pool: DeadlinePool, query: string) => pool.query<ExplainRow>(`EXPLAIN ${query}`);

export async function probeArchiveOrders(source: Db | DeadlinePool): Promise<ArchiveOrders> {
  const pool = deadlinePool(source);
  const [legacyPackages, legacyBases, users, bases] = await Promise.all([
    explain(
      pool,
      "SELECT Packages.Name FROM Packages INNER JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID WHERE PackageBases.PackagerUID IS NOT NULL",
    ),
    explain(pool, "SELECT Name FROM PackageBases WHERE PackagerUID IS NOT NULL"),
    explain(pool, "SELECT Username FROM Users"),
    explain(pool, "SELECT PackageBases.Name FROM PackageBases"),
  ]);
  return {
    legacyPackages: scanOrderOf(legacyPackages),
    legacyBases: archiveListOrderOf(legacyBases),
    users: archiveListOrderOf(users),
    bases: archiveListOrderOf(bases),
  };
}
