/**
 * The public data set in a scratch database, read the way the read model reads it: for
 * tests that build snapshots themselves.
 */
import { createDatabase, type Database } from "../../src/db/client.js";
import { loadSources, SOURCES, type SourceName, type SourceRows } from "../../src/readmodel/load.js";
import { probePlans } from "../../src/readmodel/plan.js";
import type { ScanPlans } from "../../src/readmodel/types.js";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";

export interface PublicRows {
  db: ScratchDatabase;
  database: Database;
  rows: SourceRows;
  plans: ScanPlans;
  /** Closes the pool and drops the database. */
  close(): Promise<void>;
}

export async function readPublicDataSet(label: string, poolSize: number): Promise<PublicRows> {
  const db = await createLegacyDatabase(label, PUBLIC_DATASET);
  const database = createDatabase(db.url, { poolSize });
  const rows = await loadSources(database.readDb, Object.keys(SOURCES) as SourceName[]);
  const plans = await probePlans(database.readDb);
  return {
    db,
    database,
    rows,
    plans,
    async close() {
      await database.close();
      await db.drop();
    },
  };
}
