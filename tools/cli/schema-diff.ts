// npm run schema:diff -- <dump.sql | dump.sql.gz | mysql://user@host:port/db> [--json]
//
// Compares a database's structure with the Drizzle schema in schema/. Exit status: 0 when
// they match, 1 when they differ (one line per difference on stdout), 2 when the input
// cannot be read or the database cannot be reached.
import { compareSchemas } from "../schema-diff/compare.js";
import { readDumpFile } from "../schema-diff/from-dump.js";
import { schemaFromDrizzle } from "../schema-diff/from-drizzle.js";
import { readLiveSchema } from "../schema-diff/from-live.js";
import { formatJson, formatText } from "../schema-diff/format.js";
import { parseCommandLine, runCommand, UsageError } from "./args.js";

const USAGE = `usage: npm run schema:diff -- <dump.sql | dump.sql.gz | mysql://user@host:port/database> [--json]

Compares a structure dump or a live database (read only) with the Drizzle schema in schema/.
Exit status 0 when they match, 1 when they differ, 2 when the input cannot be read.

  --json    the differences as JSON
  --help    show this text`;

runCommand("schema:diff", async () => {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), USAGE, { json: { type: "boolean" } }, 1);
  const source = positionals[0];
  if (source === undefined) throw new UsageError("a dump file or a mysql:// URL is required (see --help)");
  const live = /^(mysql|mariadb):\/\//.test(source);
  const database = live ? await readLiveSchema(source) : await readDumpFile(source);
  const differences = compareSchemas(database, schemaFromDrizzle());
  console.log(values.json ? formatJson(differences) : formatText(differences));
  return differences.length === 0 ? 0 : 1;
});
