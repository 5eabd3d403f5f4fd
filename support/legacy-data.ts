import { loadSqlFile } from "../tools/db/sql-file.js";
import { createScratchDatabase, type ScratchDatabase } from "./database.js";

import { BENCH_DATASET, GOLDEN, PRODUCTION_STRUCTURE, SAMPLE_DATASET } from "../tools/reference-data.js";

export { BENCH_DATASET, GOLDEN, PRODUCTION_STRUCTURE };
export const PUBLIC_DATASET = SAMPLE_DATASET;

/** A scratch database with the production schema and, optionally, a data set loaded. */
export async function createLegacyDatabase(label: string, dataset?: string | readonly string[]): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(label);
  await loadSqlFile(db.url, PRODUCTION_STRUCTURE);
  if (dataset) await loadSqlFile(db.url, dataset);
  return db;
}
