// The spelling rules shared by every schema source: how a column type, a default, a character
// set or a referential action is written in the model, whatever the input wrote. Two inputs
// that MariaDB stores identically must normalize to the same text.
import type { ReferentialAction } from "./model.js";
import { TokenReader, tokenize } from "./sql-tokens.js";
import type { Token } from "./sql-tokens.js";

const TYPE_ALIASES: Record<string, string> = {
  integer: "int",
  int1: "tinyint",
  int2: "smallint",
  int3: "mediumint",
  int4: "int",
  int8: "bigint",
  dec: "decimal",
  numeric: "decimal",
  fixed: "decimal",
  character: "char",
  real: "double",
};
const INTEGER_TYPES = new Set(["tinyint", "smallint", "mediumint", "int", "bigint"]);
const NUMERIC_TYPES = new Set([...INTEGER_TYPES, "decimal", "float", "double"]);
const CHARACTER_TYPES = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"]);
const TEMPORAL_WITH_FRACTIONS = new Set(["timestamp", "datetime", "time"]);

export interface ColumnType {
  type: string;
  unsigned: boolean;
}

/** The base name of a normalized type: "varchar" for "varchar(255)". */
function baseOf(type: string): string {
  return type.replace(/\(.*$/, "");
}

export function isNumericType(type: string): boolean {
  return NUMERIC_TYPES.has(baseOf(type));
}

export function isCharacterType(type: string): boolean {
  return CHARACTER_TYPES.has(baseOf(type));
}

/**
 * Reads `name[(args)] [UNSIGNED|SIGNED|ZEROFILL]...` and normalizes it. Display widths of
 * integer types go (INT(10) and INT(11) store the same values), except TINYINT(1), the
 * conventional boolean; omitted arguments are filled in with MariaDB's defaults.
 */
export function readColumnType(reader: TokenReader): ColumnType {
  const name = reader.expectKind("word", "a column type").value.toLowerCase();
  const args: string[] = [];
  if (reader.isSymbol("(")) {
    for (const token of reader.readParenthesized()) {
      if (token.kind === "number") args.push(token.value);
      else if (token.kind === "string") args.push(quoteString(token.value));
      else if (token.kind !== "symbol" || token.value !== ",") reader.fail(`unexpected ${token.value} in the arguments of ${name}`);
    }
  }
  let unsigned = false;
  for (;;) {
    if (reader.acceptWords("UNSIGNED")) unsigned = true;
    // ZEROFILL only pads what the client displays; it implies UNSIGNED.
    else if (reader.acceptWords("ZEROFILL")) unsigned = true;
    else if (!reader.acceptWords("SIGNED")) break;
  }
  return { type: normalizeType(name, args), unsigned };
}

function normalizeType(name: string, args: string[]): string {
  if (name === "bool" || name === "boolean") return "tinyint(1)";
  const base = TYPE_ALIASES[name] ?? name;
  if (INTEGER_TYPES.has(base)) return base === "tinyint" && args[0] === "1" ? "tinyint(1)" : base;
  if (base === "decimal") return `decimal(${args[0] ?? "10"},${args[1] ?? "0"})`;
  if (base === "char" || base === "binary" || base === "bit") return `${base}(${args[0] ?? "1"})`;
  if (TEMPORAL_WITH_FRACTIONS.has(base)) return args[0] && args[0] !== "0" ? `${base}(${args[0]})` : base;
  // YEAR(4) is the only YEAR left in MariaDB.
  if (base === "year") return "year";
  return args.length > 0 ? `${base}(${args.join(",")})` : base;
}

/** Parses a type as information_schema or Drizzle spells it ("int(10) unsigned"). */
export function parseColumnType(text: string): ColumnType {
  const reader = new TokenReader(tokenize(text));
  const type = readColumnType(reader);
  if (!reader.atEnd()) reader.fail(`unexpected text after the column type in "${text}"`);
  return type;
}

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** "0.000000" -> "0", "+07" -> "7", "-1.50" -> "-1.5"; null when it is not a number. */
function normalizeNumber(text: string): string | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === "" && !m[3])) {
    const n = Number(text);
    return text.trim() !== "" && Number.isFinite(n) ? String(n) : null;
  }
  const whole = m[2]!.replace(/^0+/, "") || "0";
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  const sign = m[1] === "-" && (whole !== "0" || fraction !== "") ? "-" : "";
  return sign + whole + (fraction ? `.${fraction}` : "");
}

// NOW(), LOCALTIME and friends are synonyms MariaDB prints as current_timestamp().
const CURRENT_TIMESTAMP = /^(?:now|current_timestamp|localtime|localtimestamp)(?:\((\d*)\))?$/;

/** Writes an expression in one canonical way: lower-case keywords, fixed spacing. */
function renderExpression(tokens: Token[]): string {
  let out = "";
  let previous: Token | undefined;
  for (const token of tokens) {
    let text: string;
    switch (token.kind) {
      case "word":
        text = token.value.toLowerCase();
        break;
      case "identifier":
        text = `\`${token.value}\``;
        break;
      case "string":
        text = quoteString(token.value);
        break;
      default:
        text = token.value;
    }
    const glued =
      previous === undefined ||
      (token.kind === "symbol" && [")", ","].includes(token.value)) ||
      (token.kind === "symbol" && token.value === "(" && previous.kind === "word") ||
      (previous.kind === "symbol" && previous.value === "(");
    out += (glued ? "" : " ") + text;
    previous = token;
  }
  const now = CURRENT_TIMESTAMP.exec(out);
  if (now) return `current_timestamp(${now[1] && now[1] !== "0" ? now[1] : ""})`;
  return out;
}

/** Drops parentheses around the whole expression: DEFAULT (0) is DEFAULT 0. */
function unwrap(tokens: Token[]): Token[] {
  for (;;) {
    const first = tokens[0];
    const last = tokens[tokens.length - 1];
    if (tokens.length < 2 || first?.value !== "(" || first.kind !== "symbol" || last?.value !== ")" || last.kind !== "symbol") {
      return tokens;
    }
    let depth = 0;
    const closesEarly = tokens.slice(0, -1).some((t) => {
      if (t.kind === "symbol" && t.value === "(") depth++;
      if (t.kind === "symbol" && t.value === ")") depth--;
      return depth === 0;
    });
    if (closesEarly) return tokens;
    tokens = tokens.slice(1, -1);
  }
}

/**
 * Normalizes a DEFAULT value for a column of the given (normalized) type. Numeric columns
 * store numbers whichever way they were written (0, '0', 0.000000), other columns store
 * strings (DEFAULT 0 on a VARCHAR is '0'); expressions are kept as expressions.
 */
export function normalizeDefault(tokens: Token[], type: string): string {
  const value = unwrap(tokens);
  const numeric = isNumericType(type);
  let literal: string | null = null;
  const [first, second] = value;
  if (value.length === 1 && first) {
    if (first.kind === "string" || first.kind === "number") literal = first.value;
    else if (first.kind === "word" && first.value.toUpperCase() === "NULL") return "NULL";
    else if (first.kind === "word" && /^(TRUE|FALSE)$/i.test(first.value)) literal = /^TRUE$/i.test(first.value) ? "1" : "0";
  } else if (value.length === 2 && first?.kind === "symbol" && /^[+-]$/.test(first.value) && second?.kind === "number") {
    literal = first.value + second.value;
  }
  if (literal === null) return renderExpression(value);
  if (numeric) return normalizeNumber(literal) ?? quoteString(literal);
  return quoteString(literal);
}

/**
 * The default of a column without a DEFAULT clause: NULL when it is nullable, none otherwise.
 * Recording the implied NULL makes "DEFAULT NULL" and its omission the same, as they are.
 */
export function impliedDefault(nullable: boolean): string | null {
  return nullable ? "NULL" : null;
}

/** Normalizes a default or ON UPDATE expression written as SQL text (information_schema, Drizzle). */
export function normalizeDefaultText(text: string, type: string): string {
  return normalizeDefault(tokenize(text), type);
}

// The collation each character set uses when none is named; "_general_ci" is MariaDB's
// choice for nearly all of them, so only the exceptions are listed.
const DEFAULT_COLLATIONS: Record<string, string> = {
  latin1: "latin1_swedish_ci",
  binary: "binary",
  big5: "big5_chinese_ci",
  gb2312: "gb2312_chinese_ci",
  gbk: "gbk_chinese_ci",
  sjis: "sjis_japanese_ci",
  cp932: "cp932_japanese_ci",
  ujis: "ujis_japanese_ci",
  eucjpms: "eucjpms_japanese_ci",
  euckr: "euckr_korean_ci",
  tis620: "tis620_thai_ci",
};

/** MariaDB 10.6+ calls utf8 utf8mb3; older dumps still say utf8. */
function normalizeCharsetName(name: string): string {
  const lower = name.toLowerCase();
  return lower === "utf8" ? "utf8mb3" : lower;
}

function normalizeCollationName(name: string): string {
  return name.toLowerCase().replace(/^utf8_/, "utf8mb3_");
}

function charsetOfCollation(collation: string): string {
  return normalizeCollationName(collation).split("_")[0]!;
}

export interface Charset {
  charset: string;
  collation: string;
}

/**
 * The character set and collation something ends up with, given what it names (either, both
 * or neither) and what it inherits when it names neither.
 */
export function resolveCharset(charset: string | null, collation: string | null, inherited: Charset): Charset {
  if (collation) {
    const c = normalizeCollationName(collation);
    return { charset: charset ? normalizeCharsetName(charset) : charsetOfCollation(c), collation: c };
  }
  if (charset) {
    const cs = normalizeCharsetName(charset);
    return { charset: cs, collation: DEFAULT_COLLATIONS[cs] ?? `${cs}_general_ci` };
  }
  return inherited;
}

export function normalizeAction(action: string | undefined): ReferentialAction {
  const text = (action ?? "RESTRICT").toUpperCase().replace(/\s+/g, " ").trim();
  switch (text) {
    case "RESTRICT":
    case "NO ACTION":
      return "RESTRICT";
    case "CASCADE":
    case "SET NULL":
    case "SET DEFAULT":
      return text;
    default:
      throw new Error(`unknown referential action ${action}`);
  }
}
