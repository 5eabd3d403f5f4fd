// Compares what a database has with what the code says, table by table. Both sides arrive
// normalized (model.ts), so every inequality found here is a real difference.
import type { ColumnModel, ForeignKeyModel, IndexModel, SchemaModel, TableModel } from "./model.js";
import { columnDefinition, foreignKeyDefinition, indexDefinition, keyParts, references } from "./render.js";

export type Subject = "table" | "column" | "primary key" | "index" | "foreign key";

export interface Difference {
  table: string;
  subject: Subject;
  /** The column, index or foreign key name; null for the table itself and its primary key. */
  name: string | null;
  /** "presence" when one side lacks the subject; otherwise the attribute that differs. */
  aspect: string;
  /** What the database has, null for nothing. */
  database: string | null;
  /** What the code says, null for nothing. */
  code: string | null;
}

export function compareSchemas(database: SchemaModel, code: SchemaModel): Difference[] {
  const inDatabase = new Map(database.tables.map((t) => [t.name, t]));
  const inCode = new Map(code.tables.map((t) => [t.name, t]));
  const names = [...new Set([...inDatabase.keys(), ...inCode.keys()])].sort();
  const differences: Difference[] = [];
  for (const name of names) {
    const db = inDatabase.get(name);
    const c = inCode.get(name);
    if (!db || !c) {
      differences.push({ table: name, subject: "table", name: null, aspect: "presence", database: db ? "table" : null, code: c ? "table" : null });
    } else {
      differences.push(...compareTables(db, c));
    }
  }
  return differences;
}

function compareTables(db: TableModel, code: TableModel): Difference[] {
  const out: Difference[] = [];
  const table = db.name;
  const differ = (subject: Subject, name: string | null, aspect: string, database: string | null, inCode: string | null) => {
    if (database !== inCode) out.push({ table, subject, name, aspect, database, code: inCode });
  };

  if (db.options.engine.toLowerCase() !== code.options.engine.toLowerCase()) {
    differ("table", null, "engine", db.options.engine, code.options.engine);
  }
  compareCharsets(db.options, code.options, (aspect, d, c) => differ("table", null, aspect, d, c));

  const dbColumns = new Map(db.columns.map((c) => [c.name, c]));
  for (const column of code.columns) {
    const dbColumn = dbColumns.get(column.name);
    if (dbColumn) compareColumns(dbColumn, column, (aspect, d, c) => differ("column", column.name, aspect, d, c));
    else differ("column", column.name, "presence", null, columnDefinition(column, code.options));
  }
  const codeColumnNames = new Set(code.columns.map((c) => c.name));
  for (const column of db.columns.filter((c) => !codeColumnNames.has(c.name))) {
    differ("column", column.name, "presence", columnDefinition(column, db.options), null);
  }
  for (const moved of movedColumns(db.columns, code.columns)) {
    differ("column", moved.name, "position", moved.database, moved.code);
  }

  differ("primary key", null, "columns", db.primaryKey && keyParts(db.primaryKey), code.primaryKey && keyParts(code.primaryKey));

  out.push(...compareIndexes(table, db.indexes, code.indexes));
  out.push(...compareForeignKeys(table, db.foreignKeys, code.foreignKeys));
  return out;
}

type Report = (aspect: string, database: string | null, code: string | null) => void;

/** A different character set implies a different collation, so only the first is reported. */
function compareCharsets(
  db: { charset: string | null; collation: string | null },
  code: { charset: string | null; collation: string | null },
  report: Report,
): void {
  if (db.charset === null || code.charset === null) return;
  if (db.charset !== code.charset) report("charset", db.charset, code.charset);
  else if (db.collation !== code.collation) report("collation", db.collation, code.collation);
}

function compareColumns(db: ColumnModel, code: ColumnModel, report: Report): void {
  const flag = (value: boolean, yes: string, no: string) => (value ? yes : no);
  if (db.type !== code.type) report("type", db.type, code.type);
  if (db.unsigned !== code.unsigned) report("unsigned", flag(db.unsigned, "unsigned", "signed"), flag(code.unsigned, "unsigned", "signed"));
  if (db.nullable !== code.nullable) report("nullable", flag(db.nullable, "NULL", "NOT NULL"), flag(code.nullable, "NULL", "NOT NULL"));
  // NULL versus no default is what a nullability change implies by itself; not a second finding.
  const defaults = new Set([db.default, code.default]);
  const impliedByNullability = db.nullable !== code.nullable && defaults.has(null) && defaults.has("NULL");
  if (db.default !== code.default && !impliedByNullability) report("default", db.default, code.default);
  if (db.onUpdate !== code.onUpdate) report("on update", db.onUpdate, code.onUpdate);
  if (db.autoIncrement !== code.autoIncrement) {
    report("auto_increment", flag(db.autoIncrement, "yes", "no"), flag(code.autoIncrement, "yes", "no"));
  }
  compareCharsets(db, code, report);
}

/**
 * Columns whose place among the shared columns differs: those outside the longest common
 * subsequence of the two orders, so one moved column is one finding. Added or dropped
 * columns do not move the others.
 */
function movedColumns(db: ColumnModel[], code: ColumnModel[]): { name: string; database: string; code: string }[] {
  const dbNames = db.map((c) => c.name);
  const codeNames = code.map((c) => c.name);
  const shared = (names: string[], other: string[]) => names.filter((n) => other.includes(n));
  const a = shared(dbNames, codeNames);
  const b = shared(codeNames, dbNames);
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const inPlace = new Set<string>();
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      inPlace.add(a[i]!);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) i++;
    else j++;
  }
  const place = (names: string[], name: string) => {
    const previous = names[names.indexOf(name) - 1];
    return previous === undefined ? "first" : `after ${previous}`;
  };
  return b.filter((name) => !inPlace.has(name)).map((name) => ({ name, database: place(dbNames, name), code: place(codeNames, name) }));
}

/**
 * Pairs things up by name; what is left on both sides and agrees on `sameShape` is taken
 * to be one thing under two names, so a rename is one finding instead of two.
 */
function pairUp<T extends { name: string }>(db: T[], code: T[], sameShape: (a: T, b: T) => boolean) {
  const pairs: [T, T][] = [];
  const dbLeft = db.filter((d) => {
    const c = code.find((x) => x.name === d.name);
    if (c) pairs.push([d, c]);
    return !c;
  });
  const codeLeft = code.filter((c) => !db.some((d) => d.name === c.name));
  const renamed: [T, T][] = [];
  for (const c of [...codeLeft]) {
    const d = dbLeft.find((x) => sameShape(x, c));
    if (!d) continue;
    renamed.push([d, c]);
    dbLeft.splice(dbLeft.indexOf(d), 1);
    codeLeft.splice(codeLeft.indexOf(c), 1);
  }
  return { pairs, renamed, dbOnly: dbLeft, codeOnly: codeLeft };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function compareIndexes(table: string, db: IndexModel[], code: IndexModel[]): Difference[] {
  const out: Difference[] = [];
  const { pairs, renamed, dbOnly, codeOnly } = pairUp(db, code, (a, b) => a.kind === b.kind && sameList(a.columns, b.columns));
  for (const [d, c] of pairs) {
    if (d.kind !== c.kind) out.push({ table, subject: "index", name: c.name, aspect: "kind", database: d.kind, code: c.kind });
    if (!sameList(d.columns, c.columns)) {
      out.push({ table, subject: "index", name: c.name, aspect: "columns", database: keyParts(d.columns), code: keyParts(c.columns) });
    }
  }
  for (const [d, c] of renamed) out.push({ table, subject: "index", name: c.name, aspect: "name", database: d.name, code: c.name });
  for (const c of codeOnly) out.push({ table, subject: "index", name: c.name, aspect: "presence", database: null, code: indexDefinition(c) });
  for (const d of dbOnly) out.push({ table, subject: "index", name: d.name, aspect: "presence", database: indexDefinition(d), code: null });
  return out;
}

function compareForeignKeys(table: string, db: ForeignKeyModel[], code: ForeignKeyModel[]): Difference[] {
  const out: Difference[] = [];
  const { pairs, renamed, dbOnly, codeOnly } = pairUp(
    db,
    code,
    (a, b) => sameList(a.columns, b.columns) && references(a) === references(b),
  );
  for (const [d, c] of renamed) out.push({ table, subject: "foreign key", name: c.name, aspect: "name", database: d.name, code: c.name });
  for (const [d, c] of [...pairs, ...renamed]) {
    const differ = (aspect: string, database: string, inCode: string) => {
      if (database !== inCode) out.push({ table, subject: "foreign key", name: c.name, aspect, database, code: inCode });
    };
    differ("columns", keyParts(d.columns), keyParts(c.columns));
    differ("references", references(d), references(c));
    differ("on delete", d.onDelete, c.onDelete);
    differ("on update", d.onUpdate, c.onUpdate);
  }
  for (const c of codeOnly) out.push({ table, subject: "foreign key", name: c.name, aspect: "presence", database: null, code: foreignKeyDefinition(c) });
  for (const d of dbOnly) out.push({ table, subject: "foreign key", name: d.name, aspect: "presence", database: foreignKeyDefinition(d), code: null });
  return out;
}
