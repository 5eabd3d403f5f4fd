/**
 * An archive publisher over a loaded bench database, in this process: what the archive
 * benches build from, so that they measure builds and nothing of HTTP.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArchivePublisher } from "../src/archives/publisher.js";
import { probeArchiveOrders, USUAL_ARCHIVE_ORDERS } from "../src/archives/plans.js";
import { createDatabase } from "../src/db/client.js";
import { silentLogger } from "../src/log.js";
import type { Snapshot } from "../src/readmodel/snapshot.js";
import type { PackageBase } from "../src/readmodel/types.js";
import { ReadModel } from "../src/readmodel/store.js";
import { prepareDatabase } from "./dataset.js";

export interface ArchiveBench {
  snapshot: Snapshot;
  publisher: ArchivePublisher;
  /** Where the archives are written. */
  dir: string;
  close(): Promise<void>;
}

/** `scale` times the 100K set; `probeOrders` reads MariaDB's plans at each build as the service does, else the usual orders. */
export async function openArchiveBench(scale: number, probeOrders: boolean): Promise<ArchiveBench> {
  const database = await prepareDatabase(scale, false, (line) => console.log(`· ${line}`));
  const db = createDatabase(database.url);
  const model = new ReadModel(db.readDb, { refreshIntervalMs: 3_600_000 });
  const dir = await mkdtemp(join(tmpdir(), "bench-archives-"));
  await model.refreshNow();
  const snapshot = model.current()!;
  const publisher = new ArchivePublisher({
    dir,
    profile: "current",
    snapshotUri: "/cgit/aur.git/snapshot/%s.tar.gz",
    maxAgeMs: 5000,
    current: () => snapshot,
    orders: probeOrders ? () => probeArchiveOrders(db.readDb) : async () => USUAL_ARCHIVE_ORDERS,
    fallbackOrders: USUAL_ARCHIVE_ORDERS,
    logger: silentLogger,
  });
  return {
    snapshot,
    publisher,
    dir,
    async close() {
      await model.stop();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A vote patched in as the read model patches one: the base's revision tells encoded rows they are stale. */
export function vote(base: PackageBase): void {
  base.numVotes++;
  base.revision++;
}

/**
 * The snapshot as after an upload that read the declaration rows again: the same rows in
 * new tables, which the extended archive must compare by what each package declares.
 */
export function withTablesReadAgain(snapshot: Snapshot): Snapshot {
  const { depends, relations } = snapshot.declarationTables;
  return Object.create(snapshot, { declarationTables: { value: { depends: { ...depends }, relations: { ...relations } } } }) as Snapshot;
}
