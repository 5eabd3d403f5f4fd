// Writes model parts back as SQL: for the descriptions in difference reports and for the
// CREATE TABLE statements tools/db/create-schema.ts generates.
import type { ColumnModel, ForeignKeyModel, IndexModel, TableOptionsModel } from "./model.js";

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** `Name(10) DESC` -> `` `Name`(10) DESC ``: the key part with its column quoted. */
function quoteKeyPart(part: string): string {
  const m = /^(.*?)(\(\d+\))?( DESC)?$/.exec(part)!;
  return quoteIdentifier(m[1]!) + (m[2] ?? "") + (m[3] ?? "");
}

export function keyParts(parts: string[], quote = false): string {
  return `(${parts.map((p) => (quote ? quoteKeyPart(p) : p)).join(", ")})`;
}

/**
 * The column's definition after its name. The character set is spelled out only when it
 * differs from the table's, as SHOW CREATE TABLE does.
 */
export function columnDefinition(column: ColumnModel, table: TableOptionsModel): string {
  const parts = [column.type + (column.unsigned ? " unsigned" : "")];
  if (column.charset && (column.charset !== table.charset || column.collation !== table.collation)) {
    parts.push(`CHARACTER SET ${column.charset} COLLATE ${column.collation}`);
  }
  parts.push(column.nullable ? "NULL" : "NOT NULL");
  if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.onUpdate !== null) parts.push(`ON UPDATE ${column.onUpdate}`);
  if (column.autoIncrement) parts.push("AUTO_INCREMENT");
  return parts.join(" ");
}

export function indexDefinition(index: IndexModel, quote = false): string {
  const keyword = index.kind === "INDEX" ? "INDEX" : `${index.kind} INDEX`;
  return quote
    ? `${keyword} ${quoteIdentifier(index.name)} ${keyParts(index.columns, true)}`
    : `${keyword} ${keyParts(index.columns)}`;
}

export function references(fk: Pick<ForeignKeyModel, "referencedTable" | "referencedColumns">, quote = false): string {
  return `${quote ? quoteIdentifier(fk.referencedTable) : fk.referencedTable} ${keyParts(fk.referencedColumns, quote)}`;
}

export function foreignKeyDefinition(fk: ForeignKeyModel, quote = false): string {
  const head = quote ? `CONSTRAINT ${quoteIdentifier(fk.name)} FOREIGN KEY ` : "";
  return `${head}${keyParts(fk.columns, quote)} REFERENCES ${references(fk, quote)} ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
}
