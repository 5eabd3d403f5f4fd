/**
 * Writes request targets drawn from a database to stdout, one per line, for
 * `npm run parity -- --requests <file>`. See tools/parity/generate.ts and docs/parity.md.
 *
 * Exit status: 0 when the requests were written, 2 when they could not be (bad option,
 * unreachable database).
 */
import { z } from "zod";
import { createDatabase } from "../../src/db/client.js";
import { generateRequests, sampleDatabase } from "../parity/generate.js";
import { parseCommandLine, runCommand, UsageError } from "./args.js";

const USAGE = `usage: npm run --silent parity:generate -- --database <url> [--count <n>] [--seed <n>] > requests.txt

  --database <url>   the database to draw names, IDs, maintainers and words from,
                     e.g. mysql://user@host:3306/aurweb (default: DATABASE_URL); read only
  --count <n>        how many distinct requests (default 1000)
  --seed <n>         the same seed over the same data gives the same requests (default 1)
  --help             show this text`;

const wholeNumber = (name: string) => z.string().regex(/^\d+$/, `--${name} must be a whole number`).transform(Number);

const Options = z.object({
  database: z.string({ error: "--database (or DATABASE_URL) is required" }).regex(/^mysql:\/\//, "--database must be a mysql:// URL"),
  count: wholeNumber("count").default(1000),
  seed: wholeNumber("seed").default(1),
});

function parseOptions(argv: string[]) {
  const { values } = parseCommandLine(argv, USAGE, {
    database: { type: "string" },
    count: { type: "string" },
    seed: { type: "string" },
  });
  const parsed = Options.safeParse({ ...values, database: values.database ?? process.env["DATABASE_URL"] });
  if (!parsed.success) throw new UsageError(`${parsed.error.issues[0]?.message ?? "bad options"} (see --help)`);
  return parsed.data;
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const database = createDatabase(options.database, { poolSize: 2 });
  try {
    const sample = await sampleDatabase(database.db, options.seed);
    const requests = generateRequests(sample, options);
    process.stdout.write(`${requests.join("\n")}\n`);
  } finally {
    await database.close();
  }
}

runCommand("parity:generate", () => main(process.argv.slice(2)));
