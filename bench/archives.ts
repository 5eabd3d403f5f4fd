/**
 * What the metadata archives cost: one rebuild's CPU time, wall time and memory at 100K
 * and 400K packages (built in this process from a loaded read model), and, against the
 * service as `npm start` runs it, info-1's latency at 50 connections while the archives
 * are rebuilt after changes (a vote a second) beside the same load without changes, in
 * alternating pairs, the service's memory after them (the largest process is the builder),
 * and the archive requests' own throughput.
 *
 *   npm run bench:archives [-- --scales 1,4] [--seconds <s>] [--port <n>]
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type mysql from "mysql2/promise";
import { parseCommandLine } from "../tools/cli/args.js";
import { fullCollection } from "../src/readmodel/full-collection.js";
import { openArchiveBench, vote } from "./archive-publisher.js";
import { connect, prepareDatabase } from "./dataset.js";
import { checkLoadGenerator, load, referenceAnswers } from "./load.js";
import { startServerProcess, untilArchivesBuilt } from "./server-process.js";

const USAGE = `usage: npm run bench:archives [-- --scales 1,4] [--seconds 10] [--port 0]

  --scales <list>  data set sizes for the rebuild cost, in 100K packages (default 1,4)
  --seconds <s>    length of each load cell (default 10)
  --port <n>       the service's port (default 0: any free one)`;

const SERVICE_MAIN = new URL("../dist/src/main.js", import.meta.url).pathname;

async function liveMb(): Promise<number> {
  for (let i = 0; i < 4; i++) await fullCollection();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1e6;
}

interface RebuildCost {
  packages: number;
  wallMs: number;
  cpuMs: number;
  /** Highest heap + array buffers during the build, above what was live before it. */
  peakExtraMb: number;
  rssGrowthMb: number;
  sizesMb: string;
}

async function rebuildCost(scale: number): Promise<RebuildCost> {
  const { snapshot, publisher, dir, close } = await openArchiveBench(scale, true);
  try {
    // The first build writes everything; the one measured is a second, after a change, as a live service builds.
    await publisher.build(snapshot);
    // As the read model patches a vote in: the base's revision tells encoded rows they are stale.
    vote(snapshot.bases[0]!);
    const before = await liveMb();
    const rssBefore = process.memoryUsage().rss / 1e6;
    let peak = before;
    const sampler = setInterval(() => {
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      peak = Math.max(peak, (heapUsed + arrayBuffers) / 1e6);
    }, 5);
    const report = await publisher.build(snapshot);
    clearInterval(sampler);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".gz"));
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
    return {
      packages: snapshot.packages.length,
      wallMs: report.durationMs,
      cpuMs: report.cpuMs,
      peakExtraMb: peak - before,
      rssGrowthMb: process.memoryUsage().rss / 1e6 - rssBefore,
      sizesMb: (sizes.reduce((a, b) => a + b, 0) / 1e6).toFixed(1),
    };
  } finally {
    await close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseCommandLine(process.argv.slice(2), USAGE, {
    scales: { type: "string", default: "1,4" },
    seconds: { type: "string", default: "10" },
    port: { type: "string", default: "0" },
  });
  const seconds = Number(values.seconds);
  checkLoadGenerator();
  const rows: string[] = [];

  // Load cells first, on the 100K set, against the service as it runs in production.
  const database = await prepareDatabase(1, false, (line) => console.log(`· ${line}`));
  const connection: mysql.Connection = await connect(database.url);
  const service = await startServerProcess(
    "service",
    [SERVICE_MAIN],
    { DATABASE_URL: database.url, PORT: values.port, HOST: "127.0.0.1", RATE_LIMIT_REQUESTS: "0" },
    600_000,
  );
  try {
    await untilArchivesBuilt(service);
    const info = await referenceAnswers(service.url, ["/rpc/?v=5&type=info&arg[]=python3-numpy"]);
    const cells: { label: string; p99: number[]; rps: number[] }[] = [
      { label: "info-1, 50 connections, no changes", p99: [], rps: [] },
      { label: "info-1, 50 connections, a vote a second (archives rebuilt)", p99: [], rps: [] },
    ];
    let changing = false;
    let voting = true;
    const voter = (async () => {
      while (voting) {
        if (changing) await connection.query("UPDATE PackageBases SET NumVotes = NumVotes + 1 WHERE ID = (SELECT MIN(ID) FROM PackageBases)");
        await sleep(1000);
      }
    })();
    for (let pair = 0; pair < 2; pair++) {
      for (const [index, cell] of cells.entries()) {
        changing = index === 1;
        if (changing) await sleep(3000);
        const result = await load(service.url, info, { connections: 50, durationS: seconds });
        cell.p99.push(result.p99Ms);
        cell.rps.push(result.requestsPerSec);
        changing = false;
        await sleep(6000);
      }
    }
    voting = false;
    await voter;
    const memory = await service.memory();
    rows.push(
      `service after the cells: ${memory.processes} processes, largest RSS ${memory.rssMb.toFixed(0)} MB (peak ${memory.peakRssMb.toFixed(0)} MB), all together ${memory.totalRssMb.toFixed(0)} MB`,
      "",
    );
    rows.push("| cell | info-1 p99 (ms), each run | requests/s, each run |", "| --- | --- | --- |");
    for (const cell of cells) rows.push(`| ${cell.label} | ${cell.p99.join(", ")} | ${cell.rps.map((r) => Math.round(r)).join(", ")} |`);
    rows.push("", "| archive request | connections | requests/s | p99 (ms) | MB/s |", "| --- | --- | --- | --- | --- |");
    for (const [path, connections] of [["/packages.gz", 10], ["/packages-meta-ext-v1.json.gz", 4], ["/packages.gz.sha256", 50]] as const) {
      const answers = await referenceAnswers(service.url, [path]);
      const result = await load(service.url, answers, { connections, durationS: seconds });
      const mbs = (result.requestsPerSec * answers[0]!.length) / 1e6;
      rows.push(`| ${path} | ${connections} | ${Math.round(result.requestsPerSec)} | ${result.p99Ms} | ${mbs.toFixed(0)} |`);
    }
  } finally {
    await service.stop();
    await connection.end();
  }

  console.log(`\n${rows.join("\n")}\n`);
  console.log("| packages | rebuild wall (ms) | rebuild CPU (ms) | heap + buffers above live, peak (MB) | RSS growth (MB) | archives (MB, gzip) |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const scale of values.scales.split(",").map(Number)) {
    const cost = await rebuildCost(scale);
    console.log(
      `| ${cost.packages.toLocaleString("en-US")} | ${Math.round(cost.wallMs)} | ${Math.round(cost.cpuMs)} | ${cost.peakExtraMb.toFixed(1)} | ${cost.rssGrowthMb.toFixed(1)} | ${cost.sizesMb} |`,
    );
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
