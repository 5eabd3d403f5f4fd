/**
 * multiinfo with many names: past some count MariaDB stops reading the Name index and
 * scans Packages, and the rows come back in ID order instead of collation order. The
 * expected order is the legacy query's own, run on MariaDB over the public data set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScratchDatabase } from "../../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../../support/legacy-data.js";
import { startService, type RunningService } from "../../support/service.js";
import { legacyQueryIds, sqlQuery } from "./harness.js";

let db: ScratchDatabase;
let service: RunningService;
let names: string[];

beforeAll(async () => {
  db = await createLegacyDatabase("long_name_lists", PUBLIC_DATASET);
  service = await startService(db.url);
  const rows = await sqlQuery<{ Name: string }>(db.url, "SELECT Name FROM Packages ORDER BY RAND(3) LIMIT 900");
  names = rows.map((r) => r.Name);
});
afterAll(async () => {
  await service?.close();
  await db?.drop();
});

async function serviceIds(list: string[]): Promise<number[]> {
  const query = list.map((name) => `arg[]=${encodeURIComponent(name)}`).join("&");
  const response = await fetch(`${service.url}/rpc/?v=5&type=multiinfo&${query}`);
  return ((await response.json()) as { results: { ID: number }[] }).results.map((r) => r.ID);
}

describe("multiinfo by many names", () => {
  it("follows the Name index while MariaDB reads it, and the table scan once it scans", async () => {
    const few = names.slice(0, 300);
    const many = names;
    const expectedFew = await legacyQueryIds(db.url, "Packages.Name IN (?)", [few]);
    const expectedMany = await legacyQueryIds(db.url, "Packages.Name IN (?)", [many]);
    // The two plans this test is about: collation order for 300 names, ID order for 900.
    expect(expectedFew).not.toEqual([...expectedFew].sort((a, b) => a - b));
    expect(expectedMany).toEqual([...expectedMany].sort((a, b) => a - b));
    expect(await serviceIds(few)).toEqual(expectedFew);
    expect(await serviceIds(many)).toEqual(expectedMany);
  });
});
