/**
 * One archive rebuild at 100K packages, from scratch and after a single vote, in this
 * process, for `node --cpu-prof`: prints each build's wall and CPU time, the longest the
 * event loop waited meanwhile, and what gzip's
 * levels cost on the JSON archives' text.
 *
 *   npx tsx --cpu-prof --cpu-prof-dir=<dir> bench/archives-profile.ts
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { gunzipSync, gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "../src/db/client.js";
import { ReadModel } from "../src/readmodel/store.js";
import { silentLogger } from "../src/log.js";
import { ArchivePublisher } from "../src/archives/publisher.js";
import { USUAL_ARCHIVE_ORDERS } from "../src/archives/plans.js";
import { prepareDatabase } from "./dataset.js";

const database = await prepareDatabase(1, false, (line) => console.log(`· ${line}`));
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
  orders: async () => USUAL_ARCHIVE_ORDERS,
  fallbackOrders: USUAL_ARCHIVE_ORDERS,
  logger: silentLogger,
});
const delays = monitorEventLoopDelay({ resolution: 1 });
const longestWait = () => {
  const ms = delays.max / 1e6;
  delays.reset();
  return `longest event loop wait ${ms.toFixed(1)} ms`;
};
delays.enable();
const first = await publisher.build(snapshot);
console.log(`from scratch: wall ${Math.round(first.durationMs)} ms, CPU ${Math.round(first.cpuMs)} ms, ${longestWait()}, wrote ${first.written.join(" ")}`);
for (let i = 0; i < 3; i++) {
  const base = snapshot.bases[i * 1000]!;
  base.numVotes++;
  base.revision++;
  const report = await publisher.build(snapshot);
  console.log(`after a vote: wall ${Math.round(report.durationMs)} ms, CPU ${Math.round(report.cpuMs)} ms, ${longestWait()}, wrote ${report.written.join(" ")}`);
}
for (const file of (await readdir(dir)).filter((f) => f.endsWith(".json.gz"))) {
  const text = gunzipSync(await readFile(join(dir, file)));
  for (const level of [1, 3, 6, 9]) {
    const cpu = process.cpuUsage();
    const size = gzipSync(text, { level }).length;
    const used = process.cpuUsage(cpu);
    console.log(`${file}: ${(text.length / 1e6).toFixed(1)} MB of text, level ${level}: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU, ${(size / 1e6).toFixed(2)} MB`);
  }
}
await model.stop();
await db.close();
await rm(dir, { recursive: true, force: true });
