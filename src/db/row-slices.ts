/**
 * A streamed read shares the process with requests. mysql2 parses whatever the socket
 * delivered at once, and one turn of the event loop reads up to 32 chunks of 64 KB from a
 * socket: a whole PackageBases table at 100K packages, which every request on the process
 * then waited for. So after SLICE_MS of rows the connection is paused (mysql2 keeps the
 * packets it already read and the socket stops reading) and resumed at the next turn,
 * after the I/O that arrived meanwhile.
 */
import type { PoolConnection } from "mysql2";

/** The longest a streamed read parses rows before the event loop goes on. */
export const SLICE_MS = 5;
/** Rows between two looks at the clock: a row takes about a microsecond to parse. */
const ROWS_PER_CLOCK_CHECK = 32;

export class RowSlices {
  private sliceEnds = performance.now() + SLICE_MS;
  private rows = 0;
  private stopped = false;

  constructor(private readonly connection: PoolConnection) {}

  /** After each row: pauses the read when its slice is over. */
  afterRow(): void {
    if (++this.rows % ROWS_PER_CLOCK_CHECK !== 0 || performance.now() < this.sliceEnds) return;
    this.connection.pause();
    setImmediate(() => this.resume());
  }

  /** The read ended or failed: a pending resume must not touch the connection any more. */
  stop(): void {
    this.stopped = true;
  }

  private resume(): void {
    if (this.stopped) return;
    this.sliceEnds = performance.now() + SLICE_MS;
    this.connection.resume();
  }
}
