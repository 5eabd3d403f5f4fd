/**
 * The metadata archives of one process: the directory it serves them from and, in the
 * process that builds them, the publisher. ARCHIVE_DIR names the directory a process
 * family shares; without it, a private temporary one is made at start and removed at stop
 * (the cluster primary makes one for its workers: see main.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import type { ReadModel } from "../readmodel/store.js";
import { ArchiveDirectory } from "./directory.js";
import { probeArchiveOrders, USUAL_ARCHIVE_ORDERS } from "./plans.js";
import { ArchivePublisher } from "./publisher.js";

export interface ArchivesOptions {
  config: Config;
  readModel: ReadModel;
  db: Db;
  logger: Logger;
}

export const makeArchiveDir = () => mkdtemp(join(tmpdir(), "aurweb-archives-"));

export class Archives {
  private directory: ArchiveDirectory | undefined;
  private ownDir: string | undefined;
  publisher: ArchivePublisher | undefined;

  constructor(private readonly options: ArchivesOptions) {}

  /** The directory served from; undefined until started. */
  served(): ArchiveDirectory | undefined {
    return this.directory;
  }

  async start(): Promise<void> {
    if (this.directory) return;
    const { config, readModel, db, logger } = this.options;
    const dir = config.ARCHIVE_DIR ?? (this.ownDir = await makeArchiveDir());
    this.directory = new ArchiveDirectory(dir);
    if (!config.ARCHIVE_BUILDER) return;
    this.publisher = new ArchivePublisher({
      dir,
      profile: config.RPC_PROFILE,
      snapshotUri: config.SNAPSHOT_URI,
      maxAgeMs: config.ARCHIVE_MAX_AGE * 1000,
      current: () => readModel.current(),
      orders: () => probeArchiveOrders(db),
      fallbackOrders: USUAL_ARCHIVE_ORDERS,
      logger,
    });
    this.publisher.start();
  }

  async stop(): Promise<void> {
    await this.publisher?.stop();
    if (this.ownDir) await rm(this.ownDir, { recursive: true, force: true });
  }
}
