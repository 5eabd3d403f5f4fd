/**
 * One archive rebuild at 100K packages, from scratch and after a single vote, in this
 * process, for `node --cpu-prof`: prints each build's wall and CPU time, the longest the
 * event loop waited meanwhile, and what gzip's
 * levels cost on the JSON archives' text.
 *
 *   npx tsx --cpu-prof --cpu-prof-dir=<dir> bench/archives-profile.ts
 */
import { readdir, readFile } from "node:fs/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { openArchiveBench, vote } from "./archive-publisher.js";

const { snapshot, publisher, dir, close } = await openArchiveBench(1, false);
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
  vote(snapshot.bases[i * 1000]!);
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
await close();
