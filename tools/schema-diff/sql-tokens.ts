// A tokenizer for SQL as mysqldump and MariaDB print it, and a small reader over its tokens.
//
// Comments are dropped, executable ones (/*!40101 ... */, /*M!100100 ... */) included: what
// they carry in a structure dump is session settings, trigger bodies and view definitions,
// none of which describes a table. The mysql client's DELIMITER command is honoured so that
// dumps with triggers (mysqldump writes them by default) split into the right statements.

export type TokenKind =
  /** An unquoted word: a keyword or a bare identifier, as written. Also bit/hex literals (b'01', x'ff'). */
  | "word"
  /** A `backquoted` identifier, unescaped. */
  | "identifier"
  /** A 'string' or "string" literal, unescaped. */
  | "string"
  | "number"
  /** Any other single character: ( ) , = - ... */
  | "symbol";

export interface Token {
  kind: TokenKind;
  value: string;
  line: number;
  column: number;
}

export interface Statement {
  tokens: Token[];
}

export class SqlSyntaxError extends Error {
  override readonly name = "SqlSyntaxError";
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const WORD_START = /[A-Za-z_$\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const NUMBER = /\d*\.?\d+(?:[eE][+-]?\d+)?/y;

// MariaDB's backslash escapes; any other escaped character stands for itself.
const ESCAPES: Record<string, string> = { "0": "\0", b: "\b", n: "\n", r: "\r", t: "\t", Z: "\x1a" };

class Scanner {
  pos = 0;
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.lineStarts.push(i + 1);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low]! + 1 };
  }

  fail(message: string, offset = this.pos): never {
    const { line, column } = this.position(offset);
    throw new SqlSyntaxError(message, line, column);
  }

  skipSpaceAndComments(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (/\s/.test(c)) {
        this.pos++;
      } else if (c === "#" || (c === "-" && t[this.pos + 1] === "-" && /[\s]|^$/.test(t[this.pos + 2] ?? ""))) {
        const end = t.indexOf("\n", this.pos);
        this.pos = end === -1 ? t.length : end + 1;
      } else if (c === "/" && t[this.pos + 1] === "*") {
        const end = t.indexOf("*/", this.pos + 2);
        if (end === -1) this.fail("unterminated /* comment");
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  /** True when only blanks precede the cursor on its line: where the client looks for DELIMITER. */
  atLineStart(): boolean {
    const lineStart = this.text.lastIndexOf("\n", this.pos - 1) + 1;
    return this.text.slice(lineStart, this.pos).trim() === "";
  }

  /** Reads a `DELIMITER xx` client command if one starts here, returning the new delimiter. */
  readDelimiterCommand(): string | null {
    const match = /DELIMITER[ \t]+(\S+)/iy;
    match.lastIndex = this.pos;
    const m = match.exec(this.text);
    if (!m) return null;
    this.pos = match.lastIndex;
    return m[1]!;
  }

  readToken(): Token {
    const t = this.text;
    const start = this.pos;
    const c = t[start]!;
    const make = (kind: TokenKind, value: string): Token => ({ kind, value, ...this.position(start) });

    if (c === "`") {
      return make("identifier", this.readQuoted("`", false));
    }
    if (c === "'" || c === '"') {
      return make("string", this.readQuoted(c, true));
    }
    if (/[bBxX]/.test(c) && t[start + 1] === "'") {
      this.pos++;
      const digits = this.readQuoted("'", false);
      return make("word", `${c.toLowerCase()}'${digits}'`);
    }
    NUMBER.lastIndex = start;
    if (/[\d.]/.test(c) && NUMBER.exec(t) && !WORD_PART.test(t[NUMBER.lastIndex] ?? "")) {
      this.pos = NUMBER.lastIndex;
      return make("number", t.slice(start, this.pos));
    }
    if (WORD_START.test(c) || /\d/.test(c)) {
      while (this.pos < t.length && WORD_PART.test(t[this.pos]!)) this.pos++;
      return make("word", t.slice(start, this.pos));
    }
    this.pos++;
    return make("symbol", c);
  }

  private readQuoted(quote: string, backslashEscapes: boolean): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let value = "";
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) this.fail(`unterminated ${quote === "`" ? "identifier" : "string"}`, start);
      if (c === quote) {
        if (t[this.pos + 1] !== quote) {
          this.pos++;
          return value;
        }
        value += quote;
        this.pos += 2;
      } else if (c === "\\" && backslashEscapes && this.pos + 1 < t.length) {
        const e = t[this.pos + 1]!;
        // \% and \_ keep their backslash: they only mean something inside LIKE patterns.
        value += ESCAPES[e] ?? (e === "%" || e === "_" ? `\\${e}` : e);
        this.pos += 2;
      } else {
        value += c;
        this.pos++;
      }
    }
  }
}

/** Splits a script into statements the way the mysql client does. */
export function splitStatements(text: string): Statement[] {
  const scanner = new Scanner(text);
  const statements: Statement[] = [];
  let delimiter = ";";
  let tokens: Token[] = [];
  for (;;) {
    scanner.skipSpaceAndComments();
    if (scanner.atEnd()) break;
    if (tokens.length === 0 && scanner.atLineStart()) {
      const newDelimiter = scanner.readDelimiterCommand();
      if (newDelimiter !== null) {
        delimiter = newDelimiter;
        continue;
      }
    }
    if (text.startsWith(delimiter, scanner.pos)) {
      scanner.pos += delimiter.length;
      if (tokens.length > 0) statements.push({ tokens });
      tokens = [];
      continue;
    }
    tokens.push(scanner.readToken());
  }
  if (tokens.length > 0) statements.push({ tokens });
  return statements;
}

/** Tokenizes a fragment such as a column type or a default taken from information_schema. */
export function tokenize(text: string): Token[] {
  const scanner = new Scanner(text);
  const tokens: Token[] = [];
  for (;;) {
    scanner.skipSpaceAndComments();
    if (scanner.atEnd()) return tokens;
    tokens.push(scanner.readToken());
  }
}

/** Names a token the way an error message should show it. */
export function describeToken(token: Token | undefined): string {
  if (!token) return "the end of the statement";
  switch (token.kind) {
    case "identifier":
      return `\`${token.value}\``;
    case "string":
      return `'${token.value}'`;
    default:
      return `"${token.value}"`;
  }
}

/** A cursor over one statement's tokens, with the checks a recursive-descent parser needs. */
export class TokenReader {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  next(): Token {
    const token = this.tokens[this.index];
    if (!token) this.fail("unexpected end of the statement");
    this.index++;
    return token;
  }

  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === "word" && token.value.toUpperCase() === word;
  }

  isSymbol(symbol: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === "symbol" && token.value === symbol;
  }

  /** Consumes the given keywords if they come next, in that order. */
  acceptWords(...words: string[]): boolean {
    if (!words.every((word, i) => this.isWord(word, i))) return false;
    this.index += words.length;
    return true;
  }

  expectWords(...words: string[]): void {
    if (!this.acceptWords(...words)) this.fail(`expected ${words.join(" ")}, found ${describeToken(this.peek())}`);
  }

  acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.index++;
    return true;
  }

  expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(`expected "${symbol}", found ${describeToken(this.peek())}`);
  }

  /** An identifier, quoted or not. */
  expectName(what: string): string {
    const token = this.peek();
    if (token?.kind !== "identifier" && token?.kind !== "word") this.fail(`expected ${what}, found ${describeToken(token)}`);
    this.index++;
    return token.value;
  }

  expectKind(kind: TokenKind, what: string): Token {
    const token = this.peek();
    if (token?.kind !== kind) this.fail(`expected ${what}, found ${describeToken(token)}`);
    this.index++;
    return token;
  }

  /** Consumes a parenthesized group, nested parentheses included, and returns what was inside. */
  readParenthesized(): Token[] {
    this.expectSymbol("(");
    const inside: Token[] = [];
    let depth = 1;
    for (;;) {
      const token = this.next();
      if (token.kind === "symbol" && token.value === "(") depth++;
      if (token.kind === "symbol" && token.value === ")" && --depth === 0) return inside;
      inside.push(token);
    }
  }

  /** Throws a syntax error located at the next token (or the last one, at the end). */
  fail(message: string): never {
    const at = this.peek() ?? this.tokens[this.tokens.length - 1];
    throw new SqlSyntaxError(message, at?.line ?? 1, at?.column ?? 1);
  }
}
