/**
 * JSON as orjson writes it, which today's aurweb uses for its metadata archives: compact,
 * keys in the order given, UTF-8 as is, and floats in the shortest form that reads back
 * the same, laid out as the Ryu library lays them out (`1e-6`, `0.00001`, `12.0`), which
 * is not Python's repr (`1e-06`, `1e-05`).
 */

/** A string as orjson escapes it: the same escapes as JSON.stringify for well-formed text. */
export const orjsonString = (s: string): string => JSON.stringify(s);

export function orjsonFloat(d: number): string {
  if (!Number.isFinite(d)) return "null";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const sign = d < 0 ? "-" : "";
  // The shortest round-trip digits and decimal exponent, as JavaScript finds them.
  const [mantissa, exp] = Math.abs(d).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const length = digits.length;
  // The value is 0.<digits> × 10^point.
  const point = Number(exp) + 1;
  if (length <= point && point <= 16) return `${sign}${digits}${"0".repeat(point - length)}.0`;
  if (0 < point && point <= 16) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  if (-5 < point && point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  const scientific = length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${scientific}e${point - 1}`;
}
