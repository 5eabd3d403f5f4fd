/**
 * Which package ID `Packages.ID = <arg>` selects when the legacy info query (API versions
 * 1 to 4) pasted a numeric argument into its SQL as it came. PHP's is_numeric let through
 * decimals and exponents, and MariaDB compares the column with the literal by the literal's
 * type, so `1391.0` finds package 1391 and `1391.00000000000001` finds nothing.
 *
 * - With an exponent the literal is a DOUBLE: the column is compared as a double. One
 *   beyond the double range is refused ("Illegal double ... value found during parsing").
 * - Without, it is an exact DECIMAL held in nine words of nine digits. The integer part
 *   takes its words first (leading zeros dropped, a lone 0 kept); fraction digits beyond
 *   the words left are cut off, not rounded: `1391.` followed by 72 zeros and a 1 equals
 *   1391, with 71 zeros it does not. (Each rule here was measured on MariaDB 10.11; the
 *   test compares them with the server.)
 */

/** MariaDB refused the literal: the legacy query failed. */
export const REFUSED = "refused";

const DECIMAL_WORDS = 9;
const DIGITS_PER_WORD = 9;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * The unsigned integer a numeric string equals as a MariaDB literal, null when it equals
 * none (Packages.ID is INT UNSIGNED), REFUSED when MariaDB rejects it. `text` must pass
 * PHP's is_numeric, so its only spaces are the ASCII ones trim() removes.
 */
export function idOfNumericLiteral(text: string): number | null | typeof REFUSED {
  const literal = text.trim();
  if (/[eE]/.test(literal)) {
    const value = Number(literal);
    if (!Number.isFinite(value)) return REFUSED;
    return Number.isInteger(value) && value >= 0 ? value + 0 : null;
  }
  const [, sign, integerDigits = "", fractionDigits = ""] = DECIMAL.exec(literal)!;
  const integer = integerDigits.replace(/^0+(?=\d)/, "");
  const integerWords = Math.ceil(integer.length / DIGITS_PER_WORD);
  // An integer part too long for the words overflows (MariaDB warns and clamps): no ID is that large.
  if (integerWords > DECIMAL_WORDS) return null;
  const keptFraction = fractionDigits.slice(0, (DECIMAL_WORDS - integerWords) * DIGITS_PER_WORD);
  if (/[1-9]/.test(keptFraction)) return null;
  const value = Number(integer || "0");
  if (value === 0) return 0;
  return sign === "-" ? null : value;
}
