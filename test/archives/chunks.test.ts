/**
 * What a build takes over from the one before it, chunk by chunk: after a vote, an upload
 * or a deletion only the chunks that hold what changed are made and compressed again, and
 * the archives read, byte for byte, as a build from scratch on the same snapshot writes
 * them (the same files: the chunks' cuts and their compression depend on nothing else).
 * Small chunks (a few lines each) so that the sample data makes many of them.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, gunzipSync, inflateRawSync } from "node:zlib";
import type mysql from "mysql2/promise";
import { createConnection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { readUpload, writeUpload } from "../../support/upload.js";
import { ARCHIVE_NAMES, type ArchiveName, type ChunkLines } from "../../src/archives/content.js";
import { readManifest, type Manifest } from "../../src/archives/manifest.js";
import { USUAL_ARCHIVE_ORDERS } from "../../src/archives/plans.js";
import { ArchivePublisher, type BuildReport } from "../../src/archives/publisher.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { silentLogger } from "../../src/log.js";
import type { Snapshot } from "../../src/readmodel/snapshot.js";
import { ReadModel } from "../../src/readmodel/store.js";
import { metaArchives } from "./expected.js";

const CHUNK_LINES: ChunkLines = { packages: 4, names: 4 };
const SNAPSHOT_URI = "/cgit/aur.git/snapshot/%s.tar.gz";
const META = "packages-meta-v1.json.gz";
const EXT = "packages-meta-ext-v1.json.gz";

let db: ScratchDatabase;
let sql: mysql.Connection;
let database: Database;
let model: ReadModel;
let dir: string;
let publisher: ArchivePublisher;

const publisherIn = (at: string) =>
  new ArchivePublisher({
    dir: at,
    profile: "current",
    snapshotUri: SNAPSHOT_URI,
    maxAgeMs: 1000,
    current: () => model.current(),
    orders: async () => USUAL_ARCHIVE_ORDERS,
    fallbackOrders: USUAL_ARCHIVE_ORDERS,
    logger: silentLogger,
    chunkLines: CHUNK_LINES,
  });

async function texts(at: string): Promise<{ manifest: Manifest; text: Record<ArchiveName, string> }> {
  const manifest = (await readManifest(at))!;
  const text = {} as Record<ArchiveName, string>;
  for (const name of ARCHIVE_NAMES) text[name] = gunzipSync(await readFile(join(at, manifest[name]!.file))).toString();
  return { manifest, text };
}

/** Builds the current snapshot from scratch elsewhere: the same text, the same files. */
async function expectSameAsFromScratch(): Promise<void> {
  const scratchDir = await mkdtemp(join(tmpdir(), "archive-chunks-scratch-"));
  try {
    await publisherIn(scratchDir).build(model.current()!);
    const [kept, fresh] = [await texts(dir), await texts(scratchDir)];
    for (const name of ARCHIVE_NAMES) {
      expect(kept.text[name], name).toBe(fresh.text[name]);
      expect(kept.manifest[name]!.sha256, name).toBe(fresh.manifest[name]!.sha256);
      expect(kept.manifest[name]!.bodyDigest, name).toBe(fresh.manifest[name]!.bodyDigest);
    }
    const expected = await metaArchives(sql, SNAPSHOT_URI);
    expect(kept.text[META]).toBe(expected.meta);
    expect(kept.text[EXT]).toBe(expected.ext);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** Makes `change`, waits for the read model to show it (a table's UPDATE_TIME counts in seconds), then builds. */
async function buildAfter(change: () => Promise<unknown>, shows: (snapshot: Snapshot) => boolean): Promise<BuildReport> {
  await change();
  const until = performance.now() + 15_000;
  for (;;) {
    await model.refreshNow();
    if (shows(model.current()!)) break;
    if (performance.now() > until) throw new Error("the read model did not show the change within 15 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return publisher.build(model.current()!);
}

const packageNamed = (snapshot: Snapshot, name: string) => snapshot.packages.find((p) => p.name === name);

/** A base with one package, and that package's name. */
async function singlePackageBase(skip = 0): Promise<{ baseId: number; name: string }> {
  const [[row]] = await sql.query<mysql.RowDataPacket[]>(
    `SELECT PackageBaseID AS baseId, MIN(Name) AS name FROM Packages GROUP BY PackageBaseID HAVING COUNT(*) = 1 ORDER BY PackageBaseID LIMIT 1 OFFSET ${skip}`,
  );
  return row as { baseId: number; name: string };
}

beforeAll(async () => {
  db = await createLegacyDatabase("archive-chunks", PUBLIC_DATASET);
  sql = await createConnection(db.url);
  database = createDatabase(db.url, { poolSize: 2 });
  model = new ReadModel(database.readDb, { refreshIntervalMs: 3_600_000 });
  await model.refreshNow();
  // Tables written within the second of the first read are read again by a later poll (UPDATE_TIME counts in seconds).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await model.refreshNow();
  dir = await mkdtemp(join(tmpdir(), "archive-chunks-"));
  publisher = publisherIn(dir);
});

afterAll(async () => {
  await model?.stop();
  await database?.close();
  await sql?.end();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("chunks kept from one build to the next", () => {
  it("from scratch: every chunk is compressed and every archive written", async () => {
    const report = await publisher.build(model.current()!);
    for (const name of ARCHIVE_NAMES) expect(report.compressed[name], name).toBeGreaterThan(100);
    // Each file is one gzip member: its deflate stream ends right before the trailer, which holds the whole text's CRC and length.
    const manifest = (await readManifest(dir))!;
    for (const name of ARCHIVE_NAMES) {
      const file = await readFile(join(dir, manifest[name]!.file));
      const { buffer, engine } = inflateRawSync(file.subarray(10), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      expect(engine.bytesWritten, name).toBe(file.length - 18);
      expect(buffer.equals(gunzipSync(file)), name).toBe(true);
      expect(file.readUInt32LE(file.length - 8), name).toBe(crc32(buffer));
      expect(file.readUInt32LE(file.length - 4), name).toBe(buffer.length);
    }
    expect(report.written).toEqual([...ARCHIVE_NAMES]);
  });

  it("without a change: nothing compressed, nothing written", async () => {
    const report = await publisher.build(model.current()!);
    expect(Object.values(report.compressed)).toEqual([0, 0, 0, 0, 0]);
    expect(report.written).toEqual([]);
  });

  it("a vote, patched into the snapshot: the one chunk of each JSON archive that holds the package", async () => {
    const { baseId, name } = await singlePackageBase();
    const snapshot = model.current()!;
    const votes = packageNamed(snapshot, name)!.base.numVotes;
    const report = await buildAfter(
      () => sql.query("UPDATE PackageBases SET NumVotes = NumVotes + 1 WHERE ID = ?", [baseId]),
      (current) => packageNamed(current, name)!.base.numVotes === votes + 1,
    );
    expect(model.current()).toBe(snapshot);
    expect(report.compressed).toEqual({ "packages.gz": 0, "pkgbase.gz": 0, "users.gz": 0, [META]: 1, [EXT]: 1 });
    expect(report.written).toEqual([META, EXT]);
    await expectSameAsFromScratch();
  });

  it("an upload of a new version: the package's chunks, the name lists untouched", async () => {
    const { baseId, name } = await singlePackageBase(1);
    const before = await readUpload(sql, baseId);
    const version = `${before.packages[0]!.version}.1`;
    const report = await buildAfter(
      () => writeUpload(sql, { ...before, modifiedTS: before.modifiedTS + 60, packages: before.packages.map((p) => ({ ...p, version })) }),
      (snapshot) => packageNamed(snapshot, name)?.version === version,
    );
    expect(report.compressed).toEqual({ "packages.gz": 0, "pkgbase.gz": 0, "users.gz": 0, [META]: 1, [EXT]: 1 });
    await expectSameAsFromScratch();
  });

  it("a dependency added to a package: the extended archive's chunk alone, the others found the same by their packages' rows in the tables read again", async () => {
    const { name } = await singlePackageBase(2);
    const id = packageNamed(model.current()!, name)!.id;
    const tables = model.current()!.declarationTables;
    const report = await buildAfter(
      () => sql.query("INSERT INTO PackageDepends (PackageID, DepTypeID, DepName, DepCondition) VALUES (?, 1, 'a-new-dependency', '>=1')", [id]),
      (snapshot) => [...snapshot.declarationsOf(packageNamed(snapshot, name)!)].some((d) => d.name === "a-new-dependency"),
    );
    expect(model.current()!.declarationTables.depends).not.toBe(tables.depends);
    expect(report.compressed).toEqual({ "packages.gz": 0, "pkgbase.gz": 0, "users.gz": 0, [META]: 0, [EXT]: 1 });
    expect(report.written).toEqual([EXT]);
    await expectSameAsFromScratch();
  });

  it("a deleted base: at most a chunk or two of each list that held its name (none when it was a chunk of its own)", async () => {
    const { baseId, name } = await singlePackageBase(3);
    const report = await buildAfter(
      () => sql.query("DELETE FROM PackageBases WHERE ID = ?", [baseId]),
      (snapshot) => packageNamed(snapshot, name) === undefined,
    );
    expect(report.written).toEqual(["packages.gz", "pkgbase.gz", META, EXT]);
    expect(report.compressed["users.gz"]).toBe(0);
    for (const archive of report.written) expect(report.compressed[archive], archive).toBeLessThanOrEqual(2);
    await expectSameAsFromScratch();
  });

  it("after a restart: every chunk compressed again, nothing written, the files kept", async () => {
    const before = await readManifest(dir);
    const report = await publisherIn(dir).build(model.current()!);
    expect(Object.values(report.compressed).reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    expect(report.written).toEqual([]);
    expect(await readManifest(dir)).toEqual(before);
  });
});
