/**
 * Archive builds at 100K packages (or `scale` times that), in this process, for
 * `node --cpu-prof`: from scratch, after single votes, and after the declaration tables
 * were read again (as after an upload). Prints each build's wall and CPU time, the chunks
 * it compressed, the longest the event loop waited meanwhile, the process's memory after
 * a full collection, and, on the JSON archives' whole text, what gzip's levels cost and
 * the size the chunked file has beside it.
 *
 *   npx tsx --cpu-prof --cpu-prof-dir=<dir> bench/archives-profile.ts [scale]
 */
import { readFile, stat } from "node:fs/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { fullCollection } from "../src/readmodel/full-collection.js";
import { readManifest } from "../src/archives/manifest.js";
import type { BuildReport } from "../src/archives/publisher.js";
import { openArchiveBench, vote, withTablesReadAgain } from "./archive-publisher.js";

const { snapshot, publisher, dir, close } = await openArchiveBench(Number(process.argv[2] ?? 1), false);
const delays = monitorEventLoopDelay({ resolution: 1 });
const longestWait = () => {
  const ms = delays.max / 1e6;
  delays.reset();
  return `longest event loop wait ${ms.toFixed(1)} ms`;
};
const memory = async () => {
  for (let i = 0; i < 3; i++) await fullCollection();
  const { rss, heapUsed, external } = process.memoryUsage();
  return `RSS ${(rss / 1e6).toFixed(0)} MB, heap ${(heapUsed / 1e6).toFixed(0)} MB, external ${(external / 1e6).toFixed(0)} MB`;
};
const line = (label: string, report: BuildReport) =>
  `${label}: wall ${Math.round(report.durationMs)} ms, CPU ${Math.round(report.cpuMs)} ms, ${longestWait()}, ` +
  `compressed ${Object.values(report.compressed).reduce((a, b) => a + b, 0)} chunks, wrote ${report.written.join(" ")}`;
console.log(`loaded: ${await memory()}`);
delays.enable();
console.log(line("from scratch", await publisher.build(snapshot)));
for (let i = 0; i < 3; i++) {
  vote(snapshot.bases[i * 1000]!);
  console.log(line("after a vote", await publisher.build(snapshot)));
}
console.log(line("declaration tables read again", await publisher.build(withTablesReadAgain(snapshot))));
console.log(`after the builds: ${await memory()}`);
const manifest = (await readManifest(dir))!;
for (const name of ["packages-meta-v1.json.gz", "packages-meta-ext-v1.json.gz"] as const) {
  const path = join(dir, manifest[name]!.file);
  const text = gunzipSync(await readFile(path));
  const chunked = (await stat(path)).size;
  console.log(`${name}: ${(text.length / 1e6).toFixed(1)} MB of text, ${(chunked / 1e6).toFixed(2)} MB in chunks`);
  for (const level of [1, 3, 6, 9]) {
    const cpu = process.cpuUsage();
    const size = gzipSync(text, { level }).length;
    const used = process.cpuUsage(cpu);
    console.log(`  whole, level ${level}: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU, ${(size / 1e6).toFixed(2)} MB (chunks: ${((chunked / size - 1) * 100).toFixed(1)}% larger)`);
  }
}
await close();
