/**
 * SQL LIKE with MariaDB's rules under utf8mb4_general_ci: `%` any run, `_` any one
 * character, backslash escapes the next character (a trailing backslash is literal).
 * Patterns are matched against folded subjects (see general-ci.ts).
 */
import { fold } from "./general-ci.js";

type Token = { kind: "literal"; text: string } | { kind: "one" } | { kind: "any" };

export interface LikePattern {
  /** True when the folded subject matches. */
  matches(foldedSubject: string): boolean;
  /** The pattern is `%literal%`: a plain substring test. */
  readonly substring: string | null;
  /** The pattern is `literal%`: a plain prefix test. */
  readonly prefix: string | null;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = "";
  const flush = () => {
    if (literal) tokens.push({ kind: "literal", text: fold(literal) });
    literal = "";
  };
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "\\" && i + 1 < chars.length) {
      literal += chars[++i];
    } else if (ch === "%") {
      flush();
      if (tokens.at(-1)?.kind !== "any") tokens.push({ kind: "any" });
    } else if (ch === "_") {
      flush();
      tokens.push({ kind: "one" });
    } else {
      literal += ch;
    }
  }
  flush();
  return tokens;
}

function matchFrom(tokens: Token[], t: number, s: string, i: number): boolean {
  for (; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.kind === "literal") {
      if (!s.startsWith(token.text, i)) return false;
      i += token.text.length;
    } else if (token.kind === "one") {
      if (i >= s.length) return false;
      i++;
    } else {
      if (t === tokens.length - 1) return true;
      for (let j = i; j <= s.length; j++) if (matchFrom(tokens, t + 1, s, j)) return true;
      return false;
    }
  }
  return i === s.length;
}

const SPECIAL = /[%_\\]/;

export function compileLike(pattern: string): LikePattern {
  // Nearly every pattern the RPC builds is `literal%` (suggest) or `%literal%` (search)
  // around a literal without special characters: those need no tokenizing.
  if (pattern.length > 1 && pattern.endsWith("%")) {
    const contains = pattern.startsWith("%");
    const literal = pattern.slice(contains ? 1 : 0, -1);
    if (literal !== "" && !SPECIAL.test(literal)) return contains ? containing(fold(literal)) : startingWith(fold(literal));
  }
  const tokens = tokenize(pattern);
  const kinds = tokens.map((t) => t.kind).join(",");
  const firstLiteral = tokens.find((t) => t.kind === "literal");
  const text = firstLiteral?.kind === "literal" ? firstLiteral.text : "";
  if (kinds === "any") return { substring: "", prefix: "", matches: () => true };
  if (kinds === "any,literal,any") return containing(text);
  if (kinds === "literal,any") return startingWith(text);
  return { substring: null, prefix: null, matches: (s) => matchFrom(tokens, 0, s, 0) };
}

function containing(text: string): LikePattern {
  return { substring: text, prefix: null, matches: (s) => s.includes(text) };
}

function startingWith(text: string): LikePattern {
  return { substring: null, prefix: text, matches: (s) => s.startsWith(text) };
}

/**
 * What `LIKE '<text>%'` asks a folded name to start with, found without compiling the
 * pattern: the folded text, when it holds nothing LIKE treats specially (with its
 * wildcards escaped, as the legacy RPC escaped them, only a backslash). Otherwise null.
 */
export function plainPrefix(text: string, wildcardsEscaped: boolean): string | null {
  return (wildcardsEscaped ? BACKSLASH : SPECIAL).test(text) ? null : fold(text);
}

const BACKSLASH = /\\/;

/** PHP's addcslashes($s, '%_'): the user's wildcards become literals, backslashes stay. */
export function escapeLikeWildcards(s: string): string {
  return WILDCARD.test(s) ? s.replace(/[%_]/g, (c) => "\\" + c) : s;
}

const WILDCARD = /[%_]/;
