import { loadSqlFile } from "../../src/db/sql-file.js";
import { createScratchDatabase, type ScratchDatabase } from "./database.js";

/** Shared reference material, beside the repository (as CI lays it out). */
export const SHARED = new URL("../../../shared/", import.meta.url).pathname;
export const PRODUCTION_STRUCTURE = `${SHARED}legacy/production-structure.sql`;
export const PUBLIC_DATASET = `${SHARED}legacy/golden/dataset-public.sql.gz`;
export const BENCH_DATASET = `${SHARED}bench/dataset-bench.sql.gz`;

/** A scratch database with the production schema and, optionally, a data set loaded. */
export async function createLegacyDatabase(label: string, dataset?: string): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(label);
  await loadSqlFile(db.url, PRODUCTION_STRUCTURE);
  if (dataset) await loadSqlFile(db.url, dataset);
  return db;
}
