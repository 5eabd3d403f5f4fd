// Reads the tables of a mysqldump file (plain or .gz) into the model.
//
// This is a parser for CREATE TABLE as mysqldump and SHOW CREATE TABLE print it, not for SQL
// in general. The general-purpose parsers on npm were tried on real dumps first and fell short:
// node-sql-parser (MariaDB dialect) reads the production dump but rejects table options
// MariaDB writes for Aria tables (PAGE_CHECKSUM=1) and the DELIMITER lines around triggers,
// hangs ON UPDATE on different AST nodes depending on what precedes it and leaves string
// escapes undecoded; sql-ddl-to-json-schema stops at the first "--" comment; sql-parser-cst
// rejects "int(10) unsigned". Statements other than CREATE TABLE are skipped.
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { SchemaInputError } from "./errors.js";
import type { ColumnModel, ForeignKeyModel, IndexKind, IndexModel, SchemaModel, TableModel } from "./model.js";
import { impliedDefault, isCharacterType, normalizeAction, normalizeDefault, readColumnType, resolveCharset } from "./normalize.js";
import type { Charset } from "./normalize.js";
import { SqlSyntaxError, TokenReader, describeToken, splitStatements } from "./sql-tokens.js";
import type { Token } from "./sql-tokens.js";

/** Reads and parses a dump; every failure becomes a SchemaInputError naming the file. */
export async function readDumpFile(file: string): Promise<SchemaModel> {
  let text: string;
  try {
    const bytes = await readFile(file);
    text = (file.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  } catch (error) {
    throw new SchemaInputError(`cannot read ${file}: ${describeFsError(error)}`);
  }
  try {
    return schemaFromDump(text);
  } catch (error) {
    if (error instanceof SqlSyntaxError) {
      throw new SchemaInputError(`${file}:${error.line}:${error.column}: ${error.message}`);
    }
    if (error instanceof SchemaInputError) throw new SchemaInputError(`${file}: ${error.message}`);
    throw error;
  }
}

function describeFsError(error: unknown): string {
  if (error instanceof Error && "code" in error) {
    if (error.code === "ENOENT") return "no such file";
    if (error.code === "EISDIR") return "it is a directory";
    if (error.code === "EACCES") return "permission denied";
    if (error.code === "Z_DATA_ERROR" || error.code === "Z_BUF_ERROR") return "not a valid gzip file";
  }
  return error instanceof Error ? error.message : String(error);
}

/** Parses the CREATE TABLE statements of a dump's text. Throws SqlSyntaxError with a line. */
export function schemaFromDump(text: string): SchemaModel {
  const tables: TableModel[] = [];
  for (const statement of splitStatements(text)) {
    const reader = new TokenReader(statement.tokens);
    if (!startsCreateTable(reader)) continue;
    const first = statement.tokens[0]!;
    const table = parseCreateTable(reader);
    if (tables.some((t) => t.name === table.name)) {
      throw new SqlSyntaxError(`table ${table.name} is created twice`, first.line, first.column);
    }
    tables.push(table);
  }
  if (tables.length === 0) throw new SchemaInputError("contains no CREATE TABLE statement");
  return { tables };
}

function startsCreateTable(reader: TokenReader): boolean {
  if (!reader.acceptWords("CREATE")) return false;
  reader.acceptWords("OR", "REPLACE");
  return reader.acceptWords("TABLE");
}

/** A column as written, before the table's default character set is known. */
interface ParsedColumn {
  column: ColumnModel;
  charset: string | null;
  collation: string | null;
}

class TableParser {
  readonly columns: ParsedColumn[] = [];
  primaryKey: string[] | null = null;
  readonly indexes: IndexModel[] = [];
  readonly foreignKeys: ForeignKeyModel[] = [];
  private unnamedForeignKeys = 0;

  constructor(
    private readonly reader: TokenReader,
    readonly name: string,
  ) {}

  parseDefinition(): void {
    const r = this.reader;
    const constraintName = r.acceptWords("CONSTRAINT") && !this.atConstraintKind() ? r.expectName("a constraint name") : null;
    if (r.acceptWords("PRIMARY", "KEY")) {
      if (this.primaryKey) r.fail(`table ${this.name} has two primary keys`);
      this.skipIndexType();
      this.primaryKey = this.readKeyParts();
      this.skipIndexOptions();
    } else if (r.acceptWords("UNIQUE")) {
      this.readIndex("UNIQUE", constraintName);
    } else if (r.acceptWords("FOREIGN", "KEY")) {
      this.readForeignKey(constraintName);
    } else if (r.acceptWords("CHECK")) {
      // CHECK constraints are not compared; a dump still has to parse.
      r.readParenthesized();
    } else if (constraintName !== null) {
      r.fail(`expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK after CONSTRAINT, found ${describeToken(r.peek())}`);
    } else if (r.isWord("KEY") || r.isWord("INDEX")) {
      this.readIndex("INDEX", null);
    } else if (r.acceptWords("FULLTEXT")) {
      this.readIndex("FULLTEXT", null);
    } else if (r.acceptWords("SPATIAL")) {
      this.readIndex("SPATIAL", null);
    } else {
      this.columns.push(this.readColumn());
    }
  }

  private atConstraintKind(): boolean {
    const r = this.reader;
    return r.isWord("PRIMARY") || r.isWord("UNIQUE") || r.isWord("FOREIGN") || r.isWord("CHECK");
  }

  private readColumn(): ParsedColumn {
    const r = this.reader;
    const name = r.expectName("a column name");
    if (this.columns.some((c) => c.column.name === name)) r.fail(`column ${name} is defined twice`);
    const { type, unsigned } = readColumnType(r);
    let nullable = true;
    let defaultTokens: Token[] | null = null;
    let onUpdate: string | null = null;
    let autoIncrement = false;
    let charset: string | null = null;
    let collation: string | null = null;
    while (!r.isSymbol(",") && !r.isSymbol(")")) {
      if (r.acceptWords("NOT")) {
        r.expectWords("NULL");
        nullable = false;
      } else if (r.acceptWords("NULL")) nullable = true;
      else if (r.acceptWords("DEFAULT")) defaultTokens = this.readColumnExpression();
      else if (r.acceptWords("ON", "UPDATE")) onUpdate = normalizeDefault(this.readColumnExpression(), type);
      else if (r.acceptWords("AUTO_INCREMENT")) autoIncrement = true;
      else if (r.acceptWords("COMMENT")) r.expectKind("string", "a comment string");
      else if (r.acceptWords("CHARACTER", "SET") || r.acceptWords("CHARSET")) charset = r.expectName("a character set");
      else if (r.acceptWords("COLLATE")) collation = r.expectName("a collation");
      else if (r.acceptWords("CHECK")) r.readParenthesized();
      else r.fail(`expected a column attribute for column ${name}, found ${describeToken(r.peek())}`);
    }
    const defaultValue = defaultTokens ? normalizeDefault(defaultTokens, type) : impliedDefault(nullable);
    return {
      column: { name, type, unsigned, nullable, default: defaultValue, onUpdate, autoIncrement, charset: null, collation: null },
      charset,
      collation,
    };
  }

  /**
   * The tokens of a DEFAULT or ON UPDATE value: everything up to the next column attribute
   * (or the end of the column), parentheses kept together.
   */
  private readColumnExpression(): Token[] {
    const r = this.reader;
    const boundary = ["NOT", "NULL", "DEFAULT", "ON", "AUTO_INCREMENT", "COMMENT", "CHARACTER", "CHARSET", "COLLATE", "CHECK"];
    const tokens: Token[] = [];
    let depth = 0;
    for (;;) {
      if (depth === 0 && (r.isSymbol(",") || r.isSymbol(")"))) break;
      // The first word may be NULL itself (DEFAULT NULL).
      if (depth === 0 && tokens.length > 0 && boundary.some((w) => r.isWord(w))) break;
      const token = r.next();
      if (token.kind === "symbol" && token.value === "(") depth++;
      if (token.kind === "symbol" && token.value === ")") depth--;
      tokens.push(token);
    }
    if (tokens.length === 0) r.fail(`expected a value, found ${describeToken(r.peek())}`);
    return tokens;
  }

  private readIndex(kind: IndexKind, constraintName: string | null): void {
    const r = this.reader;
    if (!r.acceptWords("INDEX")) r.acceptWords("KEY");
    const explicitName = r.isSymbol("(") || r.isWord("USING") ? null : r.expectName("an index name");
    this.skipIndexType();
    const columns = this.readKeyParts();
    this.skipIndexOptions();
    const name = explicitName ?? constraintName ?? this.generatedIndexName(columns[0]!);
    if (this.indexes.some((i) => i.name === name)) r.fail(`index ${name} is defined twice in table ${this.name}`);
    this.indexes.push({ name, kind, columns });
  }

  /** MariaDB names an unnamed index after its first column, numbering repeats: Name, Name_2, ... */
  private generatedIndexName(firstPart: string): string {
    const base = firstPart.replace(/[( ].*$/, "");
    let name = base;
    for (let n = 2; this.indexes.some((i) => i.name === name); n++) name = `${base}_${n}`;
    return name;
  }

  private readKeyParts(): string[] {
    const r = this.reader;
    r.expectSymbol("(");
    const parts: string[] = [];
    do {
      let part = r.expectName("a column name");
      if (r.acceptSymbol("(")) {
        part += `(${r.expectKind("number", "a prefix length").value})`;
        r.expectSymbol(")");
      }
      if (r.acceptWords("DESC")) part += " DESC";
      else r.acceptWords("ASC");
      parts.push(part);
    } while (r.acceptSymbol(","));
    r.expectSymbol(")");
    return parts;
  }

  private skipIndexType(): void {
    if (this.reader.acceptWords("USING")) this.reader.expectKind("word", "BTREE, HASH or RTREE");
  }

  /** Index options change neither which rows an index holds nor how it is keyed. */
  private skipIndexOptions(): void {
    const r = this.reader;
    for (;;) {
      if (r.acceptWords("USING")) r.expectKind("word", "BTREE, HASH or RTREE");
      else if (r.acceptWords("COMMENT")) r.expectKind("string", "a comment string");
      else if (r.acceptWords("KEY_BLOCK_SIZE")) {
        r.acceptSymbol("=");
        r.expectKind("number", "a block size");
      } else return;
    }
  }

  private readForeignKey(constraintName: string | null): void {
    const r = this.reader;
    // "FOREIGN KEY name (...)" names the index InnoDB may create, not the constraint.
    if (!r.isSymbol("(")) r.expectName("an index name");
    const columns = this.readKeyParts();
    r.expectWords("REFERENCES");
    const referencedTable = readTableName(r);
    const referencedColumns = this.readKeyParts();
    let onDelete: string | undefined;
    let onUpdate: string | undefined;
    for (;;) {
      if (r.acceptWords("MATCH")) r.expectKind("word", "FULL, PARTIAL or SIMPLE");
      else if (r.acceptWords("ON", "DELETE")) onDelete = this.readAction();
      else if (r.acceptWords("ON", "UPDATE")) onUpdate = this.readAction();
      else break;
    }
    const name = constraintName ?? `${this.name}_ibfk_${++this.unnamedForeignKeys}`;
    if (this.foreignKeys.some((fk) => fk.name === name)) r.fail(`foreign key ${name} is defined twice`);
    this.foreignKeys.push({
      name,
      columns,
      referencedTable,
      referencedColumns,
      onDelete: normalizeAction(onDelete),
      onUpdate: normalizeAction(onUpdate),
    });
  }

  private readAction(): string {
    const r = this.reader;
    for (const action of [["RESTRICT"], ["CASCADE"], ["SET", "NULL"], ["SET", "DEFAULT"], ["NO", "ACTION"]]) {
      if (r.acceptWords(...action)) return action.join(" ");
    }
    return r.fail(`expected RESTRICT, CASCADE, SET NULL, SET DEFAULT or NO ACTION, found ${describeToken(r.peek())}`);
  }

}

/** A table name, possibly qualified by its database, which is dropped. */
function readTableName(reader: TokenReader): string {
  let name = reader.expectName("a table name");
  while (reader.acceptSymbol(".")) name = reader.expectName("a table name");
  return name;
}

function parseCreateTable(reader: TokenReader): TableModel {
  reader.acceptWords("IF", "NOT", "EXISTS");
  const name = readTableName(reader);
  const table = new TableParser(reader, name);
  if (!reader.isSymbol("(")) reader.fail(`expected the column list of table ${name}, found ${describeToken(reader.peek())}`);
  reader.expectSymbol("(");
  do table.parseDefinition();
  while (reader.acceptSymbol(","));
  reader.expectSymbol(")");
  const options = readTableOptions(reader);
  const inherited: Charset = { charset: options.charset, collation: options.collation };
  return {
    name,
    columns: table.columns.map(({ column, charset, collation }) =>
      isCharacterType(column.type) ? { ...column, ...resolveCharset(charset, collation, inherited) } : column,
    ),
    primaryKey: table.primaryKey,
    indexes: table.indexes,
    foreignKeys: table.foreignKeys,
    options,
  };
}

/**
 * Reads `NAME=value` table options. ENGINE and the default character set and collation are
 * kept; the others (AUTO_INCREMENT counter, COMMENT, ROW_FORMAT, PAGE_CHECKSUM, ...) are not
 * compared.
 */
function readTableOptions(reader: TokenReader): TableModel["options"] {
  let engine = "";
  let charset: string | null = null;
  let collation: string | null = null;
  while (!reader.atEnd()) {
    reader.acceptSymbol(",");
    reader.acceptWords("DEFAULT");
    let option = reader.expectKind("word", "a table option").value.toUpperCase();
    if (option === "CHARACTER") {
      reader.expectWords("SET");
      option = "CHARSET";
    }
    if (!reader.acceptSymbol("=")) reader.fail(`expected "=" after table option ${option}, found ${describeToken(reader.peek())}`);
    if (reader.isSymbol("(")) {
      reader.readParenthesized();
      continue;
    }
    const value = reader.next();
    if (value.kind === "symbol") reader.fail(`expected a value for table option ${option}`);
    if (option === "ENGINE") engine = value.value;
    else if (option === "CHARSET") charset = value.value;
    else if (option === "COLLATE") collation = value.value;
  }
  // With neither named, the server default applies, which a dump cannot tell; mysqldump
  // always names the character set.
  const resolved = resolveCharset(charset, collation, { charset: "", collation: "" });
  return { engine, ...resolved };
}
