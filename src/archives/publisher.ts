/**
 * Builds the metadata archives from the read model's snapshot and publishes them in the
 * archive directory (manifest.ts), off the request path: one process of a family builds
 * (cluster.ts picks it), every process serves what the directory holds (directory.ts).
 *
 * A build starts when the snapshot changed (a new one, or votes and flags patched into
 * it) and the last build started at least half of ARCHIVE_MAX_AGE ago, so a change the
 * read model has seen is in the archives within ARCHIVE_MAX_AGE.
 *
 * An archive's body comes in chunks cut by content (content.ts). A build keeps each
 * chunk's compressed bytes with what its text was made from, and compresses again only the
 * chunks whose packages, bases or names changed, on libuv's thread pool; the others are
 * compared, not made. The file is one gzip member assembled from the chunks' bytes
 * (gzip-chunks.ts), written only when the body changed, which a digest over the chunks'
 * own digests tells without reading the text. A build after a vote thus makes and
 * compresses a chunk or two per JSON archive, and writes and hashes the compressed files.
 * The work on the event loop is cut in slices of SLICE_MS.
 */
import { createHash } from "node:crypto";
import { open, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { Logger } from "../log.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import { SliceBudget, type Steps } from "../readmodel/steps.js";
import { ARCHIVE_NAMES, archiveText, CHUNK_LINES, KeptLists, type ArchiveName, type ArchiveOrders, type ArchiveSettings, type ChunkLines, type ChunkSource } from "./content.js";
import { deflateChunk, gzipMember, type DeflatedChunk } from "./gzip-chunks.js";
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
  /** Smaller chunks for tests on small data; CHUNK_LINES otherwise. */
  chunkLines?: ChunkLines;
}

/** The files a build writes: nothing else in the directory is ever removed. */
const ARCHIVE_FILE = /^[0-9a-f]{16}-[a-z0-9-]+(\.json)?\.gz$/;

/** The longest the text is made without letting the event loop run. */
const SLICE_MS = 5;

/** Chunks compressed at once on the thread pool: enough to keep one busy while the next chunk's text is made. */
const PARALLEL = 2;

/** The bytes written in one call, between which the file's hash is taken. */
const WRITE_BYTES = 1 << 20;

/** A chunk as the builds keep it: its compressed bytes, the SHA-256 of its text, and what the text was made from. */
interface CompressedChunk extends DeflatedChunk {
  digest: Buffer;
  source: ChunkSource;
}

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
  /** Per archive, the chunks of its body compressed in this build (the others were kept). */
  compressed: Record<ArchiveName, number>;
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
  private readonly kept = new KeptLists();
  /** Each archive's chunks from the last build, by key. */
  private readonly chunks = new Map<ArchiveName, Map<string, CompressedChunk>>();

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
    const settings: ArchiveSettings = {
      profile: this.options.profile,
      snapshotUri: this.options.snapshotUri,
      orders,
      kept: this.kept,
      chunkLines: this.options.chunkLines ?? CHUNK_LINES,
    };
    const now = this.now();
    const next: Manifest = { ...this.manifest };
    const written: ArchiveName[] = [];
    const compressed = {} as Record<ArchiveName, number>;
    const slices = new SliceBudget(SLICE_MS);
    for (const name of ARCHIVE_NAMES) {
      const { entry, count } = await this.writeArchive(snapshot, name, settings, now, this.manifest[name], slices);
      compressed[name] = count;
      if (entry) {
        next[name] = entry;
        written.push(name);
      }
    }
    if (written.length > 0) {
      await writeManifest(dir, next);
      await this.removeUnlisted(next, this.manifest);
      this.manifest = next;
    }
    const used = process.cpuUsage(cpu);
    const report = { written, compressed, durationMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
    if (written.length > 0) {
      const chunks = Object.values(compressed).reduce((a, b) => a + b, 0);
      this.options.logger.info({ written, chunks, durationMs: Math.round(report.durationMs), cpuMs: Math.round(report.cpuMs) }, "metadata archives built");
    }
    return report;
  }

  /**
   * Brings one archive's chunks up to date and writes the archive to a new file; no entry
   * (and nothing written) when its body did not change. `count`: the chunks compressed.
   */
  private async writeArchive(
    snapshot: Snapshot,
    name: ArchiveName,
    settings: ArchiveSettings,
    now: number,
    previous: ArchiveEntry | undefined,
    slices: SliceBudget,
  ): Promise<{ entry?: ArchiveEntry; count: number }> {
    const text = archiveText(snapshot, name, settings, new Date(now));
    const kept = this.chunks.get(name) ?? new Map<string, CompressedChunk>();
    const keys: string[] = [];
    const body: Promise<CompressedChunk>[] = [];
    const compressing = new Set<Promise<unknown>>();
    let count = 0;
    for (const chunk of text.chunks) {
      if (chunk) {
        const found = kept.get(chunk.key);
        keys.push(chunk.key);
        if (found && (await slices.run(chunk.sameAs(found.source)))) {
          body.push(Promise.resolve(found));
        } else {
          const { text: chunkText, source } = await slices.run(chunk.make());
          while (compressing.size >= PARALLEL) await Promise.race(compressing);
          const made = compress(await slices.run(encode(chunkText)), source);
          compressing.add(made);
          void made.finally(() => compressing.delete(made)).catch(() => undefined);
          body.push(made);
          count++;
        }
      }
      await slices.pause();
    }
    const chunks = await Promise.all(body);
    this.chunks.set(name, new Map(keys.map((key, i) => [key, chunks[i]!])));
    const bodyDigest = createHash("sha256");
    for (const chunk of chunks) bodyDigest.update(chunk.digest);
    const digest = bodyDigest.digest("hex");
    if (previous?.bodyDigest === digest) return { count };
    const header = text.header ? [await compress(await slices.run(encode([text.header])), { kind: "constant", text: text.header })] : [];
    const { file, sha256, size } = await this.writeFile(name, gzipMember([...header, ...chunks]), slices);
    return { entry: { file, sha256, size, builtAt: now, bodyDigest: digest }, count };
  }

  /** Writes `parts` to a new file named by their SHA-256, taken as they are written. */
  private async writeFile(name: ArchiveName, parts: Buffer[], slices: SliceBudget): Promise<{ file: string; sha256: string; size: number }> {
    const temporary = join(this.options.dir, `.${name}.${process.pid}.tmp`);
    const hash = createHash("sha256");
    let size = 0;
    const handle = await open(temporary, "w");
    try {
      for (let i = 0; i < parts.length; ) {
        const batch: Buffer[] = [];
        let bytes = 0;
        while (i < parts.length && (batch.length === 0 || bytes < WRITE_BYTES)) {
          const part = parts[i++]!;
          hash.update(part);
          batch.push(part);
          bytes += part.length;
        }
        const { bytesWritten } = await handle.writev(batch);
        if (bytesWritten !== bytes) throw new Error(`${name}: wrote ${bytesWritten} of ${bytes} bytes`);
        size += bytes;
        await slices.pause();
      }
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    const sha256 = hash.digest("hex");
    const file = `${sha256.slice(0, 16)}-${name}`;
    await rename(temporary, join(this.options.dir, file));
    return { file, sha256, size };
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

/** The characters made into bytes, hashed and checked at once. */
const ENCODE_CHARS = 64 * 1024;

/** A chunk's text as bytes, with its CRC-32 and its SHA-256 (which names it in the archive's body digest), a few pieces at a time. */
function* encode(pieces: readonly string[]): Steps<{ text: Buffer; crc: number; digest: Buffer }> {
  const buffers: Buffer[] = [];
  const digest = createHash("sha256");
  let crc = 0;
  for (let i = 0; i < pieces.length; ) {
    let group = "";
    while (i < pieces.length && group.length < ENCODE_CHARS) group += pieces[i++];
    const bytes = Buffer.from(group);
    digest.update(bytes);
    crc = crc32(bytes, crc);
    buffers.push(bytes);
    yield;
  }
  return { text: Buffer.concat(buffers), crc, digest: digest.digest() };
}

async function compress({ text, crc, digest }: { text: Buffer; crc: number; digest: Buffer }, source: ChunkSource): Promise<CompressedChunk> {
  return { deflated: await deflateChunk(text), crc, length: text.length, digest, source };
}
