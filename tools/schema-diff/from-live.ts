// Reads a live database's tables into the model. It only SELECTs from information_schema
// (TABLES, COLUMNS, STATISTICS, KEY_COLUMN_USAGE, REFERENTIAL_CONSTRAINTS): it never writes,
// and needs no privilege beyond seeing the tables.
import mysql from "mysql2/promise";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { parseMysqlUrl } from "../db/sql-file.js";
import { SchemaInputError } from "./errors.js";
import type { ColumnModel, ForeignKeyModel, IndexKind, IndexModel, SchemaModel, TableModel } from "./model.js";
import {
  impliedDefault,
  isCharacterType,
  normalizeAction,
  normalizeDefaultText,
  parseColumnType,
  resolveCharset,
} from "./normalize.js";

/** The URL with its password hidden, fit for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** Connects, reads and disconnects; connection problems become a SchemaInputError. */
export async function readLiveSchema(url: string): Promise<SchemaModel> {
  let database: string;
  let connection: Connection;
  try {
    database = parseMysqlUrl(url).database;
    if (!database) throw new Error("the URL names no database (mysql://user@host:port/DATABASE)");
    connection = await mysql.createConnection({ uri: url, connectTimeout: 10_000 });
  } catch (error) {
    throw new SchemaInputError(`cannot connect to ${redactUrl(url)}: ${describeConnectionError(error)}`);
  }
  try {
    return await readSchema(connection, database);
  } finally {
    await connection.end();
  }
}

function describeConnectionError(error: unknown): string {
  // Node reports a refused "localhost" (tried as ::1 and 127.0.0.1) as an AggregateError
  // without a message of its own.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeConnectionError).join("; ");
  }
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? error.code : "";
    return error.message || code || error.name;
  }
  return String(error);
}

interface TableRow extends RowDataPacket {
  TABLE_NAME: string;
  ENGINE: string | null;
  TABLE_COLLATION: string | null;
}

interface ColumnRow extends RowDataPacket {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  COLUMN_DEFAULT: string | null;
  IS_NULLABLE: "YES" | "NO";
  COLUMN_TYPE: string;
  CHARACTER_SET_NAME: string | null;
  COLLATION_NAME: string | null;
  EXTRA: string;
}

interface IndexRow extends RowDataPacket {
  TABLE_NAME: string;
  INDEX_NAME: string;
  NON_UNIQUE: number;
  COLUMN_NAME: string;
  SUB_PART: number | null;
  INDEX_TYPE: string;
  COLLATION: "A" | "D" | null;
}

interface KeyColumnRow extends RowDataPacket {
  TABLE_NAME: string;
  CONSTRAINT_NAME: string;
  COLUMN_NAME: string;
  REFERENCED_TABLE_NAME: string;
  REFERENCED_COLUMN_NAME: string;
}

interface ConstraintRow extends RowDataPacket {
  TABLE_NAME: string;
  CONSTRAINT_NAME: string;
  UPDATE_RULE: string;
  DELETE_RULE: string;
}

async function readSchema(connection: Connection, database: string): Promise<SchemaModel> {
  const [tableRows] = await connection.query<TableRow[]>(
    `SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
    [database],
  );
  const [columnRows] = await connection.query<ColumnRow[]>(
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const [indexRows] = await connection.query<IndexRow[]>(
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE, COLLATION
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [database],
  );
  const [keyColumnRows] = await connection.query<KeyColumnRow[]>(
    `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
    [database],
  );
  const [constraintRows] = await connection.query<ConstraintRow[]>(
    `SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
       FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`,
    [database],
  );

  const tables: TableModel[] = tableRows.map((row) => {
    return {
      name: row.TABLE_NAME,
      columns: [],
      primaryKey: null,
      indexes: [],
      foreignKeys: [],
      options: { engine: row.ENGINE ?? "", ...resolveCharset(null, row.TABLE_COLLATION, { charset: "", collation: "" }) },
    };
  });
  const byName = new Map(tables.map((t) => [t.name, t]));

  for (const row of columnRows) byName.get(row.TABLE_NAME)?.columns.push(columnFromRow(row));

  for (const row of indexRows) {
    const table = byName.get(row.TABLE_NAME);
    if (!table) continue;
    const part = `${row.COLUMN_NAME}${row.SUB_PART !== null ? `(${row.SUB_PART})` : ""}${row.COLLATION === "D" ? " DESC" : ""}`;
    if (row.INDEX_NAME === "PRIMARY") {
      (table.primaryKey ??= []).push(part);
      continue;
    }
    let index: IndexModel | undefined = table.indexes.find((i) => i.name === row.INDEX_NAME);
    if (!index) {
      index = { name: row.INDEX_NAME, kind: indexKind(row), columns: [] };
      table.indexes.push(index);
    }
    index.columns.push(part);
  }

  const rules = new Map(constraintRows.map((row) => [`${row.TABLE_NAME}\0${row.CONSTRAINT_NAME}`, row]));
  for (const row of keyColumnRows) {
    const table = byName.get(row.TABLE_NAME);
    if (!table) continue;
    let fk: ForeignKeyModel | undefined = table.foreignKeys.find((f) => f.name === row.CONSTRAINT_NAME);
    if (!fk) {
      const rule = rules.get(`${row.TABLE_NAME}\0${row.CONSTRAINT_NAME}`);
      fk = {
        name: row.CONSTRAINT_NAME,
        columns: [],
        referencedTable: row.REFERENCED_TABLE_NAME,
        referencedColumns: [],
        onDelete: normalizeAction(rule?.DELETE_RULE),
        onUpdate: normalizeAction(rule?.UPDATE_RULE),
      };
      table.foreignKeys.push(fk);
    }
    fk.columns.push(row.COLUMN_NAME);
    fk.referencedColumns.push(row.REFERENCED_COLUMN_NAME);
  }

  return { tables };
}

function indexKind(row: IndexRow): IndexKind {
  if (row.INDEX_TYPE === "FULLTEXT" || row.INDEX_TYPE === "SPATIAL") return row.INDEX_TYPE;
  return Number(row.NON_UNIQUE) === 0 ? "UNIQUE" : "INDEX";
}

function columnFromRow(row: ColumnRow): ColumnModel {
  const { type, unsigned } = parseColumnType(row.COLUMN_TYPE);
  const nullable = row.IS_NULLABLE === "YES";
  const extra = row.EXTRA.toLowerCase();
  const onUpdate = /on update (.+)$/.exec(extra);
  const character = isCharacterType(type);
  return {
    name: row.COLUMN_NAME,
    type,
    unsigned,
    nullable,
    // MariaDB reports an absent default as SQL NULL and DEFAULT NULL as the text "NULL".
    default: row.COLUMN_DEFAULT === null ? impliedDefault(nullable) : normalizeDefaultText(row.COLUMN_DEFAULT, type),
    onUpdate: onUpdate ? normalizeDefaultText(onUpdate[1]!, type) : null,
    autoIncrement: /\bauto_increment\b/.test(extra),
    ...(character
      ? resolveCharset(row.CHARACTER_SET_NAME, row.COLLATION_NAME, { charset: "", collation: "" })
      : { charset: null, collation: null }),
  };
}
