// Creates the legacy tables from the Drizzle schema: for tests, the local development
// database and fresh installs. The DDL is written from the same model schema:diff compares,
// so a database made here diffs clean against production by construction, and the tests
// check that it does.
import { drizzle } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import { insertReferenceData, legacyTableOptions } from "../../schema/index.js";
import { SchemaInputError } from "../schema-diff/errors.js";
import { schemaFromDrizzle } from "../schema-diff/from-drizzle.js";
import { redactUrl } from "../schema-diff/from-live.js";
import type { SchemaModel, TableModel } from "../schema-diff/model.js";
import { columnDefinition, foreignKeyDefinition, indexDefinition, keyParts, quoteIdentifier } from "../schema-diff/render.js";
import { parseMysqlUrl } from "./sql-file.js";

export interface CreateSchemaOptions {
  /** Also insert the lookup rows the legacy installer inserts (schema/reference-data.ts). */
  referenceData: boolean;
}

export function createTableStatement(table: TableModel): string {
  const lines = table.columns.map((c) => `${quoteIdentifier(c.name)} ${columnDefinition(c, table.options)}`);
  if (table.primaryKey) lines.push(`PRIMARY KEY ${keyParts(table.primaryKey, true)}`);
  for (const index of table.indexes) lines.push(indexDefinition(index, true));
  for (const fk of table.foreignKeys) lines.push(foreignKeyDefinition(fk, true));
  const { engine, charset, collation } = table.options;
  return `CREATE TABLE ${quoteIdentifier(table.name)} (\n  ${lines.join(",\n  ")}\n) ENGINE=${engine} DEFAULT CHARSET=${charset} COLLATE=${collation}`;
}

export function createTableStatements(model: SchemaModel = schemaFromDrizzle()): string[] {
  return model.tables.map(createTableStatement);
}

/**
 * Creates the database if it is missing, then every table. A database that already has
 * tables is left alone (SchemaInputError): this never alters or replaces anything.
 */
export async function createSchema(url: string, options: CreateSchemaOptions): Promise<{ database: string; tables: number }> {
  const { database } = parseMysqlUrl(url);
  if (!database) throw new SchemaInputError(`${redactUrl(url)} names no database (mysql://user@host:port/DATABASE)`);
  const serverUrl = new URL(url);
  serverUrl.pathname = "/";
  const statements = createTableStatements();

  let server: mysql.Connection;
  try {
    server = await mysql.createConnection({ uri: serverUrl.toString(), connectTimeout: 10_000 });
  } catch (error) {
    throw new SchemaInputError(`cannot connect to ${redactUrl(serverUrl.toString())}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const { charset, collation } = legacyTableOptions;
    await server.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)} CHARACTER SET ${charset} COLLATE ${collation}`);
    const [rows] = await server.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS tables FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
      [database],
    );
    const existing = Number(rows[0]?.tables ?? 0);
    if (existing > 0) {
      throw new SchemaInputError(
        `database ${database} already has ${existing} table${existing === 1 ? "" : "s"}; db:create only fills an empty database (drop it or choose another name)`,
      );
    }
    await server.query(`USE ${quoteIdentifier(database)}`);
    // Tables reference each other in both directions; checks are off while they are created.
    await server.query("SET SESSION FOREIGN_KEY_CHECKS = 0");
    // Production's TIMESTAMP columns get no implicit DEFAULT/ON UPDATE (MariaDB 10.10+ default).
    await server.query("SET SESSION explicit_defaults_for_timestamp = 1");
    for (const statement of statements) await server.query(statement);
    await server.query("SET SESSION FOREIGN_KEY_CHECKS = 1");
    if (options.referenceData) await insertReferenceData(drizzle(server));
  } finally {
    await server.end();
  }
  return { database, tables: statements.length };
}
