/**
 * Replays every recorded request of the legacy PHP against the service with the parity
 * tool (recorded answers, no live legacy server) and requires no difference at all:
 * same status, body bytes and headers, or the reviewed deviation for that record
 * (fixtures/legacy-deviations.json). Records where PHP 8 crashed must get a JSON error.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSummary } from "../../tools/parity/report.js";
import { runParity, type ParityResult } from "../../tools/parity/run.js";
import { runCli } from "../schema/support.js";
import type { ScratchDatabase } from "../../support/database.js";
import { BENCH_DATASET, createLegacyDatabase, GOLDEN, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { startService, type RunningService } from "../support/service.js";

const DEVIATIONS = fileURLToPath(new URL("../../fixtures/legacy-deviations.json", import.meta.url));
async function replay(service: RunningService, corpusFile: string, concurrency = 4): Promise<ParityResult> {
  return runParity({ requestsFile: corpusFile, candidate: service.url, deviationsFile: DEVIATIONS, concurrency });
}

function expectNoDifference(result: ParityResult): void {
  const findings = result.findings.map((f) => `${f.id} ${f.method} ${f.path}\n  ${f.class} ${f.where}: expected ${f.expected}\n  got ${f.actual}`);
  expect(findings.join("\n"), formatSummary(result)).toBe("");
  expect(result.php8Fatal.filter((outcome) => !outcome.jsonError)).toEqual([]);
  expect(result.identical).toBe(result.compared);
}

describe("parity with the legacy PHP on the public data set", () => {
  let db: ScratchDatabase;
  let service: RunningService;
  const applied = new Set<string>();
  beforeAll(async () => {
    db = await createLegacyDatabase("parity_public", PUBLIC_DATASET);
    service = await startService(db.url);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it("answers every record of rpc-public.jsonl like the legacy PHP", async () => {
    const result = await replay(service, GOLDEN.public);
    expect(result.requests).toBeGreaterThan(1000);
    expectNoDifference(result);
    for (const id of result.unusedDeviations) applied.add(`unused:${id}`);
  });

  it("passes docs/parity.md's replay of the recorded corpus as written, report directory and all", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "parity-doc-"));
    try {
      const report = path.join(dir, "reports", "golden.json");
      const run = await runCli("tools/cli/parity.ts", ["--candidate", service.url, "--requests", "data/golden/rpc-public.jsonl.gz", "--report", report]);
      expect(run.stderr).toBe("");
      expect(run.stdout).toContain("OK: 0 requests differ");
      expect(run.code).toBe(0);
      expect(JSON.parse(await readFile(report, "utf8")).identical).toBe(1453);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rate-limits like the legacy PHP (limit 5 per 3600 s, rpc-ratelimit.jsonl, in order)", async () => {
    const limited = await startService(db.url, { RATE_LIMIT_REQUESTS: 5, RATE_LIMIT_WINDOW: 3600 });
    try {
      await limited.database.pool.query("DELETE FROM ApiRateLimit");
      const result = await replay(limited, GOLDEN.rateLimit, 1);
      expectNoDifference(result);
      expect(result.deviationsApplied).toBe(1);
    } finally {
      await limited.close();
    }
  });
});

describe("parity with the legacy PHP on the 100K-package data set", () => {
  let db: ScratchDatabase;
  let service: RunningService;
  beforeAll(async () => {
    db = await createLegacyDatabase("parity_bench", BENCH_DATASET);
    service = await startService(db.url);
  }, 300_000);
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it("answers every record of rpc-public-toomany.jsonl like the legacy PHP", async () => {
    expectNoDifference(await replay(service, GOLDEN.tooMany));
  });
});
