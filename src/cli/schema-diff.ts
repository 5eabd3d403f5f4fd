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

const USAGE = "usage: npm run schema:diff -- <dump.sql | dump.sql.gz | mysql://user@host:port/database> [--json]";

async function main(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const rest = args.filter((a) => a !== "--json");
  const source = rest[0];
  if (rest.length !== 1 || source === undefined || source.startsWith("-")) {
    console.error(USAGE);
    return 2;
  }
  const live = /^(mysql|mariadb):\/\//.test(source);
  const database = live ? await readLiveSchema(source) : await readDumpFile(source);
  const differences = compareSchemas(database, schemaFromDrizzle());
  console.log(json ? formatJson(differences) : formatText(differences));
  return differences.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Messages are written for people; a stack trace would only bury them.
    console.error(`schema:diff: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
