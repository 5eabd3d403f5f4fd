/**
 * What the client tests share: the sample data set served by the service in both
 * profiles, the names SQL says the RPC must find, the ways each client encodes a name,
 * and the checks of an answer as the clients parse it.
 */
import mysql from "mysql2/promise";
import { expect } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { rawRequest, type RawResponse } from "../support/http.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { startService, type RunningService } from "../support/service.js";

export interface Sample {
  db: ScratchDatabase;
  legacy: RunningService;
  current: RunningService;
  /** Every package the RPC shows (its base has a packager), by name, in ID order. */
  names: string[];
  close(): Promise<void>;
}

export async function startSample(label: string): Promise<Sample> {
  const db = await createLegacyDatabase(label, PUBLIC_DATASET);
  const connection = await mysql.createConnection(db.url);
  let names: string[];
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT p.Name FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
       WHERE b.PackagerUID IS NOT NULL ORDER BY p.ID`,
    );
    names = rows.map((row) => row.Name as string);
  } finally {
    await connection.end();
  }
  const legacy = await startService(db.url);
  const current = await startService(db.url, { RPC_PROFILE: "current" });
  return {
    db,
    legacy,
    current,
    names,
    async close() {
      await legacy.close();
      await current.close();
      await db.drop();
    },
  };
}

/** `list` in runs of `size`, as a client splits its names into requests. */
export function batches<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Percent-encodes every UTF-8 byte outside `keep` (upper-case hex); `space` replaces a space when given. */
function escaper(keep: RegExp, space?: string): (s: string) => string {
  return (s) =>
    [...Buffer.from(s, "utf8")]
      .map((byte) => {
        const ch = String.fromCharCode(byte);
        if (space !== undefined && ch === " ") return space;
        return keep.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      })
      .join("");
}

/** aurutils' AUR::Query::urlencode: every byte but letters and digits. */
export const perlUrlencode = escaper(/^[A-Za-z0-9]$/);
/** curl_easy_escape (auracle): the RFC 3986 unreserved characters stay. */
export const curlEscape = escaper(/^[A-Za-z0-9\-._~]$/);
/** Go's url.QueryEscape (yay's Jguer/aur): unreserved stay, a space is `+`. */
export const goQueryEscape = escaper(/^[A-Za-z0-9\-._~]$/, "+");
/** Python's urllib.parse.quote (pikaur's names): unreserved and `/` stay. */
export const pythonQuote = escaper(/^[A-Za-z0-9\-._~/]$/);
/** Python's urlencode (quote_plus): unreserved stay, a space is `+`. */
export const pythonQuotePlus = escaper(/^[A-Za-z0-9\-._~]$/, "+");
/** Perl's URI::Escape::uri_escape_utf8 (trizen): unreserved stay. */
export const uriEscapeUtf8 = escaper(/^[A-Za-z0-9\-._~]$/);
/** The WHATWG form serializer (serde_urlencoded, raur): `*-._` and alphanumerics stay, a space is `+`. */
export const formEncode = escaper(/^[A-Za-z0-9*\-._]$/, "+");

export const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

export async function send(service: RunningService, method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  return rawRequest(service.url, method, target, headers, body);
}

export interface Envelope {
  version: number;
  type: string;
  resultcount: number;
  results: Record<string, unknown>[];
  error?: string;
}

/** A 200 JSON answer of `type` with no error, whose `resultcount` counts its results. */
export function envelope(response: RawResponse, type: string): Envelope {
  expect(response.status, response.body.slice(0, 200)).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  const answer = JSON.parse(response.body) as Envelope;
  expect(answer.error, answer.error).toBeUndefined();
  expect(answer.type).toBe(type);
  expect(Array.isArray(answer.results)).toBe(true);
  expect(answer.resultcount).toBe(answer.results.length);
  return answer;
}

const INTEGER_FIELDS = ["ID", "PackageBaseID", "NumVotes", "FirstSubmitted", "LastModified"];
const STRING_FIELDS = ["Name", "PackageBase", "Version", "URLPath"];
const NULLABLE_STRING_FIELDS = ["Description", "URL", "Maintainer"];
const LIST_FIELDS = ["Depends", "MakeDepends", "CheckDepends", "OptDepends", "Conflicts", "Provides", "Replaces", "Groups", "License", "Keywords"];

/**
 * The strictest of the clients' parsers: Go's encoding/json (yay) fails an int field given
 * a fraction or a string, serde (paru) fails a missing required field, glaze (auracle) a
 * wrongly typed one. A row every one of them takes.
 */
export function expectClientRows(rows: readonly Record<string, unknown>[]): void {
  for (const row of rows) {
    for (const field of INTEGER_FIELDS) expect(Number.isInteger(row[field]), `${field} of ${String(row.Name)}`).toBe(true);
    for (const field of STRING_FIELDS) expect(typeof row[field], `${field} of ${String(row.Name)}`).toBe("string");
    for (const field of NULLABLE_STRING_FIELDS) expect(row[field] === null || typeof row[field] === "string", field).toBe(true);
    expect(typeof row.Popularity).toBe("number");
    expect(row.OutOfDate === null || Number.isInteger(row.OutOfDate)).toBe(true);
    for (const field of LIST_FIELDS) {
      const list = row[field];
      if (list === undefined) continue;
      expect(Array.isArray(list) && list.every((item) => typeof item === "string"), field).toBe(true);
    }
  }
}

/** The names of answers' results: each package exactly once, and every one of `expected`. */
export function expectEveryNameOnce(answers: readonly Envelope[], expected: readonly string[]): void {
  const got = answers.flatMap((answer) => answer.results.map((row) => row.Name as string));
  expect(new Set(got).size, "a package came back twice").toBe(got.length);
  expect(got.length).toBe(expected.length);
  expect([...got].sort()).toEqual([...expected].sort());
}

/**
 * Names of the packages a profile shows that match an SQL condition on `p` (Packages) and `b`
 * (PackageBases): the legacy profile hides bases without a packager, the current one does not.
 */
export async function sqlNames(sample: Sample, condition: string, params: unknown[] = [], profile = "legacy"): Promise<string[]> {
  const connection = await mysql.createConnection(sample.db.url);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT DISTINCT p.Name FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
       WHERE ${profile === "current" ? "TRUE" : "b.PackagerUID IS NOT NULL"} AND (${condition})`,
      params,
    );
    return rows.map((row) => row.Name as string);
  } finally {
    await connection.end();
  }
}

/** How many licenses each visible package has, by name. */
export async function sqlLicenseCounts(sample: Sample): Promise<Map<string, number>> {
  const connection = await mysql.createConnection(sample.db.url);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT p.Name, COUNT(l.LicenseID) AS n FROM Packages p JOIN PackageBases b ON b.ID = p.PackageBaseID
       LEFT JOIN PackageLicenses l ON l.PackageID = p.ID WHERE b.PackagerUID IS NOT NULL GROUP BY p.ID`,
    );
    return new Map(rows.map((row) => [row.Name as string, Number(row.n)]));
  } finally {
    await connection.end();
  }
}
