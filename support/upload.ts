/**
 * A package upload written the way the legacy site writes one. aurweb's git update hook
 * does not update a package in place: in one transaction it updates the package base,
 * deletes the base's packages with their sources, dependencies, relations, licenses and
 * groups, and inserts them all again, so every package of the base gets a new ID. That is
 * the change the read model sees most on a live site, and the dearest for it, unlike an
 * `UPDATE Packages` of one column.
 */
import type mysql from "mysql2/promise";

/** The tables that hang off Packages.ID, with the columns an upload writes besides PackageID. */
const PACKAGE_ROWS = {
  PackageSources: ["Source", "SourceArch"],
  PackageDepends: ["DepTypeID", "DepName", "DepDesc", "DepCondition", "DepArch"],
  PackageRelations: ["RelTypeID", "RelName", "RelCondition", "RelArch"],
  PackageLicenses: ["LicenseID"],
  PackageGroups: ["GroupID"],
} as const;

type PackageRowTable = keyof typeof PACKAGE_ROWS;
const PACKAGE_ROW_TABLES = Object.keys(PACKAGE_ROWS) as PackageRowTable[];

export interface UploadedPackage {
  name: string;
  version: string;
  description: string | null;
  url: string | null;
  /** Each table's rows for this package, values in PACKAGE_ROWS order, in the order they were read. */
  rows: Record<PackageRowTable, unknown[][]>;
}

export interface Upload {
  baseId: number;
  modifiedTS: number;
  packagerUID: number | null;
  /** The hook clears the out-of-date flag; a copy that puts a base back keeps its own. */
  outOfDateTS: number | null;
  packages: UploadedPackage[];
}

/** What an upload of the base as it stands would write. */
export async function readUpload(connection: mysql.Connection, baseId: number): Promise<Upload> {
  const [[base]] = await connection.query<mysql.RowDataPacket[]>(
    "SELECT ModifiedTS, PackagerUID, OutOfDateTS FROM PackageBases WHERE ID = ?",
    [baseId],
  );
  if (!base) throw new Error(`no package base ${baseId}`);
  const [packageRows] = await connection.query<mysql.RowDataPacket[]>(
    "SELECT ID, Name, Version, Description, URL FROM Packages WHERE PackageBaseID = ? ORDER BY ID",
    [baseId],
  );
  const packages = new Map<number, UploadedPackage>();
  for (const p of packageRows) {
    const rows = Object.fromEntries(PACKAGE_ROW_TABLES.map((t) => [t, []])) as unknown as UploadedPackage["rows"];
    packages.set(p.ID as number, { name: p.Name, version: p.Version, description: p.Description, url: p.URL, rows });
  }
  for (const table of PACKAGE_ROW_TABLES) {
    const [rows] = await connection.query<mysql.RowDataPacket[]>({
      sql: `SELECT PackageID, ${PACKAGE_ROWS[table].join(", ")} FROM ${table} WHERE PackageID IN (?)`,
      // No package has ID 0; it keeps the list valid SQL for a base without packages.
      values: [[...packages.keys(), 0]],
      rowsAsArray: true,
    });
    for (const [packageId, ...values] of rows as unknown as unknown[][]) packages.get(packageId as number)!.rows[table].push(values);
  }
  return {
    baseId,
    modifiedTS: Number(base.ModifiedTS),
    packagerUID: base.PackagerUID as number | null,
    outOfDateTS: base.OutOfDateTS === null ? null : Number(base.OutOfDateTS),
    packages: [...packages.values()],
  };
}

/** Writes `upload` as the hook does, in one transaction: new package IDs, the same base. */
export async function writeUpload(connection: mysql.Connection, upload: Upload): Promise<void> {
  await connection.beginTransaction();
  try {
    await connection.query("UPDATE PackageBases SET ModifiedTS = ?, PackagerUID = ?, OutOfDateTS = ? WHERE ID = ?", [
      upload.modifiedTS,
      upload.packagerUID,
      upload.outOfDateTS,
      upload.baseId,
    ]);
    for (const table of PACKAGE_ROW_TABLES) {
      await connection.query(
        `DELETE FROM ${table} WHERE EXISTS (SELECT * FROM Packages WHERE Packages.PackageBaseID = ? AND ${table}.PackageID = Packages.ID)`,
        [upload.baseId],
      );
    }
    await connection.query("DELETE FROM Packages WHERE PackageBaseID = ?", [upload.baseId]);
    for (const p of upload.packages) {
      const [inserted] = await connection.query<mysql.ResultSetHeader>(
        "INSERT INTO Packages (PackageBaseID, Name, Version, Description, URL) VALUES (?, ?, ?, ?, ?)",
        [upload.baseId, p.name, p.version, p.description, p.url],
      );
      for (const table of PACKAGE_ROW_TABLES) {
        if (p.rows[table].length === 0) continue;
        await connection.query(`INSERT INTO ${table} (PackageID, ${PACKAGE_ROWS[table].join(", ")}) VALUES ?`, [
          p.rows[table].map((values) => [inserted.insertId, ...values]),
        ]);
      }
    }
    await connection.commit();
  } catch (error) {
    await connection.rollback();
    throw error;
  }
}
