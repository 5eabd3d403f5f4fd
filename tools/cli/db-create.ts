// npm run db:create -- <mysql://user@host:port/newdb> [--with-reference-data]
//
// Creates the database (if missing) and the legacy tables from the Drizzle schema. Refuses a
// database that already has tables. Exit status 0 on success, 2 on any failure.
import { createSchema } from "../db/create-schema.js";
import { parseCommandLine, runCommand, UsageError } from "./args.js";

const USAGE = `usage: npm run db:create -- <mysql://user@host:port/database> [--with-reference-data]

Creates the database if it is missing and the legacy aurweb tables from schema/; refuses a
database that already has tables.

  --with-reference-data   also insert the rows of AccountTypes, DependencyTypes,
                          RelationTypes and RequestTypes the site expects
  --help                  show this text`;

runCommand("db:create", async () => {
  const { values, positionals } = parseCommandLine(process.argv.slice(2), USAGE, { "with-reference-data": { type: "boolean" } }, 1);
  const url = positionals[0];
  if (url === undefined || !/^(mysql|mariadb):\/\//.test(url)) throw new UsageError("a mysql:// URL is required (see --help)");
  const referenceData = values["with-reference-data"] === true;
  const { database, tables } = await createSchema(url, { referenceData });
  console.log(`created ${tables} tables in ${database}${referenceData ? ", with reference data" : ""}`);
});
