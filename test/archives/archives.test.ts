/**
 * The metadata archives against aurweb's own SQL on the sample data (expected.ts), in both
 * profiles; their freshness after the changes the legacy site makes; and HTTP as clients
 * use it: conditional requests, ranges, HEAD, and the requests aurutils and yay send.
 */
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { readUpload, writeUpload } from "../../support/upload.js";
import { startService, type RunningService } from "../support/service.js";
import { ArchivePublisher } from "../../src/archives/publisher.js";
import { ARCHIVE_NAMES } from "../../src/archives/content.js";
import { readManifest } from "../../src/archives/manifest.js";
import { USUAL_ARCHIVE_ORDERS } from "../../src/archives/plans.js";
import { silentLogger } from "../../src/log.js";
import { currentLists, legacyLists, metaArchives } from "./expected.js";

const NAMES = ["packages.gz", "pkgbase.gz", "users.gz", "packages-meta-v1.json.gz", "packages-meta-ext-v1.json.gz"];
const ARCHIVE_MAX_AGE = 1;
const FRESH_WITHIN_MS = 5000;
const DATE_HEADER = /^(# AUR (package|package base|user name) list, generated on )(\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT)\n/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchArchive(service: RunningService, name: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}/${name}`, { headers });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function text(service: RunningService, name: string): Promise<string> {
  const { response, bytes } = await fetchArchive(service, name);
  expect(response.status, name).toBe(200);
  return gunzipSync(bytes).toString("utf8");
}

/** Waits for the first build; the answer is 503 until then. */
async function ready(service: RunningService): Promise<void> {
  const until = performance.now() + 20_000;
  for (;;) {
    const { response } = await fetchArchive(service, "packages-meta-ext-v1.json.gz");
    if (response.status === 200) return;
    if (performance.now() > until) throw new Error("the archives were not built within 20 s");
    await sleep(100);
  }
}

async function startWithArchives(url: string, profile: "legacy" | "current"): Promise<RunningService> {
  const service = await startService(url, { RPC_PROFILE: profile, ARCHIVE_MAX_AGE, REFRESH_INTERVAL_MS: 200 });
  await service.app.archives.start();
  await ready(service);
  return service;
}

async function stop(service: RunningService | undefined) {
  await service?.app.archives.stop();
  await service?.close();
}

let db: ScratchDatabase;
let sql: mysql.Connection;

beforeAll(async () => {
  db = await createLegacyDatabase("archives", PUBLIC_DATASET);
  sql = await mysql.createConnection(db.url);
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

describe("legacy profile: the name lists as aurweb 5.0.0 wrote them", () => {
  let service: RunningService | undefined;
  beforeAll(async () => (service = await startWithArchives(db.url, "legacy")));
  afterAll(() => stop(service));

  it("has each list's rows in the order MariaDB returns them, under a dated header", async () => {
    const expected = await legacyLists(sql);
    for (const name of ["packages.gz", "pkgbase.gz", "users.gz"]) {
      const got = await text(service!, name);
      const header = got.match(DATE_HEADER);
      expect(header, name).not.toBeNull();
      expect(new Date(header![3]!).toUTCString()).toBe(header![3]);
      expect(got.slice(header![0].length), name).toBe(expected[name]);
    }
  });

  it("serves the JSON archives in today's layout", async () => {
    const expected = await metaArchives(sql, service!.app.deps.config.SNAPSHOT_URI);
    expect(await text(service!, "packages-meta-v1.json.gz")).toBe(expected.meta);
    expect(await text(service!, "packages-meta-ext-v1.json.gz")).toBe(expected.ext);
  });
});

describe("current profile", () => {
  let service: RunningService | undefined;
  beforeAll(async () => (service = await startWithArchives(db.url, "current")));
  afterAll(() => stop(service));

  it("has the name lists as today's aurweb writes them", async () => {
    const expected = await currentLists(sql);
    for (const name of ["packages.gz", "pkgbase.gz", "users.gz"]) expect(await text(service!, name), name).toBe(expected[name]);
  });

  it("has the JSON archives byte for byte", async () => {
    const expected = await metaArchives(sql, service!.app.deps.config.SNAPSHOT_URI);
    const meta = await text(service!, "packages-meta-v1.json.gz");
    expect(meta.startsWith("[\n{")).toBe(true);
    expect(meta.endsWith("}\n]")).toBe(true);
    expect(meta).toBe(expected.meta);
    expect(await text(service!, "packages-meta-ext-v1.json.gz")).toBe(expected.ext);
  });

  it("has sidecars with the SHA-256 of the bytes served", async () => {
    for (const name of NAMES) {
      const { bytes } = await fetchArchive(service!, name);
      const { response, bytes: sidecar } = await fetchArchive(service!, `${name}.sha256`);
      expect(response.status).toBe(200);
      expect(sidecar.toString()).toBe(`SHA256 (${name}) = ${createHash("sha256").update(bytes).digest("hex")}`);
    }
  });

  it("answers like a static file server: validators, 304, ranges, HEAD, no Content-Encoding", async () => {
    const { response, bytes } = await fetchArchive(service!, "packages.gz");
    const etag = response.headers.get("etag")!;
    const lastModified = response.headers.get("last-modified")!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("content-length")).toBe(String(bytes.length));
    expect(response.headers.get("accept-ranges")).toBe("bytes");

    expect((await fetchArchive(service!, "packages.gz", { "If-None-Match": etag })).response.status).toBe(304);
    expect((await fetchArchive(service!, "packages.gz", { "If-None-Match": `"other", ${etag}` })).response.status).toBe(304);
    expect((await fetchArchive(service!, "packages.gz", { "If-Modified-Since": lastModified })).response.status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await fetchArchive(service!, "packages.gz", { "If-Modified-Since": earlier })).response.status).toBe(200);

    const part = await fetchArchive(service!, "packages.gz", { Range: "bytes=10-" });
    expect(part.response.status).toBe(206);
    expect(part.response.headers.get("content-range")).toBe(`bytes 10-${bytes.length - 1}/${bytes.length}`);
    expect(part.bytes.equals(bytes.subarray(10))).toBe(true);
    const suffix = await fetchArchive(service!, "packages.gz", { Range: "bytes=-5" });
    expect(suffix.bytes.equals(bytes.subarray(bytes.length - 5))).toBe(true);
    const middle = await fetchArchive(service!, "packages.gz", { Range: "bytes=3-7" });
    expect(middle.bytes.equals(bytes.subarray(3, 8))).toBe(true);
    const beyond = await fetchArchive(service!, "packages.gz", { Range: `bytes=${bytes.length}-` });
    expect(beyond.response.status).toBe(416);
    expect(beyond.response.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
    const stale = await fetchArchive(service!, "packages.gz", { Range: "bytes=10-", "If-Range": '"stale"' });
    expect(stale.response.status).toBe(200);

    const head = await fetch(`${service!.url}/packages.gz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    expect(head.headers.get("etag")).toBe(etag);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("answers the requests clients send", async () => {
    // aurutils: curl --remote-time -z <saved file>: If-Modified-Since with the file's time.
    const first = await fetchArchive(service!, "packages.gz", { "User-Agent": "curl/8.9.1", Accept: "*/*" });
    const saved = first.response.headers.get("last-modified")!;
    const again = await fetchArchive(service!, "packages.gz", { "User-Agent": "curl/8.9.1", Accept: "*/*", "If-Modified-Since": saved });
    expect(again.response.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    // yay, goaurrpc: Go's http.Get, which asks for gzip and saves what comes unless it is Content-Encoding gzip.
    const go = await fetchArchive(service!, "packages-meta-ext-v1.json.gz", { "User-Agent": "Go-http-client/1.1", "Accept-Encoding": "gzip" });
    expect(go.response.status).toBe(200);
    expect(go.response.headers.get("content-encoding")).toBeNull();
    expect(JSON.parse(gunzipSync(go.bytes).toString()).length).toBeGreaterThan(1000);
  });

  it("keeps its validators while nothing changes", async () => {
    const before = (await fetchArchive(service!, "pkgbase.gz")).response.headers;
    await sql.query("UPDATE Users SET LastLogin = LastLogin + 1 WHERE ID = 1");
    await sleep(2500);
    const after = (await fetchArchive(service!, "pkgbase.gz")).response.headers;
    expect(after.get("etag")).toBe(before.get("etag"));
    expect(after.get("last-modified")).toBe(before.get("last-modified"));
  });
});

describe("freshness", () => {
  let service: RunningService | undefined;
  beforeAll(async () => (service = await startWithArchives(db.url, "current")));
  afterAll(() => stop(service));

  async function delayUntil(change: string, shows: () => Promise<boolean>): Promise<number> {
    const started = performance.now();
    while (!(await shows())) {
      if (performance.now() - started > 15_000) throw new Error(`${change}: not in the archives after 15 s`);
      await sleep(100);
    }
    const delay = performance.now() - started;
    console.log(`${change}: in the archives after ${delay.toFixed(0)} ms`);
    return delay;
  }

  const metaOf = async (name: string) =>
    (JSON.parse(await text(service!, "packages-meta-v1.json.gz")) as { Name: string; NumVotes: number; Version: string }[]).find((p) => p.Name === name);

  it("shows a vote", async () => {
    const [[pkg]] = await sql.query<mysql.RowDataPacket[]>(
      "SELECT Packages.Name, PackageBases.ID AS BaseID, NumVotes FROM Packages JOIN PackageBases ON PackageBases.ID = Packages.PackageBaseID ORDER BY Packages.ID LIMIT 1",
    );
    await sql.query("UPDATE PackageBases SET NumVotes = NumVotes + 1 WHERE ID = ?", [pkg!.BaseID]);
    const delay = await delayUntil("a vote", async () => (await metaOf(pkg!.Name))?.NumVotes === pkg!.NumVotes + 1);
    expect(delay).toBeLessThan(FRESH_WITHIN_MS);
  });

  it("shows an upload", async () => {
    const [[pkg]] = await sql.query<mysql.RowDataPacket[]>("SELECT Name, PackageBaseID FROM Packages ORDER BY ID DESC LIMIT 1");
    const before = await readUpload(sql, pkg!.PackageBaseID);
    await writeUpload(sql, {
      ...before,
      modifiedTS: Math.floor(Date.now() / 1000),
      packages: before.packages.map((p) => ({ ...p, version: "100.0-1" })),
    });
    const delay = await delayUntil("an upload", async () => (await metaOf(pkg!.Name))?.Version === "100.0-1");
    expect(delay).toBeLessThan(FRESH_WITHIN_MS);
  });

  it("shows a deleted base", async () => {
    const [[base]] = await sql.query<mysql.RowDataPacket[]>(
      "SELECT ID, Name FROM PackageBases WHERE ID NOT IN (SELECT PackageBaseID FROM PackageRequests WHERE PackageBaseID IS NOT NULL) ORDER BY ID DESC LIMIT 1",
    );
    await sql.query("DELETE FROM PackageBases WHERE ID = ?", [base!.ID]);
    const delay = await delayUntil("a deleted base", async () => !(await text(service!, "pkgbase.gz")).split("\n").includes(base!.Name));
    expect(delay).toBeLessThan(FRESH_WITHIN_MS);
    expect(await text(service!, "pkgbase.gz")).toBe((await currentLists(sql))["pkgbase.gz"]);
  });

  it("takes over from the builds before it only what a build from scratch would make", async () => {
    const publisher = service!.app.archives.publisher!;
    await publisher.stop();
    const snapshot = service!.app.deps.readModel.current()!;
    snapshot.bases[0]!.numVotes += 3;
    snapshot.bases[0]!.revision++;
    await publisher.build(snapshot);
    const scratchDir = await mkdtemp(join(tmpdir(), "archives-scratch-"));
    try {
      const scratch = new ArchivePublisher({
        dir: scratchDir,
        profile: "current",
        snapshotUri: service!.app.deps.config.SNAPSHOT_URI,
        maxAgeMs: 1000,
        current: () => snapshot,
        orders: async () => USUAL_ARCHIVE_ORDERS,
        fallbackOrders: USUAL_ARCHIVE_ORDERS,
        logger: silentLogger,
      });
      await scratch.build(snapshot);
      const served = service!.app.archives.served()!.dir;
      const [kept, fresh] = [await readManifest(served), await readManifest(scratchDir)];
      for (const name of ARCHIVE_NAMES) {
        const a = gunzipSync(await readFile(join(served, kept![name]!.file))).toString();
        const b = gunzipSync(await readFile(join(scratchDir, fresh![name]!.file))).toString();
        expect(a, name).toBe(b);
      }
    } finally {
      await rm(scratchDir, { recursive: true, force: true });
    }
  });
});
