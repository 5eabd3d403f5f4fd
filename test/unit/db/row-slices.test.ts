/**
 * A streamed read gives the event loop a turn after each slice of rows (src/db/row-slices.ts),
 * however much of the result the socket already delivered.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEADLINES, DeadlinePool } from "../../../src/db/deadlines.js";
import { SLICE_MS } from "../../../src/db/row-slices.js";
import { createScratchDatabase, type ScratchDatabase } from "../../../support/database.js";

const ROW_MS = 0.1;

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("streamed reads in slices", () => {
  let db: ScratchDatabase;
  let pool: mysql.Pool;

  beforeAll(async () => {
    db = await createScratchDatabase("row_slices");
    pool = mysql.createPool({ uri: db.url, connectionLimit: 1 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it("parses at most a slice of rows in one turn of the event loop, and reads them all in order", async () => {
    // 2000 small rows arrive in one chunk of a few KB: read in one go, they would take
    // 2000 × ROW_MS in a single turn.
    let turn = 0;
    let reading = true;
    const spin = () => {
      turn++;
      if (reading) setImmediate(spin);
    };
    setImmediate(spin);
    const rowsPerTurn = new Map<number, number>();
    const seen: number[] = [];
    await new DeadlinePool(pool, DEFAULT_DEADLINES).streamRows("SELECT seq FROM seq_1_to_2000", [], (row) => {
      busyFor(ROW_MS);
      seen.push(Number(row[0]));
      rowsPerTurn.set(turn, (rowsPerTurn.get(turn) ?? 0) + 1);
    });
    reading = false;
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    // A slice ends at the first clock check past SLICE_MS; checks come every few dozen rows.
    expect(Math.max(...rowsPerTurn.values())).toBeLessThanOrEqual(2 * (SLICE_MS / ROW_MS) + 64);
    expect(rowsPerTurn.size).toBeGreaterThan(10);
    // The connection goes back to the pool resumed: the next query is answered.
    expect(await new DeadlinePool(pool, DEFAULT_DEADLINES).query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
