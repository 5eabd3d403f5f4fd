/**
 * JSON as current aurweb writes it (orjson with sorted keys): compact, keys in code-point
 * order, `/` and non-ASCII characters written as they are, floats like Python's repr.
 */

export type CurrentJson = string | number | bigint | null | CurrentJson[] | { [key: string]: CurrentJson } | PythonFloat;

/** A value Python holds as a float (1.0 prints as `1.0`, 1e-06 as `1e-06`). */
export class PythonFloat {
  constructor(readonly value: number) {}
}

function pythonFloat(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 1e16) return `${d}.0`;
  const [mantissa, exp] = d.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  return String(d);
}

export function encodeCurrent(value: CurrentJson): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value instanceof PythonFloat) return pythonFloat(value.value);
  if (Array.isArray(value)) return `[${value.map(encodeCurrent).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${encodeCurrent(value[k]!)}`).join(",")}}`;
}
