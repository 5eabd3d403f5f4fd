// Helpers for the schema tests: the production dump and ways to derive drifted copies of it.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compareSchemas } from "../../tools/schema-diff/compare.js";
import { describeDifference } from "../../tools/schema-diff/format.js";
import { schemaFromDrizzle } from "../../tools/schema-diff/from-drizzle.js";
import { schemaFromDump } from "../../tools/schema-diff/from-dump.js";
import type { SchemaModel } from "../../tools/schema-diff/model.js";
import { PRODUCTION_STRUCTURE } from "../../tools/reference-data.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The production structure dump. */
export const productionDumpPath = PRODUCTION_STRUCTURE;
export const productionDump = readFileSync(productionDumpPath, "utf8");

/** The CREATE TABLE statement of one table in a dump, up to and including its ";". */
function tableStatement(dump: string, table: string): { start: number; end: number } {
  const start = dump.indexOf(`CREATE TABLE \`${table}\` (`);
  if (start === -1) throw new Error(`no CREATE TABLE ${table} in the dump`);
  return { start, end: dump.indexOf(";\n", start) + 1 };
}

/** Replaces `from` with `to` in one table's CREATE TABLE, which must contain it exactly once. */
export function editTable(dump: string, table: string, from: string, to: string): string {
  const { start, end } = tableStatement(dump, table);
  const statement = dump.slice(start, end);
  const count = statement.split(from).length - 1;
  if (count !== 1) throw new Error(`expected one ${JSON.stringify(from)} in ${table}, found ${count}`);
  return dump.slice(0, start) + statement.replace(from, to) + dump.slice(end);
}

export function removeTable(dump: string, table: string): string {
  const { start, end } = tableStatement(dump, table);
  return dump.slice(0, start) + dump.slice(end);
}

/** Applies a global edit and checks that it changed something, so a test cannot pass vacuously. */
export function editAll(dump: string, pattern: RegExp, replacement: string): string {
  const edited = dump.replace(pattern, replacement);
  if (edited === dump) throw new Error(`${pattern} matched nothing`);
  return edited;
}

/** The difference lines between a dump's text and the Drizzle schema. */
export function diffDump(text: string): string[] {
  return compareSchemas(schemaFromDump(text), schemaFromDrizzle()).map(describeDifference);
}

/** Tables, indexes and foreign keys sorted by name: their order carries no meaning in the model. */
export function sortedModel(model: SchemaModel): SchemaModel {
  const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    tables: byName(model.tables).map((t) => ({ ...t, indexes: byName(t.indexes), foreignKeys: byName(t.foreignKeys) })),
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's CLIs as a child process, the way npm scripts do. */
export function runCli(script: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
