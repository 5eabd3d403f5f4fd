/**
 * PHP 8's numeric-string rules, as the legacy RPC applied them to `v` (intval) and to
 * package arguments (is_numeric, intval). Inputs are PHP byte strings.
 */
import { PHP_INT_MAX, PHP_INT_MIN } from "./integer.js";
import { PhpArray, type PhpValue } from "./query-string.js";

const LEADING_WHITESPACE = /^[ \t\n\r\v\f]+/;
const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
const LEADING_NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;

const DIGITS = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n];

export function isNumeric(value: PhpValue): boolean {
  return typeof value === "string" && NUMERIC.test(value);
}

function isIntegerLiteral(s: string): boolean {
  return /^[+-]?\d+$/.test(s);
}

/** intval(): the leading numeric part, saturated like zend_dval_to_lval_cap. */
export function intval(value: PhpValue): bigint {
  if (value instanceof PhpArray) return value.size > 0 ? 1n : 0n;
  // `v=5`: nearly every request's version is one digit.
  if (value.length === 1 && value >= "0" && value <= "9") return DIGITS[value.charCodeAt(0) - 0x30]!;
  const match = LEADING_NUMERIC.exec(value);
  if (!match) return 0n;
  const text = match[0].replace(LEADING_WHITESPACE, "");
  if (isIntegerLiteral(text)) {
    const n = BigInt(text);
    if (n > PHP_INT_MAX || n < PHP_INT_MIN) return saturate(Number(text));
    return n;
  }
  return saturate(Number(text));
}

function saturate(d: number): bigint {
  if (!Number.isFinite(d)) return 0n;
  if (d >= 9223372036854775807) return PHP_INT_MAX;
  if (d <= -9223372036854775808) return PHP_INT_MIN;
  return BigInt(Math.trunc(d));
}

/** PHP truthiness of a request value: "" and "0" are false, so is an empty array. */
export function isTruthy(value: PhpValue | undefined): boolean {
  if (value === undefined) return false;
  if (value instanceof PhpArray) return value.size > 0;
  return value !== "" && value !== "0";
}

/** PHP 8's `==` between two strings: numerically when both are numeric strings. */
export function looseEquals(a: string, b: string): boolean {
  if (a === b) return true;
  if (!isNumeric(a) || !isNumeric(b)) return false;
  const [x, y] = [a.trim(), b.trim()];
  if (isIntegerLiteral(x) && isIntegerLiteral(y)) {
    const [m, n] = [BigInt(x), BigInt(y)];
    const fits = (v: bigint) => v <= PHP_INT_MAX && v >= PHP_INT_MIN;
    if (fits(m) && fits(n)) return m === n;
  }
  return Number(x) === Number(y);
}
