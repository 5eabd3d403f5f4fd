/**
 * What the bench requests: the lines of data/bench/rpc-queries.tsv, searches by
 * provides and keywords with arguments picked from the data set, one bulk info POST of
 * 5,000 names as aurutils sends it, and for --mix a thousand distinct searches and info
 * requests drawn from the data set.
 */
import { readFile } from "node:fs/promises";
import type mysql from "mysql2/promise";
import { seededRandom } from "../src/seeded-random.js";

export type BenchQuery =
  | { type: "info"; names: string[] }
  | { type: "search"; by: string; arg: string }
  | { type: "suggest" | "suggest-pkgbase"; arg: string };

export interface BenchRequest {
  path: string;
  query: BenchQuery;
  /** A form POSTed to `path` (application/x-www-form-urlencoded); a GET without one. */
  form?: string;
}

/** What one row of the results table measures: one request, or a mix sent in turn. */
export interface Subject {
  name: string;
  requests: BenchRequest[];
}

/** `rpc-queries.tsv`: `name<TAB>path` per line; lines starting with # are comments. */
export async function readQueryFile(file: string): Promise<Subject[]> {
  const lines = (await readFile(file, "utf8")).split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  return lines.map((line) => {
    const [name, path] = line.split("\t");
    if (!name || !path) throw new Error(`${file}: expected name<TAB>path, got ${JSON.stringify(line)}`);
    return { name, requests: [{ path, query: queryOf(path) }] };
  });
}

/** The query a path asks, read the way PHP reads it (`arg[]` and `arg` both give names). */
function queryOf(path: string): BenchQuery {
  const params = new URL(path, "http://bench").searchParams;
  const type = params.get("type");
  const arg = params.get("arg") ?? "";
  if (type === "info" || type === "multiinfo") return { type: "info", names: [...params.getAll("arg[]"), ...params.getAll("arg")] };
  if (type === "search") return { type, by: params.get("by") ?? "name-desc", arg };
  if (type === "msearch") return { type: "search", by: "maintainer", arg };
  if (type === "suggest" || type === "suggest-pkgbase") return { type, arg };
  throw new Error(`the bench cannot check answers to type=${type} (${path})`);
}

function search(by: string, arg: string): BenchRequest {
  const byParam = by === "name-desc" ? "" : `&by=${by}`;
  return { path: `/rpc/?v=5&type=search${byParam}&arg=${encodeURIComponent(arg)}`, query: { type: "search", by, arg } };
}

function info(name: string): BenchRequest {
  return { path: `/rpc/?v=5&type=info&arg[]=${encodeURIComponent(name)}`, query: { type: "info", names: [name] } };
}

/**
 * Searches by provides and by keywords, each with the most common value that matches at
 * most 1% of the packages: a popular argument that stays clear of the 5,000-result limit
 * at every scale (the scaled copies multiply both counts alike).
 */
export async function relationSearches(connection: mysql.Connection, packages: number): Promise<Subject[]> {
  const most = Math.floor(packages / 100);
  const [[provided]] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT r.RelName AS arg, COUNT(DISTINCT p.ID) AS n
     FROM PackageRelations r
     JOIN RelationTypes t ON t.ID = r.RelTypeID
     JOIN Packages p ON p.ID = r.PackageID
     JOIN PackageBases b ON b.ID = p.PackageBaseID
     WHERE t.Name = 'provides' AND b.PackagerUID IS NOT NULL
     GROUP BY r.RelName HAVING n <= ? ORDER BY n DESC, arg LIMIT 1`,
    [most],
  );
  const [[keyword]] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT k.Keyword AS arg, COUNT(*) AS n
     FROM PackageKeywords k
     JOIN PackageBases b ON b.ID = k.PackageBaseID
     JOIN Packages p ON p.PackageBaseID = b.ID
     WHERE b.PackagerUID IS NOT NULL
     GROUP BY k.Keyword HAVING n <= ? ORDER BY n DESC, arg LIMIT 1`,
    [most],
  );
  if (!provided || !keyword) throw new Error("the data set has no provides or no keywords to search for");
  return [
    { name: "search-provides", requests: [search("provides", provided.arg as string)] },
    { name: "search-keywords", requests: [search("keywords", keyword.arg as string)] },
  ];
}

/** Fixed, so that every run (and every machine) sends the same mix. */
const MIX_SEED = 20_240_801;

/**
 * `count` distinct name-desc searches and `count` distinct info requests. Search terms are
 * words of package names and descriptions, drawn from their occurrences, so a common word
 * is likelier to be in the mix, as it is likelier to be searched for; package names are
 * drawn evenly.
 */
export async function mixSubjects(connection: mysql.Connection, count: number): Promise<Subject[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT Packages.Name AS name, Packages.Description AS description
     FROM Packages JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
     WHERE PackageBases.PackagerUID IS NOT NULL ORDER BY Packages.ID`,
  );
  const random = seededRandom(MIX_SEED);
  const words = rows.flatMap((row) => wordsOf(`${row.name} ${row.description ?? ""}`));
  const terms = drawDistinct(words, count, random);
  const names = drawDistinct(rows.map((row) => row.name as string), count, random);
  return [
    { name: "mix-name-desc", requests: terms.map((term) => search("name-desc", term)) },
    { name: "mix-info", requests: names.map(info) },
  ];
}

/** Lower-case runs of letters and digits, three or more long (shorter ones the RPC refuses or matches everywhere). */
function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 3);
}

function drawDistinct(pool: readonly string[], count: number, random: () => number): string[] {
  const drawn = new Set<string>();
  for (let tries = 0; drawn.size < count; tries++) {
    if (tries > count * 1000) throw new Error(`fewer than ${count} distinct values to draw from`);
    drawn.add(pool[Math.floor(random() * pool.length)]!);
  }
  return [...drawn];
}


/** How many names the bulk info POST sends: aurutils' AUR_QUERY_RPC_SPLITNO default. */
export const BULK_NAMES = 5000;
/**
 * Of those, how many the data set does not have, as an installed package that is not in
 * the AUR: 5,000 packages found would reach the legacy result limit and answer an error.
 */
const BULK_MISSING = 100;

/** aurutils' urlencode: every byte but letters and digits percent-encoded. */
function perlUrlencode(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((byte) => (/[A-Za-z0-9]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}

/**
 * `aur query -t info` with a full batch: one POST of `&arg[]=<name>` per name to
 * /rpc/v5/info, names of packages spread over the whole data set.
 */
export async function bulkInfo(connection: mysql.Connection): Promise<Subject> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT Packages.Name AS name FROM Packages JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
     WHERE PackageBases.PackagerUID IS NOT NULL ORDER BY Packages.ID`,
  );
  const found = BULK_NAMES - BULK_MISSING;
  if (rows.length < found) throw new Error(`the data set has ${rows.length} packages, fewer than the ${found} the bulk info POST asks for`);
  const step = rows.length / found;
  const names = Array.from({ length: found }, (_, i) => rows[Math.floor(i * step)]!.name as string);
  for (let i = 0; i < BULK_MISSING; i++) names.push(`not-in-the-aur-${i}`);
  return {
    name: "info-post-5000",
    requests: [{ path: "/rpc/v5/info", form: names.map((n) => `&arg[]=${perlUrlencode(n)}`).join(""), query: { type: "info", names } }],
  };
}
