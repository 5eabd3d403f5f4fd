/**
 * The bench's package upload (support/upload.ts) against the legacy schema: written back
 * as read, a base keeps everything an upload writes but its package IDs, so the bench can
 * put the data set back after uploading changes.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUpload, writeUpload } from "../../support/upload.js";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";

describe("bench package upload", () => {
  let db: ScratchDatabase;
  let sql: mysql.Connection;
  /** A base of several packages, some with relations and licenses. */
  let baseId: number;

  beforeAll(async () => {
    db = await createLegacyDatabase("upload", PUBLIC_DATASET);
    sql = await mysql.createConnection(db.url);
    const [[base]] = await sql.query<mysql.RowDataPacket[]>(
      `SELECT p.PackageBaseID AS id FROM Packages p
       WHERE EXISTS (SELECT 1 FROM PackageRelations r WHERE r.PackageID = p.ID)
         AND EXISTS (SELECT 1 FROM PackageLicenses l WHERE l.PackageID = p.ID)
       GROUP BY p.PackageBaseID HAVING COUNT(*) > 1 ORDER BY p.PackageBaseID LIMIT 1`,
    );
    baseId = base!.id as number;
  });

  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  const packageIds = async () => {
    const [rows] = await sql.query<mysql.RowDataPacket[]>("SELECT ID FROM Packages WHERE PackageBaseID = ? ORDER BY ID", [baseId]);
    return rows.map((r) => r.ID as number);
  };

  it("writes the base's packages and their rows again under new IDs", async () => {
    const before = await readUpload(sql, baseId);
    const idsBefore = await packageIds();
    expect(before.packages.length).toBeGreaterThan(1);
    expect(before.packages.some((p) => p.rows.PackageDepends.length > 0 && p.rows.PackageRelations.length > 0)).toBe(true);

    await writeUpload(sql, before);

    const idsAfter = await packageIds();
    expect(idsAfter).toHaveLength(idsBefore.length);
    expect(idsAfter.filter((id) => idsBefore.includes(id))).toEqual([]);
    expect(await readUpload(sql, baseId)).toEqual(before);
  });

  it("writes nothing when a row is refused", async () => {
    const before = await readUpload(sql, baseId);
    const idsBefore = await packageIds();
    const broken = { ...before.packages[0]!, rows: { ...before.packages[0]!.rows, PackageLicenses: [[999_999_999]] } };
    await expect(writeUpload(sql, { ...before, packages: [broken, ...before.packages.slice(1)] })).rejects.toThrow(/foreign key/i);
    expect(await packageIds()).toEqual(idsBefore);
    expect(await readUpload(sql, baseId)).toEqual(before);
  });
});
