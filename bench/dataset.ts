/**
 * The bench databases: `aur_bench_100k`, the 100K-package data set on the production
 * schema, loaded once and reused by later runs; and `aur_bench_<N*100>k`, N copies of it
 * side by side, to show how the service grows with the AUR.
 */
import mysql from "mysql2/promise";
import { loadSqlFile } from "../tools/db/sql-file.js";
import { TEST_SERVER_URL } from "../support/database.js";
import { BENCH_DATASET, PRODUCTION_STRUCTURE } from "../support/legacy-data.js";

/** Packages in dataset-bench.sql.gz (data/README.md). */
const BENCH_PACKAGES = 100_022;

export interface BenchDatabase {
  name: string;
  url: string;
  packages: number;
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A connection for the bench's own queries; numbers come back as numbers. */
export function connect(url: string): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: url, charset: "UTF8MB4_GENERAL_CI", decimalNumbers: true, supportBigNumbers: true });
}

/** `aur_bench_100k` at scale 1, `aur_bench_400k` at scale 4, ... */
function benchDatabase(scale: number): BenchDatabase {
  const name = `aur_bench_${scale * 100}k`;
  return { name, url: databaseUrl(name), packages: scale * BENCH_PACKAGES };
}

/**
 * The database to benchmark, `scale` times the 100K data set. An existing one is reused
 * when it holds the expected number of packages (an interrupted load does not), unless
 * `reload` asks for a fresh one.
 */
export async function prepareDatabase(scale: number, reload: boolean, log: (line: string) => void): Promise<BenchDatabase> {
  const base = benchDatabase(1);
  const baseLoaded = reload || (await countPackages(base.name)) !== base.packages;
  if (baseLoaded) {
    log(`loading ${BENCH_DATASET} into ${base.name}`);
    await recreate(base.name);
    await loadSqlFile(base.url, PRODUCTION_STRUCTURE);
    await loadSqlFile(base.url, BENCH_DATASET);
  }
  if (scale === 1) return base;

  const scaled = benchDatabase(scale);
  // Copies of data that was just loaded again are stale too.
  if (baseLoaded || (await countPackages(scaled.name)) !== scaled.packages) {
    log(`generating ${scaled.name}: ${scale} copies of ${base.name}`);
    await recreate(scaled.name);
    await loadSqlFile(scaled.url, PRODUCTION_STRUCTURE);
    await copyScaled(base.name, scaled.name, scale);
  }
  return scaled;
}

async function withServer<T>(work: (server: mysql.Connection) => Promise<T>): Promise<T> {
  const server = await connect(TEST_SERVER_URL);
  try {
    return await work(server);
  } finally {
    await server.end();
  }
}

async function countPackages(database: string): Promise<number> {
  return withServer(async (server) => {
    try {
      const [rows] = await server.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${database}\`.Packages`);
      return rows[0]!.n as number;
    } catch {
      return 0; // no such database or table yet
    }
  });
}

async function recreate(database: string): Promise<void> {
  await withServer(async (server) => {
    await server.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await server.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  });
}

/** The tables whose IDs the copies shift: each copy gets its own range above the source's. */
type IdSpace = "Users" | "PackageBases" | "Packages";

/**
 * How each table holding data is copied: columns that hold an ID (or point to one) are
 * shifted into the copy's range of their ID space, unique names get the copy's suffix
 * (".s1", ".s2", ...: "-s3" would turn ruby-aws-sdk into a second ruby-aws-sdk-s3).
 * Declared names (DepName, RelName, Keyword) stay as they are: copy 2 of a package
 * depends on what the original does, so a popular dependency gets N times the
 * dependents, as it would in an AUR N times the size. In FK order.
 */
const COPIED_TABLES: { table: string; ids: Partial<Record<string, IdSpace>>; suffixed?: string[] }[] = [
  { table: "Users", ids: { ID: "Users" }, suffixed: ["Username", "Email"] },
  {
    table: "PackageBases",
    ids: { ID: "PackageBases", FlaggerUID: "Users", SubmitterUID: "Users", MaintainerUID: "Users", PackagerUID: "Users" },
    suffixed: ["Name"],
  },
  { table: "Packages", ids: { ID: "Packages", PackageBaseID: "PackageBases" }, suffixed: ["Name"] },
  { table: "PackageDepends", ids: { PackageID: "Packages" } },
  { table: "PackageRelations", ids: { PackageID: "Packages" } },
  { table: "PackageGroups", ids: { PackageID: "Packages" } },
  { table: "PackageLicenses", ids: { PackageID: "Packages" } },
  { table: "PackageKeywords", ids: { PackageBaseID: "PackageBases" } },
  { table: "PackageComaintainers", ids: { UsersID: "Users", PackageBaseID: "PackageBases" } },
  { table: "PackageVotes", ids: { UsersID: "Users", PackageBaseID: "PackageBases" } },
];

/** Reference rows that all copies share, copied once. */
const SHARED_TABLES = ["AccountTypes", "DependencyTypes", "RelationTypes", "RequestTypes", "Licenses", "Groups"];

/** Fills `target` (schema only) with `copies` copies of `source`, inside MariaDB. */
async function copyScaled(source: string, target: string, copies: number): Promise<void> {
  await withServer(async (server) => {
    const columns = await tableColumns(server, source);
    const copied = new Set([...SHARED_TABLES, ...COPIED_TABLES.map((t) => t.table)]);
    for (const table of columns.keys()) {
      if (copied.has(table)) continue;
      const [rows] = await server.query<mysql.RowDataPacket[]>(`SELECT 1 FROM \`${source}\`.\`${table}\` LIMIT 1`);
      if (rows.length > 0) throw new Error(`${source}.${table} has rows, but dataset.ts has no rule to copy it`);
    }

    const [maxima] = await server.query<mysql.RowDataPacket[]>(
      `SELECT (SELECT MAX(ID) FROM \`${source}\`.Users) AS Users,
              (SELECT MAX(ID) FROM \`${source}\`.PackageBases) AS PackageBases,
              (SELECT MAX(ID) FROM \`${source}\`.Packages) AS Packages`,
    );
    const range = maxima[0] as Record<IdSpace, number>;

    for (const table of SHARED_TABLES) {
      await server.query(`INSERT INTO \`${target}\`.\`${table}\` SELECT * FROM \`${source}\`.\`${table}\``);
    }
    for (const { table, ids, suffixed = [] } of COPIED_TABLES) {
      const names = columns.get(table)!;
      for (let copy = 0; copy < copies; copy++) {
        const values = names.map((column) => {
          const space = ids[column];
          if (copy === 0) return `\`${column}\``;
          if (space) return `\`${column}\` + ${copy * range[space]}`;
          if (suffixed.includes(column)) return `CONCAT(\`${column}\`, '.s${copy}')`;
          return `\`${column}\``;
        });
        await server.query(
          `INSERT INTO \`${target}\`.\`${table}\` (${names.map((c) => `\`${c}\``).join(", ")})
           SELECT ${values.join(", ")} FROM \`${source}\`.\`${table}\``,
        );
      }
    }
    // The service asks the optimizer (EXPLAIN) how it would scan; its statistics must
    // describe the new size, not the empty tables of a minute ago.
    await server.query(`ANALYZE TABLE ${COPIED_TABLES.map((t) => `\`${target}\`.\`${t.table}\``).join(", ")}`);
  });
}

async function tableColumns(server: mysql.Connection, database: string): Promise<Map<string, string[]>> {
  const [rows] = await server.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const columns = new Map<string, string[]>();
  for (const row of rows) {
    const list = columns.get(row.tableName) ?? [];
    list.push(row.columnName);
    columns.set(row.tableName, list);
  }
  return columns;
}
