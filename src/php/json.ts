/**
 * PHP's json_encode() with default flags, byte for byte: `/` is escaped, every non-ASCII
 * character becomes \uXXXX (UTF-16 units, so astral characters become surrogate pairs),
 * control characters use the short escapes where JSON has them, floats print like PHP
 * with serialize_precision = -1.
 */

const NEEDS_ESCAPE = /["\\/\u0000-\u001f\u0080-\uffff]/;
const SHORT_ESCAPES: Record<number, string> = {
  0x08: "\\b",
  0x09: "\\t",
  0x0a: "\\n",
  0x0c: "\\f",
  0x0d: "\\r",
  0x22: '\\"',
  0x2f: "\\/",
  0x5c: "\\\\",
};

export function encodeString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += short;
    else if (c < 0x20 || c >= 0x80) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += s[i];
  }
  return out + '"';
}

/**
 * A PHP list of strings as json_encode prints it. Strings that need no escaping (nearly
 * all package names) are checked in one pass over all of them and joined as they are.
 */
export function encodeStringList(strings: readonly string[]): string {
  if (strings.length === 0) return "[]";
  if (NEEDS_ESCAPE.test(strings.join(""))) return `[${strings.map(encodeString).join(",")}]`;
  return `["${strings.join('","')}"]`;
}

/**
 * A PHP float as json_encode prints it: the shortest round-trip digits (as JavaScript
 * finds them too), in exponent form below 1e-4 or from 1e17 up,
 * with a ".0" on a single-digit mantissa (`1.0e-6`), and no fraction on whole numbers.
 */
export function encodeFloat(d: number): string {
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const [mantissa, exp] = Math.abs(d).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const decpt = Number(exp) + 1; // position of the decimal point after the first digit
  const sign = d < 0 ? "-" : "";
  if (decpt < -3 || decpt > 17) {
    const e = decpt - 1;
    const frac = digits.length > 1 ? digits.slice(1) : "0";
    return `${sign}${digits[0]}.${frac}e${e < 0 ? "-" : "+"}${Math.abs(e)}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (digits.length <= decpt) return sign + digits + "0".repeat(decpt - digits.length);
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

export type JsonValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | JsonValue[]
  | { readonly [key: string]: JsonValue };

export function encode(value: JsonValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return encodeString(value);
    case "number":
      return Number.isInteger(value) ? String(value) : encodeFloat(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
  }
  if (Array.isArray(value)) return `[${value.map(encode).join(",")}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) parts.push(`${encodeString(k)}:${encode(v)}`);
  return `{${parts.join(",")}}`;
}
