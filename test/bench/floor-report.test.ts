/**
 * The verdicts of `npm run bench -- --floor` (bench/floor.ts): which server's figure decides
 * whether a target is met, out of reach, or missed by the service's own work.
 */
import { describe, expect, it } from "vitest";
import { floorReport, type FloorCell } from "../../bench/floor.js";

const CEILING = 50_000;

function cell(subject: string, server: FloorCell["server"], requestsPerSec: number): FloorCell {
  return {
    subject,
    answerProblems: [],
    server,
    ceilingRps: CEILING,
    load: { requestsPerSec, p50Ms: 1, p99Ms: 2, maxMs: 3, errors: 0, wrong: 0, total: requestsPerSec * 5 },
  };
}

/** The verdict column of the row for `subject`. */
function verdictOf(cells: FloorCell[], subject: string): string {
  const row = floorReport(cells)
    .split("\n")
    .find((line) => line.startsWith(`| ${subject} |`));
  return row!.split("|").at(-2)!.trim();
}

describe("the floor report", () => {
  it("says met when the service reaches the target, whatever the floors do", () => {
    const cells = [cell("suggest", "node", 60_000), cell("suggest", "hono", 55_000), cell("suggest", "service", 31_000)];
    expect(verdictOf(cells, "suggest")).toBe("met");
  });

  it("gives the service's share of the Hono floor when only the service misses", () => {
    const cells = [cell("suggest-pkgbase", "node", 60_000), cell("suggest-pkgbase", "hono", 50_000), cell("suggest-pkgbase", "service", 35_000)];
    expect(verdictOf(cells, "suggest-pkgbase")).toBe("missed: the service makes 70% of the Hono floor's answers");
  });

  it("puts a target above the bare floor out of reach, and says what hashing each answer costs", () => {
    const cells = [
      cell("search-depends", "node", 1_000),
      cell("search-depends", "hono", 1_000),
      cell("search-depends", "service", 800),
      cell("search-depends", "node-unhashed", 6_000),
    ];
    expect(verdictOf(cells, "search-depends")).toBe(
      "out of reach: above even the bare node:http floor; with the ETag hashed once instead of per answer (a cache of whole answers), 0.120",
    );
    // The unhashed run is no column of the table: it shows only in the verdict.
    expect(floorReport(cells)).not.toContain("6,000");
  });

  it("tells apart a target only Hono's own cost puts out of reach", () => {
    const cells = [cell("info-1", "node", 34_000), cell("info-1", "hono", 31_000), cell("info-1", "service", 30_000)];
    expect(verdictOf(cells, "info-1")).toBe("out of reach on Hono: above its floor");
  });
});
