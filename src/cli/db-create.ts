// npm run db:create -- <mysql://user@host:port/newdb> [--with-reference-data]
//
// Creates the database (if missing) and the legacy tables from the Drizzle schema. Refuses a
// database that already has tables. Exit status 0 on success, 2 on any failure.
import { createSchema } from "../db/create-schema.js";

const USAGE = "usage: npm run db:create -- <mysql://user@host:port/database> [--with-reference-data]";

async function main(args: string[]): Promise<number> {
  const referenceData = args.includes("--with-reference-data");
  const rest = args.filter((a) => a !== "--with-reference-data");
  const url = rest[0];
  if (rest.length !== 1 || url === undefined || !/^(mysql|mariadb):\/\//.test(url)) {
    console.error(USAGE);
    return 2;
  }
  const { database, tables } = await createSchema(url, { referenceData });
  console.log(`created ${tables} tables in ${database}${referenceData ? ", with reference data" : ""}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`db:create: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
