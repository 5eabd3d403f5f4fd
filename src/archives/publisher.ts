/**
 * Builds the metadata archives from the read model's snapshot and publishes them in the
 * archive directory (manifest.ts), off the request path: one process of a family builds
 * (cluster.ts picks it), every process serves what the directory holds (directory.ts).
 *
 * A build starts when the snapshot changed (a new one, or votes and flags patched into
 * it) and the last build started at least half of ARCHIVE_MAX_AGE ago, so a change the
 * read model has seen is in the archives within ARCHIVE_MAX_AGE. The text is made in
 * chunks between which the event loop runs, and gzip runs on libuv's thread pool.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import type { Logger } from "../log.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import { ARCHIVE_NAMES, archiveText, EncodedPackages, type ArchiveName, type ArchiveOrders, type ArchiveSettings } from "./content.js";
import { MANIFEST, readManifest, writeManifest, type ArchiveEntry, type Manifest } from "./manifest.js";

export interface PublisherOptions {
  dir: string;
  profile: ArchiveSettings["profile"];
  snapshotUri: string;
  maxAgeMs: number;
  current: () => Snapshot | undefined;
  /** The plans' orders for this build; rejected, the usual orders are taken. */
  orders: () => Promise<ArchiveOrders>;
  fallbackOrders: ArchiveOrders;
  logger: Logger;
  clock?: () => number;
}

/** The files a build writes: nothing else in the directory is ever removed. */
const ARCHIVE_FILE = /^[0-9a-f]{16}-[a-z0-9-]+(\.json)?\.gz$/;

/** The longest the text is made without letting the event loop run. */
const SLICE_MS = 5;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What identifies the state of a snapshot's data: the snapshot, and the revisions of its
 * bases, which a patch in place (votes, flags, popularity) bumps.
 */
function revisionOf(snapshot: Snapshot): number {
  let sum = 0;
  for (const base of snapshot.bases) sum += base.revision;
  return sum;
}

export interface BuildReport {
  /** The archives whose content changed and were written. */
  written: ArchiveName[];
  durationMs: number;
  cpuMs: number;
}

export class ArchivePublisher {
  private timer: NodeJS.Timeout | undefined;
  private building: Promise<BuildReport | undefined> | undefined;
  private built: { snapshot: Snapshot; revision: number } | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private manifest: Manifest | undefined;
  private stopped = false;
  private readonly encoded = new EncodedPackages();

  constructor(private readonly options: PublisherOptions) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  start(): void {
    const tickMs = Math.max(50, Math.min(500, this.options.maxAgeMs / 10));
    const tick = () => {
      if (this.stopped) return;
      void this.buildIfDue().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, tickMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.building;
  }

  /** Builds when the snapshot changed since the last build and the last one started long enough ago. */
  async buildIfDue(): Promise<BuildReport | undefined> {
    const snapshot = this.options.current();
    if (!snapshot || this.building) return undefined;
    const revision = revisionOf(snapshot);
    if (this.built?.snapshot === snapshot && this.built.revision === revision) return undefined;
    if (performance.now() - this.lastStart < this.options.maxAgeMs / 2) return undefined;
    this.lastStart = performance.now();
    this.building = this.build(snapshot).then(
      (report) => {
        this.built = { snapshot, revision };
        return report;
      },
      (error: unknown) => {
        this.options.logger.error({ err: error }, "building the metadata archives failed");
        return undefined;
      },
    );
    try {
      return await this.building;
    } finally {
      this.building = undefined;
    }
  }

  /** Builds every archive from `snapshot` and publishes those whose content changed. */
  async build(snapshot: Snapshot): Promise<BuildReport> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const { dir } = this.options;
    this.manifest ??= (await readManifest(dir)) ?? {};
    const orders = await this.options.orders().catch(() => this.options.fallbackOrders);
    const settings: ArchiveSettings = { profile: this.options.profile, snapshotUri: this.options.snapshotUri, orders, reuse: this.encoded };
    const now = this.now();
    const next: Manifest = { ...this.manifest };
    const written: ArchiveName[] = [];
    for (const name of ARCHIVE_NAMES) {
      const entry = await this.writeArchive(snapshot, name, settings, now, this.manifest[name]);
      if (entry) {
        next[name] = entry;
        written.push(name);
      }
    }
    this.encoded.endBuild();
    if (written.length > 0) {
      await writeManifest(dir, next);
      await this.removeUnlisted(next, this.manifest);
      this.manifest = next;
    }
    const used = process.cpuUsage(cpu);
    const report = { written, durationMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
    if (written.length > 0) this.options.logger.info({ written, durationMs: Math.round(report.durationMs), cpuMs: Math.round(report.cpuMs) }, "metadata archives built");
    return report;
  }

  /** Writes one archive to a new file; undefined (and nothing left behind) when its content did not change. */
  private async writeArchive(snapshot: Snapshot, name: ArchiveName, settings: ArchiveSettings, now: number, previous: ArchiveEntry | undefined): Promise<ArchiveEntry | undefined> {
    const temporary = join(this.options.dir, `.${name}.${process.pid}.tmp`);
    const text = archiveText(snapshot, name, settings, new Date(now));
    const body = createHash("sha256");
    const compressed = createHash("sha256");
    let size = 0;
    const gzip = createGzip();
    const out = createWriteStream(temporary);
    gzip.on("data", (chunk: Buffer) => {
      compressed.update(chunk);
      size += chunk.length;
    });
    gzip.pipe(out);
    const finished = new Promise<void>((resolve, reject) => {
      out.on("finish", resolve);
      out.on("error", reject);
      gzip.on("error", reject);
    });
    const write = async (chunk: string) => {
      if (!gzip.write(chunk)) await new Promise<void>((resolve) => gzip.once("drain", resolve));
    };
    try {
      if (text.header) await write(text.header);
      let sliceEnds = performance.now() + SLICE_MS;
      for (const chunk of text.body) {
        if (typeof chunk === "string") {
          body.update(chunk);
          await write(chunk);
        }
        if (performance.now() >= sliceEnds) {
          await nextTurn();
          sliceEnds = performance.now() + SLICE_MS;
        }
      }
      gzip.end();
      await finished;
    } catch (error) {
      gzip.destroy();
      out.destroy();
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    const bodySha256 = body.digest("hex");
    if (previous?.bodySha256 === bodySha256) {
      await unlink(temporary);
      return undefined;
    }
    const sha256 = compressed.digest("hex");
    const file = `${sha256.slice(0, 16)}-${name}`;
    await rename(temporary, join(this.options.dir, file));
    return { file, sha256, size, builtAt: now, bodySha256 };
  }

  /**
   * Removes the files neither the new manifest nor the one before it names: a process
   * that read the previous manifest a moment ago may still open its files.
   */
  private async removeUnlisted(current: Manifest, previous: Manifest): Promise<void> {
    const keep = new Set([MANIFEST, ...[current, previous].flatMap((m) => Object.values(m).map((e) => e.file))]);
    for (const file of await readdir(this.options.dir)) {
      if (!keep.has(file) && ARCHIVE_FILE.test(file)) await unlink(join(this.options.dir, file)).catch(() => undefined);
    }
  }
}
