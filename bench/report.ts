/**
 * The results table (Markdown, so a run can go into docs/performance.md as printed) and
 * the targets of issue 8. Throughput targets are ratios to the ceiling measured in the
 * same run, just before and just after each cell, because absolute figures depend on the
 * machine (and on a shared machine, on the minute); they were derived from the
 * Go service's figures on a 2-core machine over the ceiling there (49,268 req/s).
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import type { ChangeCost, DatabaseUse, UpdateCost } from "./freshness-cost.js";
import type { LoadResult } from "./load.js";
import type { LimitOn } from "./rate-limit-cells.js";
import type { Memory } from "./server-process.js";

interface Target {
  /** Minimum requests/s as a fraction of the ceiling's at the same connections. */
  ratio?: number;
  /** Minimum requests/s, absolute. */
  requestsPerSec?: number;
  maxP99Ms: number;
}

/** Targets apply at this many connections; the other level is there to show the trend. */
export const TARGET_CONNECTIONS = 50;
const PEAK_RSS_TARGET_MB = 500;

/** With the rate limit on at its default, either store, at 50 connections: this share of the limit-off requests/s. */
export const LIMIT_ON_RATIO = 0.85;

const INFO_P99_MS = 15;
const SEARCH_P99_MS = 150;

const TARGETS: Record<string, Target> = {
  "info-1": { ratio: 0.65, maxP99Ms: INFO_P99_MS },
  "info-20": { ratio: 0.2, maxP99Ms: INFO_P99_MS },
  "search-name-desc": { ratio: 0.034, maxP99Ms: SEARCH_P99_MS },
  "search-name": { ratio: 0.065, maxP99Ms: SEARCH_P99_MS },
  "search-maintainer": { ratio: 0.15, maxP99Ms: SEARCH_P99_MS },
  "search-depends": { ratio: 0.06, maxP99Ms: SEARCH_P99_MS },
  suggest: { ratio: 0.6, maxP99Ms: INFO_P99_MS },
  "suggest-pkgbase": { ratio: 0.8, maxP99Ms: INFO_P99_MS },
  "search-provides": { maxP99Ms: SEARCH_P99_MS },
  "search-keywords": { maxP99Ms: SEARCH_P99_MS },
  // Ten times the Go service's 167 req/s on a single name-desc search.
  "mix-name-desc": { requestsPerSec: 1670, maxP99Ms: SEARCH_P99_MS },
  "mix-info": { maxP99Ms: INFO_P99_MS },
};

/** The subject's throughput target as a ratio to the ceiling, if it has one. */
export function ratioTarget(subject: string): number | undefined {
  return TARGETS[subject]?.ratio;
}

export interface Cell {
  subject: string;
  connections: number;
  load: LoadResult;
  /** The ceiling's requests/s at the same connections: the higher of the cells just before and after this one. */
  ceilingRps: number;
  /** The service's use of the database during the cell (none for the ceiling). */
  db?: DatabaseUse;
  /** Problems found in the subject's answers before the load; empty when they were right. */
  answerProblems: string[];
  /** The same requests with the rate limit on at its default, in rounds with limit-off cells (at 50 connections). */
  limitOn?: LimitOn;
}

function describeTarget(target: Target | undefined): string {
  if (!target) return "";
  const parts: string[] = [];
  if (target.ratio !== undefined) parts.push(`≥ ${target.ratio} × ceiling`);
  if (target.requestsPerSec !== undefined) parts.push(`≥ ${target.requestsPerSec} req/s`);
  parts.push(`p99 ≤ ${target.maxP99Ms} ms`);
  return parts.join(", ");
}

/** What misses its target in a cell; empty when it meets it. Wrong or failed answers always count. */
function shortfalls(cell: Cell): string[] {
  const { load } = cell;
  const misses: string[] = [];
  if (cell.answerProblems.length > 0) misses.push("wrong answers");
  if (load.errors > 0) misses.push("errors");
  if (load.wrong > 0) misses.push("wrong answers under load");
  const target = TARGETS[cell.subject];
  if (!target || cell.connections !== TARGET_CONNECTIONS) return misses;
  if (target.ratio !== undefined && load.requestsPerSec < target.ratio * cell.ceilingRps) misses.push("throughput");
  if (target.requestsPerSec !== undefined && load.requestsPerSec < target.requestsPerSec) misses.push("throughput");
  if (load.p99Ms > target.maxP99Ms) misses.push("p99");
  return misses;
}

/** What misses the limit-on target in a cell; empty when it meets it. */
function limitOnShortfalls(cell: Cell): string[] {
  if (!cell.limitOn) return [];
  const misses: string[] = [];
  for (const [store, limited] of [["table", cell.limitOn.table], ["Redis", cell.limitOn.redis]] as const) {
    if (limited.load.errors > 0 || limited.load.wrong > 0) misses.push(`${store}: errors or wrong answers`);
    if (limited.load.requestsPerSec < LIMIT_ON_RATIO * cell.limitOn.offRequestsPerSec) misses.push(`${store}: throughput`);
  }
  return misses;
}

function limitOnTable(cells: Cell[]): string {
  const rows = cells.filter((cell) => cell.limitOn);
  if (rows.length === 0) return "";
  const header = [
    `Rate limit on at its default (RATE_LIMIT_REQUESTS=4000 a day per address), ${TARGET_CONNECTIONS} connections, three rounds ` +
      "of a limit-off, a table and a Redis cell, each figure the median of its three cells; store statements/s (table) and commands/s (Redis), and the addresses read/s on their first " +
      "request to a worker (each such request waited for its read), from the service's own counters:",
    "",
    "| request | limit off req/s | table req/s | × off | p99 ms | statements/s | reads/s | Redis req/s | × off | p99 ms | commands/s | reads/s | target | result |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  const lines = rows.map((cell) => {
    const { table, redis, offRequestsPerSec: off } = cell.limitOn!;
    const misses = limitOnShortfalls(cell);
    return `| ${[
      cell.subject,
      number(off),
      number(table.load.requestsPerSec),
      number(table.load.requestsPerSec / off, 2),
      table.load.p99Ms,
      number(table.storeStatementsPerSec),
      number(table.addressesReadPerSec),
      number(redis.load.requestsPerSec),
      number(redis.load.requestsPerSec / off, 2),
      redis.load.p99Ms,
      number(redis.storeStatementsPerSec),
      number(redis.addressesReadPerSec),
      `≥ ${LIMIT_ON_RATIO} × off`,
      misses.length > 0 ? `FAIL (${misses.join(", ")})` : "PASS",
    ].join(" | ")} |`;
  });
  return ["", ...header, ...lines].join("\n");
}

function verdict(cell: Cell): string {
  const misses = shortfalls(cell);
  if (misses.length > 0) return `FAIL (${misses.join(", ")})`;
  return TARGETS[cell.subject] && cell.connections === TARGET_CONNECTIONS ? "PASS" : "";
}

const number = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function resultsTable(cells: Cell[]): string {
  const header = [
    "| request | conns | req/s | p50 ms | p99 ms | errors / wrong | ceiling req/s | × ceiling | DB statements/s | target at 50 conns | result |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  const lines = cells.map((cell) => {
    const { load } = cell;
    const columns = [
      cell.subject,
      cell.connections,
      number(load.requestsPerSec),
      load.p50Ms,
      load.p99Ms,
      `${load.errors} / ${load.wrong}`,
      number(cell.ceilingRps),
      number(load.requestsPerSec / cell.ceilingRps, 3),
      cell.db ? number(perSecond(cell.db.statements, cell.db), 1) : "",
      cell.connections === TARGET_CONNECTIONS ? describeTarget(TARGETS[cell.subject]) : "",
      verdict(cell),
    ];
    return `| ${columns.join(" | ")} |`;
  });
  return [...header, ...lines].join("\n");
}

/** The machine, its load and how cells were measured: the first line of every report. */
export function machineLine(run: { loadAverageAtStart: number; cellSeconds: number; warmupSeconds: number }): string {
  return (
    `Machine: ${availableParallelism()} cores (nproc), ${cpus()[0]?.model.trim()}, Node ${process.version}; ` +
    `load average ${run.loadAverageAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end. ` +
    `Load: wrk (one thread) in its own process, ${run.cellSeconds} s per cell after a ${run.warmupSeconds} s warm-up; ` +
    "every answer under load is checked against the verified one (status, ETag, length)."
  );
}

export interface Run {
  /** The machine's 1-minute load average when the run started: other work skews the figures. */
  loadAverageAtStart: number;
  database: { name: string; packages: number };
  startupMs: number;
  cellSeconds: number;
  warmupSeconds: number;
  refreshIntervalMs: number;
  cells: Cell[];
  memory: Memory;
  /** The freshness measurements, left out by `--quick`. */
  freshness?: {
    idle: DatabaseUse;
    change: ChangeCost;
    update: UpdateCost & { subject: string; connections: number };
  };
}

const size = (bytes: number) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
const perSecond = (amount: number, use: DatabaseUse) => amount / use.seconds;

export function runReport(run: Run): string {
  const { cells, memory, freshness } = run;
  const missed = cells.filter((cell) => shortfalls(cell).length > 0).map((cell) => `${cell.subject} at ${cell.connections} connections`);
  missed.push(...cells.filter((cell) => limitOnShortfalls(cell).length > 0).map((cell) => `${cell.subject} with the rate limit on`));
  const rssMet = memory.peakRssMb <= PEAK_RSS_TARGET_MB;
  if (!rssMet) missed.push("peak RSS");
  const loaded = cells.flatMap((cell) => (cell.db ? [cell.db] : []));
  return [
    machineLine(run),
    `Data set: ${run.database.name}, ${number(run.database.packages)} packages. ` +
      `Service start-up (process start to listening): ${(run.startupMs / 1000).toFixed(1)} s.`,
    "",
    resultsTable(cells),
    limitOnTable(cells),
    "",
    `Service memory (${memory.processes} process${memory.processes > 1 ? "es: the cluster primary and its workers" : ""}): ` +
      `peak RSS (VmHWM) of the largest over the whole run, the package uploads included, ${memory.peakRssMb.toFixed(0)} MB ` +
      `(target ≤ ${PEAK_RSS_TARGET_MB} MB per process: ${rssMet ? "PASS" : "FAIL"}), its RSS at the end ${memory.rssMb.toFixed(0)} MB, ` +
      `all processes together ${memory.totalRssMb.toFixed(0)} MB.`,
    freshness ? freshnessReport(run.refreshIntervalMs, loaded, freshness) : "Freshness and uploads not measured (--quick).",
    missed.length === 0 ? "All targets met." : `Missed targets: ${missed.join("; ")}.`,
  ].join("\n");
}

function freshnessReport(refreshIntervalMs: number, loaded: DatabaseUse[], { idle, change, update }: NonNullable<Run["freshness"]>): string {
  const range = (rates: number[]) => `${number(Math.min(...rates), 1)} to ${number(Math.max(...rates), 1)}`;
  return [
    `Keeping fresh (REFRESH_INTERVAL_MS=${refreshIntervalMs}): idle, the service sent ${number(perSecond(idle.statements, idle), 1)} ` +
      `statements/s and received ${size(idle.bytesReceived)} in ${idle.seconds.toFixed(0)} s (MariaDB counted ` +
      `${number(perSecond(idle.serverQuestions, idle), 1)} Questions/s from all its clients); under load ` +
      `${range(loaded.map((use) => perSecond(use.statements, use)))} statements/s ` +
      `(MariaDB: ${range(loaded.map((use) => perSecond(use.serverQuestions, use)))} Questions/s).`,
    `One vote (UPDATE PackageBases) was in the answers ${change.visibleAfterMs.toFixed(0)} ms after its commit. In the ` +
      `${change.use.seconds.toFixed(0)} s from the write the service sent ${change.use.statements} statements and received ` +
      `${size(change.use.bytesReceived)}; of ${change.polls.requests} info requests sent meanwhile (keep-alive), the slowest took ` +
      `${change.polls.slowestMs.toFixed(0)} ms and ${change.polls.failed} failed.`,
    `${update.visibleAfterMs.length} uploads of one package base, written as the legacy site writes them (its packages deleted and ` +
      `inserted again with new IDs: a new snapshot each), one after another under load (${update.subject}, ` +
      `${update.connections} connections, ${update.loadSeconds} s around the writes), were in the answers ` +
      `${update.visibleAfterMs.map((ms) => ms.toFixed(0)).join(", ")} ms after their commits; the load meanwhile: ` +
      `${number(update.load.requestsPerSec)} req/s, p99 ${update.load.p99Ms} ms, slowest ${update.load.maxMs} ms, ` +
      `${update.load.errors} errors / ${update.load.wrong} wrong.`,
  ].join("\n");
}
