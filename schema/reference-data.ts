// The rows the legacy installer inserts into the lookup tables. Their IDs are referenced by
// code (e.g. DepTypeID 4 is optdepends), so they are fixed, not auto-incremented.
import type { MySql2Database } from "drizzle-orm/mysql2";
import { dependencyTypes, relationTypes } from "./package-metadata.js";
import { requestTypes } from "./package-activity.js";
import { accountTypes } from "./users.js";

export const referenceData = {
  accountTypes: [
    { ID: 1, AccountType: "User" },
    { ID: 2, AccountType: "Trusted User" },
    { ID: 3, AccountType: "Developer" },
    { ID: 4, AccountType: "Trusted User & Developer" },
  ],
  dependencyTypes: [
    { ID: 1, Name: "depends" },
    { ID: 2, Name: "makedepends" },
    { ID: 3, Name: "checkdepends" },
    { ID: 4, Name: "optdepends" },
  ],
  relationTypes: [
    { ID: 1, Name: "conflicts" },
    { ID: 2, Name: "provides" },
    { ID: 3, Name: "replaces" },
  ],
  requestTypes: [
    { ID: 1, Name: "deletion" },
    { ID: 2, Name: "orphan" },
    { ID: 3, Name: "merge" },
  ],
} satisfies {
  accountTypes: (typeof accountTypes.$inferInsert)[];
  dependencyTypes: (typeof dependencyTypes.$inferInsert)[];
  relationTypes: (typeof relationTypes.$inferInsert)[];
  requestTypes: (typeof requestTypes.$inferInsert)[];
};

/** Inserts the reference rows into empty lookup tables (a fresh install). */
export async function insertReferenceData<TSchema extends Record<string, unknown>>(
  db: MySql2Database<TSchema>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(accountTypes).values(referenceData.accountTypes);
    await tx.insert(dependencyTypes).values(referenceData.dependencyTypes);
    await tx.insert(relationTypes).values(referenceData.relationTypes);
    await tx.insert(requestTypes).values(referenceData.requestTypes);
  });
}
