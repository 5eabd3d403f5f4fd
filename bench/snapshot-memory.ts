/**
 * What a rebuild costs in memory, measured exactly: while a new snapshot is built the
 * replaced one still answers, so for that while a worker holds both. This loads the read
 * model in this process, uploads one package base the way the legacy site writes an
 * upload (support/upload.ts: its packages deleted and inserted under new IDs, so its
 * dependency rows are read again), lets the model rebuild, and reads the heap after
 * forced collections with both snapshots alive and with the new one alone. The difference
 * is what the replaced snapshot held of its own. Then, with the replaced snapshot alive
 * again after a second upload, it lets go of its fields one at a time to show where that
 * memory is. Unlike the peak RSS of `npm run bench`, which moves with the collector's
 * timing by tens of megabytes from run to run, these figures repeat to the tenth of a
 * megabyte, so they show what a change to the snapshot does.
 *
 *   npm run bench:snapshot-memory [-- --base <package name>]
 *
 * The package base ends as it was, under new package IDs.
 */
import type mysql from "mysql2/promise";
import { parseCommandLine, UsageError } from "../tools/cli/args.js";
import { createDatabase } from "../src/db/client.js";
import { fullCollection } from "../src/readmodel/full-collection.js";
import type { Snapshot } from "../src/readmodel/snapshot.js";
import { ReadModel } from "../src/readmodel/store.js";
import { connect, prepareDatabase } from "./dataset.js";
import { sleep } from "./freshness-cost.js";
import { readUpload, writeUpload, type Upload } from "../support/upload.js";

/** Heap and array buffers in MB once repeated collections have nothing more to free. */
async function liveMb(): Promise<number> {
  for (let i = 0; i < 8; i++) await fullCollection();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1e6;
}

const mb = (value: number) => value.toFixed(1);

const USAGE = `usage: npm run bench:snapshot-memory [-- --base <package base>]

Loads the read model of the 100K-package bench database in this process, uploads one
package base as the legacy site writes an upload, and prints what the replaced snapshot
holds of its own while both are alive, field by field.

  --base <name>   the package base to upload (default python3-numpy)
  --help          show this text`;

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), USAGE, { base: { type: "string", default: "python3-numpy" } });
  const database = await prepareDatabase(1, false, (line) => console.log(`· ${line}`));
  const connection = await connect(database.url);
  const db = createDatabase(database.url);
  const model = new ReadModel(db.readDb, { refreshIntervalMs: 3_600_000 });
  try {
    const started = performance.now();
    await model.refreshNow();
    const loadMs = performance.now() - started;
    const [[row]] = await connection.query<mysql.RowDataPacket[]>(
      "SELECT PackageBaseID AS baseId FROM Packages WHERE Name = ?",
      [values.base],
    );
    if (!row) throw new Error(`no package named ${values.base}`);
    const original = await readUpload(connection, row.baseId as number);
    // Holding the replaced snapshot in a field lets it go as soon as the field is cleared.
    const held: { replaced?: Snapshot } = {};
    const upload = async (round: number) => {
      const changed: Upload = { ...original, packages: original.packages.map((p) => ({ ...p, description: `${p.description ?? ""} (${round})` })) };
      held.replaced = model.current();
      await writeUpload(connection, changed);
      const rebuildStarted = performance.now();
      // A change in the current second of the database clock is read at the next poll (store.ts).
      while (model.current() === held.replaced) {
        await model.refreshNow();
        if (model.current() === held.replaced) await sleep(200);
      }
      return performance.now() - rebuildStarted;
    };

    const oneBefore = await liveMb();
    const rebuildMs = await upload(1);
    const both = await liveMb();
    held.replaced = undefined;
    const one = await liveMb();

    await upload(2);
    const fields: [string, number][] = [];
    let last = await liveMb();
    // A diagnostic look inside: every field of the replaced snapshot, private ones included.
    const replaced = held.replaced as unknown as Record<string, unknown>;
    for (const key of Object.keys(replaced)) {
      replaced[key] = undefined;
      const now = await liveMb();
      fields.push([key, last - now]);
      last = now;
    }
    held.replaced = undefined;
    await writeUpload(connection, original);

    const snapshot = model.current()!;
    console.log(`\nRead model of ${database.name} (${snapshot.packages.length.toLocaleString("en-US")} packages), loaded in ${(loadMs / 1000).toFixed(1)} s; one upload of ${values.base}'s base (${original.packages.length} package${original.packages.length === 1 ? "" : "s"}), rebuilt within ${(rebuildMs / 1000).toFixed(1)} s of its commit.\n`);
    console.log("| heap and array buffers after forced collections | MB |\n| --- | ---: |");
    console.log(`| one snapshot, at start | ${mb(oneBefore)} |`);
    console.log(`| the new snapshot and the replaced one | ${mb(both)} |`);
    console.log(`| the new snapshot alone | ${mb(one)} |`);
    console.log(`| **held by the replaced snapshot alone** | **${mb(both - one)}** |`);
    console.log("\nWhere the replaced snapshot's own memory is (its fields let go one at a time; 0.3 MB or more):\n");
    console.log("| field | MB |\n| --- | ---: |");
    for (const [key, freed] of fields) if (freed >= 0.3) console.log(`| ${key} | ${mb(freed)} |`);
  } finally {
    await model.stop();
    await db.close();
    await connection.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? `bench:snapshot-memory: ${error.message}` : error);
  process.exit(error instanceof UsageError ? 2 : 1);
});
