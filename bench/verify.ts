/**
 * Checks an answer of the service against the database itself, before any load: a fast
 * wrong answer is worth nothing. The second path is plain SQL written here from the
 * legacy queries' conditions, independent of the read model: every result must be a
 * package the condition selects, with the same field values, and (where checked
 * exhaustively) none may be missing. Row order is not compared here; the parity suite
 * (test/rpc) compares whole answers byte for byte.
 */
import type mysql from "mysql2/promise";
import type { BenchQuery, BenchRequest } from "./requests.js";

/** The service's MAX_RPC_RESULTS default: a search reaching it answers an error instead. */
const MAX_RESULTS = 5000;
const TOO_MANY = "Too many package results.";

const FROM = `Packages
  LEFT JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID
  LEFT JOIN Users ON Users.ID = PackageBases.MaintainerUID`;
/** The legacy RPC hides bases that nobody has packaged. */
const VISIBLE = "PackageBases.PackagerUID IS NOT NULL";
/** Aliased to the answer's field names, so a row compares field by field. */
const ROW_FIELDS = `Packages.ID AS ID, Packages.Name AS Name, Packages.PackageBaseID AS PackageBaseID,
  PackageBases.Name AS PackageBase, Packages.Version AS Version, Packages.Description AS Description,
  Packages.URL AS URL, PackageBases.NumVotes AS NumVotes, PackageBases.Popularity AS Popularity,
  PackageBases.OutOfDateTS AS OutOfDate, Users.Username AS Maintainer,
  PackageBases.SubmittedTS AS FirstSubmitted, PackageBases.ModifiedTS AS LastModified`;

/** Info answers' list fields, by the type name the database gives each declaration. */
const LIST_FIELDS: Record<string, string> = {
  depends: "Depends",
  makedepends: "MakeDepends",
  checkdepends: "CheckDepends",
  optdepends: "OptDepends",
  conflicts: "Conflicts",
  provides: "Provides",
  replaces: "Replaces",
  groups: "Groups",
  license: "License",
  keywords: "Keywords",
};

type Json = Record<string, unknown>;

interface Condition {
  sql: string;
  params: unknown[];
}

/**
 * What is wrong with `answer`, the service's answer to `request` (empty when nothing).
 * `exhaustive` also proves that no result is missing, which for text searches costs a
 * scan of the Packages table.
 */
export async function verifyAnswer(
  connection: mysql.Connection,
  request: BenchRequest,
  answer: { status: number; body: string },
  exhaustive: boolean,
): Promise<string[]> {
  const { status, body } = answer;
  if (status !== 200) return [`status ${status}: ${body.slice(0, 200)}`];
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [`not JSON: ${body.slice(0, 200)}`];
  }
  const problems = await check(connection, request.query, json, exhaustive);
  return problems.map((problem) => `${request.path}: ${problem}`);
}

async function check(connection: mysql.Connection, query: BenchQuery, answer: unknown, exhaustive: boolean): Promise<string[]> {
  switch (query.type) {
    case "info":
      return checkInfo(connection, query.names, answer);
    case "search":
      return checkSearch(connection, searchCondition(query.by, query.arg), answer, exhaustive);
    case "suggest":
    case "suggest-pkgbase":
      return checkSuggest(connection, query.type, query.arg, answer);
  }
}

/** The legacy WHERE clause of a search, less the visibility condition. */
function searchCondition(by: string, arg: string): Condition {
  const like = `%${arg.replace(/[\\%_]/g, "\\$&")}%`;
  switch (by) {
    case "name-desc":
      return { sql: "(Packages.Name LIKE ? OR Packages.Description LIKE ?)", params: [like, like] };
    case "name":
      return { sql: "Packages.Name LIKE ?", params: [like] };
    case "maintainer":
      return { sql: "Users.Username = ?", params: [arg] };
    case "depends":
    case "makedepends":
    case "checkdepends":
    case "optdepends":
      return {
        sql: `EXISTS (SELECT 1 FROM PackageDepends d JOIN DependencyTypes t ON t.ID = d.DepTypeID
              WHERE d.PackageID = Packages.ID AND t.Name = ? AND d.DepName = ?)`,
        params: [by, arg],
      };
    case "provides":
    case "conflicts":
    case "replaces":
      return {
        sql: `EXISTS (SELECT 1 FROM PackageRelations r JOIN RelationTypes t ON t.ID = r.RelTypeID
              WHERE r.PackageID = Packages.ID AND t.Name = ? AND r.RelName = ?)`,
        params: [by, arg],
      };
    case "keywords":
      return {
        sql: "EXISTS (SELECT 1 FROM PackageKeywords k WHERE k.PackageBaseID = Packages.PackageBaseID AND k.Keyword = ?)",
        params: [arg],
      };
    default:
      throw new Error(`the bench cannot check answers to by=${by}`);
  }
}

async function checkSearch(connection: mysql.Connection, condition: Condition, answer: unknown, exhaustive: boolean): Promise<string[]> {
  if (isError(answer)) {
    if (answer.error !== TOO_MANY) return [`error answer: ${String(answer.error)}`];
    const count = await countMatches(connection, condition);
    return count >= MAX_RESULTS ? [] : [`answered "${TOO_MANY}" but the database has only ${count} matches`];
  }
  const problems = envelope(answer, "search");
  if (problems.length > 0) return problems;
  const results = (answer as Json).results as Json[];
  const rows = await selectRows(connection, condition, results.map((r) => r.ID));
  problems.push(...compareRows(results, rows));
  if (exhaustive) {
    const count = await countMatches(connection, condition);
    if (count !== results.length) problems.push(`${results.length} results, the database has ${count} matches`);
  }
  return problems;
}

async function checkInfo(connection: mysql.Connection, names: string[], answer: unknown): Promise<string[]> {
  const problems = envelope(answer, "multiinfo");
  if (problems.length > 0) return problems;
  const results = (answer as Json).results as Json[];
  const rows = await selectRows(connection, { sql: "Packages.Name IN (?)", params: [names] }, results.map((r) => r.ID));
  problems.push(...compareRows(results, rows));
  const [found] = await connection.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${FROM} WHERE Packages.Name IN (?) AND ${VISIBLE}`, [
    names,
  ]);
  if (found[0]!.n !== results.length) problems.push(`${results.length} results for ${found[0]!.n} packages with these names`);
  if (rows.length > 0) problems.push(...(await compareLists(connection, results)));
  return problems;
}

async function checkSuggest(connection: mysql.Connection, type: string, arg: string, answer: unknown): Promise<string[]> {
  const prefix = `${arg.replace(/[\\%_]/g, "\\$&")}%`;
  const sql =
    type === "suggest"
      ? `SELECT Packages.Name AS name FROM ${FROM} WHERE Packages.Name LIKE ? AND ${VISIBLE} ORDER BY Packages.Name LIMIT 20`
      : `SELECT Name AS name FROM PackageBases WHERE Name LIKE ? AND ${VISIBLE} ORDER BY Name LIMIT 20`;
  const [rows] = await connection.query<mysql.RowDataPacket[]>(sql, [prefix]);
  const expected = JSON.stringify(rows.map((row) => row.name));
  return JSON.stringify(answer) === expected ? [] : [`answered ${JSON.stringify(answer)}, the database has ${expected}`];
}

function isError(answer: unknown): answer is { type: "error"; error: unknown } {
  return typeof answer === "object" && answer !== null && (answer as Json).type === "error";
}

/** The v5 envelope: version, type, and a resultcount that counts the results. */
function envelope(answer: unknown, type: string): string[] {
  if (isError(answer)) return [`error answer: ${String(answer.error)}`];
  const json = answer as Json;
  const problems: string[] = [];
  if (json.version !== 5) problems.push(`version ${String(json.version)}`);
  if (json.type !== type) problems.push(`type ${String(json.type)}, expected ${type}`);
  if (!Array.isArray(json.results)) return [...problems, "results is not a list"];
  if (json.resultcount !== json.results.length) problems.push(`resultcount ${String(json.resultcount)} for ${json.results.length} results`);
  return problems;
}

/** Matching packages, counted up to the limit (where the legacy query stopped too). */
async function countMatches(connection: mysql.Connection, condition: Condition): Promise<number> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM (SELECT Packages.ID FROM ${FROM} WHERE ${condition.sql} AND ${VISIBLE} LIMIT ${MAX_RESULTS}) AS matches`,
    condition.params,
  );
  return rows[0]!.n as number;
}

/** The rows among `ids` that the condition selects. */
async function selectRows(connection: mysql.Connection, condition: Condition, ids: unknown[]): Promise<mysql.RowDataPacket[]> {
  if (ids.length === 0) return [];
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT ${ROW_FIELDS} FROM ${FROM} WHERE Packages.ID IN (?) AND ${condition.sql} AND ${VISIBLE}`,
    [ids, ...condition.params],
  );
  return rows;
}

/** Every result must be one of `rows` (so it meets the condition) with the same values. */
function compareRows(results: Json[], rows: mysql.RowDataPacket[]): string[] {
  const byId = new Map(rows.map((row) => [row.ID as number, row]));
  const seen = new Set<unknown>();
  const problems: string[] = [];
  for (const result of results) {
    const row = byId.get(result.ID as number);
    if (seen.has(result.ID)) problems.push(`package ${String(result.ID)} listed twice`);
    seen.add(result.ID);
    if (!row) {
      problems.push(`package ${String(result.ID)} ${String(result.Name)} does not meet the condition in the database`);
      continue;
    }
    for (const [field, value] of Object.entries(row)) {
      if (result[field] !== value) problems.push(`${row.Name}: ${field} ${JSON.stringify(result[field])}, database ${JSON.stringify(value)}`);
    }
    const urlPath = decodeURIComponent(String(result.URLPath).replace(/\+/g, " "));
    if (urlPath !== `/cgit/aur.git/snapshot/${row.PackageBase}.tar.gz`) problems.push(`${row.Name}: URLPath ${String(result.URLPath)}`);
  }
  return problems;
}

/** Info's list fields (Depends ... License, Keywords) against the declaration tables. */
async function compareLists(connection: mysql.Connection, results: Json[]): Promise<string[]> {
  const ids = results.map((r) => r.ID);
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT d.PackageID AS id, t.Name AS type, CONCAT(d.DepName, COALESCE(d.DepCondition, '')) AS value
       FROM PackageDepends d JOIN DependencyTypes t ON t.ID = d.DepTypeID WHERE d.PackageID IN (?)
     UNION ALL
     SELECT r.PackageID, t.Name, CONCAT(r.RelName, COALESCE(r.RelCondition, ''))
       FROM PackageRelations r JOIN RelationTypes t ON t.ID = r.RelTypeID WHERE r.PackageID IN (?)
     UNION ALL
     SELECT pg.PackageID, 'groups', g.Name FROM PackageGroups pg JOIN \`Groups\` g ON g.ID = pg.GroupID WHERE pg.PackageID IN (?)
     UNION ALL
     SELECT pl.PackageID, 'license', l.Name FROM PackageLicenses pl JOIN Licenses l ON l.ID = pl.LicenseID WHERE pl.PackageID IN (?)
     UNION ALL
     SELECT p.ID, 'keywords', k.Keyword FROM Packages p JOIN PackageKeywords k ON k.PackageBaseID = p.PackageBaseID WHERE p.ID IN (?)`,
    [ids, ids, ids, ids, ids],
  );
  const problems: string[] = [];
  for (const result of results) {
    for (const [type, field] of Object.entries(LIST_FIELDS)) {
      const expected = rows.filter((row) => row.id === result.ID && row.type === type).map((row) => row.value as string);
      const answered = Array.isArray(result[field]) ? (result[field] as string[]) : [];
      const [a, b] = [sortedUnique(answered), sortedUnique(expected)];
      if (a !== b) problems.push(`${String(result.Name)}: ${field} ${a}, database ${b}`);
    }
  }
  return problems;
}

function sortedUnique(values: string[]): string {
  return JSON.stringify([...new Set(values)].sort());
}
