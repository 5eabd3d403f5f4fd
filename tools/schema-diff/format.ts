// One line per difference, saying what the database has and what the code says; or the same
// as JSON for scripts.
import type { Difference } from "./compare.js";

function label(d: Difference): string {
  return d.subject === "column" ? `${d.table}.${d.name}` : d.table;
}

function thing(d: Difference): string {
  switch (d.subject) {
    case "index":
    case "foreign key":
      return `${d.subject} ${d.name}`;
    default:
      return d.subject;
  }
}

export function describeDifference(d: Difference): string {
  if (d.aspect === "presence") {
    if (d.subject === "table") return `${d.table}: table ${d.database === null ? "missing from the database" : "not in the code"}`;
    return d.database === null
      ? `${label(d)}: ${thing(d)} missing from the database (code: ${d.code})`
      : `${label(d)}: ${thing(d)} not in the code (database: ${d.database})`;
  }
  const prefix = d.subject === "table" || d.subject === "column" ? "" : `${thing(d)}: `;
  return `${label(d)}: ${prefix}${d.aspect}: database ${d.database ?? "none"}, code ${d.code ?? "none"}`;
}

export function formatText(differences: Difference[]): string {
  return differences.length === 0 ? "no differences" : differences.map(describeDifference).join("\n");
}

export function formatJson(differences: Difference[]): string {
  return JSON.stringify({ differences: differences.map((d) => ({ ...d, message: describeDifference(d) })) }, null, 2);
}
