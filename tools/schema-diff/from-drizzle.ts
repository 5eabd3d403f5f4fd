// Turns the project's Drizzle tables into the model, so they can be compared with a database
// and turned into DDL (tools/db/create-schema.ts).
import { SQL, getTableName, is } from "drizzle-orm";
import { MySqlColumn, MySqlDialect, MySqlTable, getTableConfig } from "drizzle-orm/mysql-core";
import * as schema from "../../schema/index.js";
import { tableOptionsFor } from "../../schema/index.js";
import type { ColumnModel, IndexModel, SchemaModel, TableModel } from "./model.js";
import {
  impliedDefault,
  isCharacterType,
  normalizeAction,
  normalizeDefaultText,
  parseColumnType,
  quoteString,
  resolveCharset,
} from "./normalize.js";

/** Every table the schema modules export, in export order. */
export function drizzleTables(): MySqlTable[] {
  const exported: unknown[] = Object.values(schema);
  return exported.filter((value): value is MySqlTable => is(value, MySqlTable));
}

export function schemaFromDrizzle(tables: MySqlTable[] = drizzleTables()): SchemaModel {
  return { tables: tables.map(tableFromDrizzle) };
}

const dialect = new MySqlDialect();

function tableFromDrizzle(table: MySqlTable): TableModel {
  const config = getTableConfig(table);
  const options = tableOptionsFor(table);
  const inherited = { charset: options.charset, collation: options.collation };
  const columnName = (column: MySqlColumn | SQL): string => {
    if (!is(column, MySqlColumn)) throw new Error(`${config.name}: index expressions are not supported, only columns`);
    return column.name;
  };

  const inlinePrimary = config.columns.filter((c) => c.primary).map((c) => c.name);
  const compositePrimary = config.primaryKeys.map((pk) => pk.columns.map((c) => c.name));
  if (compositePrimary.length + (inlinePrimary.length > 0 ? 1 : 0) > 1 || inlinePrimary.length > 1) {
    throw new Error(`${config.name}: more than one primary key is declared`);
  }

  const indexes: IndexModel[] = [
    ...config.indexes.map(({ config: index }) => ({
      name: index.name,
      kind: index.unique ? ("UNIQUE" as const) : ("INDEX" as const),
      columns: index.columns.map(columnName),
    })),
    // Column-level .unique() and table-level unique() land here rather than in indexes.
    ...config.uniqueConstraints.map((unique) => ({
      // Drizzle generates a name when none is given, so this fallback is for the type only.
      name: unique.getName() ?? unique.columns[0]!.name,
      kind: "UNIQUE" as const,
      columns: unique.columns.map((c) => c.name),
    })),
    ...config.columns
      .filter((c) => c.isUnique && c.uniqueName)
      .map((c) => ({ name: c.uniqueName!, kind: "UNIQUE" as const, columns: [c.name] })),
  ];

  return {
    name: getTableName(table),
    columns: config.columns.map((column) => columnFromDrizzle(column, inherited)),
    primaryKey: compositePrimary[0] ?? (inlinePrimary.length > 0 ? inlinePrimary : null),
    indexes,
    foreignKeys: config.foreignKeys.map((fk) => {
      const reference = fk.reference();
      return {
        name: fk.getName(),
        columns: reference.columns.map((c) => c.name),
        referencedTable: getTableName(reference.foreignTable),
        referencedColumns: reference.foreignColumns.map((c) => c.name),
        onDelete: normalizeAction(fk.onDelete),
        onUpdate: normalizeAction(fk.onUpdate),
      };
    }),
    options: { ...options },
  };
}

function columnFromDrizzle(column: MySqlColumn, inherited: { charset: string; collation: string }): ColumnModel {
  const { type, unsigned } = parseColumnType(column.getSQLType());
  const nullable = !column.notNull;
  const hasOnUpdateNow = "hasOnUpdateNow" in column && column.hasOnUpdateNow === true;
  return {
    name: column.name,
    type,
    unsigned,
    nullable,
    default: column.default === undefined ? impliedDefault(nullable) : normalizeDefaultText(defaultAsSql(column.default), type),
    onUpdate: hasOnUpdateNow ? "current_timestamp()" : null,
    autoIncrement: "autoIncrement" in column && column.autoIncrement === true,
    // mysql-core cannot give a column its own character set, so it inherits the table's.
    ...(isCharacterType(type) ? resolveCharset(null, null, inherited) : { charset: null, collation: null }),
  };
}

/** Writes a Drizzle default (a JavaScript value or an sql`` fragment) as SQL. */
function defaultAsSql(value: unknown): string {
  if (is(value, SQL)) return dialect.sqlToQuery(value).sql;
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return quoteString(value);
  throw new Error(`unsupported default value ${JSON.stringify(value)}`);
}
