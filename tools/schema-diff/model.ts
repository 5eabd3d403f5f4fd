// The one shape every schema source is turned into (a mysqldump file, a live database, the
// Drizzle schema), so that a single comparer can tell real differences from spelling ones.
// Everything here is already normalized: two schemas that MariaDB treats the same way give
// equal models. See normalize.ts for the rules.

export interface SchemaModel {
  /** Matched by name; their order carries no meaning. */
  tables: TableModel[];
}

export interface TableModel {
  name: string;
  /** In table order: positional INSERTs (mysqldump's default) depend on it. */
  columns: ColumnModel[];
  /** Key parts in key order; null when the table has no primary key. */
  primaryKey: string[] | null;
  /** Unique and secondary indexes, matched by name (their order carries no meaning); the primary key is not among them. */
  indexes: IndexModel[];
  /** Matched by constraint name; their order carries no meaning. */
  foreignKeys: ForeignKeyModel[];
  options: TableOptionsModel;
}

export interface TableOptionsModel {
  engine: string;
  charset: string;
  collation: string;
}

export interface ColumnModel {
  name: string;
  /**
   * The type as MariaDB would accept it, without signedness and without integer display
   * widths, which do not change what a column stores; tinyint(1) keeps its width because it
   * is the conventional boolean. Examples: "int", "tinyint(1)", "varchar(255)",
   * "decimal(10,6)", "text", "timestamp".
   */
  type: string;
  unsigned: boolean;
  nullable: boolean;
  /**
   * The DEFAULT clause as SQL ("0", "'en'", "NULL", "current_timestamp()"), or null when the
   * column has none. A nullable column without a DEFAULT clause defaults to NULL, so it is
   * recorded as "NULL", exactly like one that spells it out.
   */
  default: string | null;
  /** The ON UPDATE expression ("current_timestamp()"), or null. */
  onUpdate: string | null;
  autoIncrement: boolean;
  /** For character types only (null otherwise), resolved against the table's default. */
  charset: string | null;
  collation: string | null;
}

export type IndexKind = "UNIQUE" | "INDEX" | "FULLTEXT" | "SPATIAL";

export interface IndexModel {
  name: string;
  kind: IndexKind;
  /** Key parts in key order: "Name", or "Name(10)" for a prefix, with " DESC" when descending. */
  columns: string[];
}

/**
 * InnoDB checks NO ACTION immediately, exactly like RESTRICT, and RESTRICT is what an omitted
 * clause means, so all three are recorded as RESTRICT.
 */
export type ReferentialAction = "RESTRICT" | "CASCADE" | "SET NULL" | "SET DEFAULT";

export interface ForeignKeyModel {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}
