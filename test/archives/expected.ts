/**
 * What aurweb's mkpkglists writes for a database, computed with its own SQL on MariaDB:
 * the queries as aurweb 5.0.0 and today's script send them, the rows in the order MariaDB
 * returns them, laid out as the scripts lay them out.
 */
import type mysql from "mysql2/promise";
import { orjsonFloat } from "../../src/archives/orjson.js";

type Row = mysql.RowDataPacket;

async function column(sql: mysql.Connection, query: string): Promise<string[]> {
  const [rows] = await sql.query<Row[]>({ sql: query, rowsAsArray: true });
  return rows.map((r) => String((r as unknown as unknown[])[0]));
}

const lines = (names: string[]) => names.map((n) => `${n}\n`).join("");

export async function legacyLists(sql: mysql.Connection): Promise<Record<string, string>> {
  return {
    "packages.gz": lines(
      await column(
        sql,
        "SELECT Packages.Name FROM Packages INNER JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID WHERE PackageBases.PackagerUID IS NOT NULL",
      ),
    ),
    "pkgbase.gz": lines(await column(sql, "SELECT Name FROM PackageBases WHERE PackagerUID IS NOT NULL")),
    "users.gz": lines(await column(sql, "SELECT UserName FROM Users")),
  };
}

export async function currentLists(sql: mysql.Connection): Promise<Record<string, string>> {
  return {
    "packages.gz": lines(
      await column(sql, "SELECT Packages.Name FROM Packages INNER JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID ORDER BY Packages.Name"),
    ),
    "pkgbase.gz": lines(await column(sql, "SELECT PackageBases.Name FROM PackageBases")),
    "users.gz": lines(await column(sql, "SELECT Users.Username FROM Users")),
  };
}

/** The union of today's --extended handler, as SQLAlchemy sends it. */
const EXTENDED = `SELECT anon_1.ID, anon_1.Type, anon_1.Name, anon_1.Cond FROM (
(SELECT DISTINCT PackageDepends.PackageID AS ID, DependencyTypes.Name AS Type, PackageDepends.DepName AS Name, PackageDepends.DepCondition AS Cond
  FROM PackageDepends INNER JOIN DependencyTypes ON DependencyTypes.ID = PackageDepends.DepTypeID ORDER BY Name)
UNION ALL
(SELECT DISTINCT PackageRelations.PackageID AS ID, RelationTypes.Name AS Type, PackageRelations.RelName AS Name, PackageRelations.RelCondition AS Cond
  FROM PackageRelations INNER JOIN RelationTypes ON RelationTypes.ID = PackageRelations.RelTypeID ORDER BY Name)
UNION ALL
(SELECT PackageGroups.PackageID AS ID, 'Groups' AS Type, \`Groups\`.Name AS Name, '' AS Cond
  FROM PackageGroups INNER JOIN \`Groups\` ON PackageGroups.GroupID = \`Groups\`.ID ORDER BY Name)
UNION ALL
(SELECT PackageLicenses.PackageID AS ID, 'License' AS Type, Licenses.Name AS Name, '' AS Cond
  FROM PackageLicenses INNER JOIN Licenses ON PackageLicenses.LicenseID = Licenses.ID ORDER BY Name)
UNION ALL
(SELECT Packages.ID AS ID, 'Keywords' AS Type, PackageKeywords.Keyword AS Name, '' AS Cond
  FROM PackageKeywords INNER JOIN Packages ON Packages.PackageBaseID = PackageKeywords.PackageBaseID ORDER BY Name)
UNION ALL
(SELECT DISTINCT Packages.ID, 'CoMaintainers' AS Type, Users.Username AS Name, '' AS Cond
  FROM PackageComaintainers INNER JOIN Users ON Users.ID = PackageComaintainers.UsersID
  INNER JOIN Packages ON Packages.PackageBaseID = PackageComaintainers.PackageBaseID ORDER BY Name)
) AS anon_1`;

const TYPE_KEYS: Record<string, string> = {
  depends: "Depends",
  makedepends: "MakeDepends",
  checkdepends: "CheckDepends",
  optdepends: "OptDepends",
  conflicts: "Conflicts",
  provides: "Provides",
  replaces: "Replaces",
};

const META = `SELECT Packages.ID, Packages.Name, PackageBases.ID AS PackageBaseID, PackageBases.Name AS PackageBase,
  Packages.Version, Packages.Description, Packages.URL, PackageBases.NumVotes, PackageBases.Popularity,
  PackageBases.OutOfDateTS AS OutOfDate, Users.Username AS Maintainer, Submitter.Username AS Submitter,
  PackageBases.SubmittedTS AS FirstSubmitted, PackageBases.ModifiedTS AS LastModified
  FROM Packages INNER JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
  LEFT OUTER JOIN Users ON PackageBases.MaintainerUID = Users.ID
  LEFT OUTER JOIN Users AS Submitter ON PackageBases.SubmitterUID = Submitter.ID
  ORDER BY Name`;

/** A JSON object as orjson writes a Python dict: JSON.stringify's layout, Popularity a float. */
function dumps(item: Record<string, unknown>): string {
  const popularity = Number(item.Popularity);
  return JSON.stringify({ ...item, Popularity: "\u0000popularity" }).replace('"\\u0000popularity"', orjsonFloat(popularity));
}

/** packages-meta-v1.json and packages-meta-ext-v1.json. */
export async function metaArchives(sql: mysql.Connection, snapshotUri: string): Promise<{ meta: string; ext: string }> {
  const [extRows] = await sql.query<Row[]>({ sql: EXTENDED, rowsAsArray: true });
  const data = new Map<number, Map<string, string[]>>();
  for (const row of extRows as unknown as [number, string, string, string | null][]) {
    const [id, type, name, cond] = row;
    const key = TYPE_KEYS[type] ?? type;
    let fields = data.get(Number(id));
    if (!fields) data.set(Number(id), (fields = new Map()));
    if (!fields.has(key)) fields.set(key, []);
    fields.get(key)!.push(cond ? name + cond : name);
  }
  const [rows] = await sql.query<Row[]>({ sql: META, supportBigNumbers: true, bigNumberStrings: true });
  const meta: string[] = [];
  const ext: string[] = [];
  for (const r of rows) {
    const item: Record<string, unknown> = {
      ID: Number(r.ID),
      Name: r.Name,
      PackageBaseID: Number(r.PackageBaseID),
      PackageBase: r.PackageBase,
      Version: r.Version,
      Description: r.Description,
      URL: r.URL,
      NumVotes: Number(r.NumVotes),
      Popularity: r.Popularity,
      OutOfDate: r.OutOfDate === null ? null : Number(r.OutOfDate),
      Maintainer: r.Maintainer,
      Submitter: r.Submitter,
      FirstSubmitted: Number(r.FirstSubmitted),
      LastModified: Number(r.LastModified),
      URLPath: snapshotUri.replace("%s", String(r.Name)),
    };
    meta.push(dumps(item));
    ext.push(dumps({ ...item, ...Object.fromEntries(data.get(Number(r.ID)) ?? []) }));
  }
  const wrap = (objects: string[]) => `[\n${objects.map((o, i) => (i < objects.length - 1 ? `${o},\n` : `${o}\n`)).join("")}]`;
  return { meta: wrap(meta), ext: wrap(ext) };
}
