/**
 * How a cell is measured: a warm-up that is not counted (the first requests pay for JIT
 * compilation), then the measured run; and each cell between two ceiling cells at the
 * same connections, its ratio taken against the higher of the two. On a shared machine the
 * speed drifts over a run (seen: the same ceiling at 12,000 and at 22,000 req/s within
 * minutes), so a ratio to a ceiling measured minutes earlier drifts with it; and a single
 * 5 s ceiling cell can dip (seen: 36,921 req/s between cells of 50,000 to 64,000), which
 * must not make the cell beside it pass.
 */
import { load, referenceAnswers, type LoadOptions, type LoadResult, type ReferenceAnswer } from "./load.js";

export interface CellTiming {
  warmupSeconds: number;
  cellSeconds: number;
}

/** What the published figures use. */
export const FULL_CELLS: CellTiming = { warmupSeconds: 1, cellSeconds: 5 };
/** `--quick`: enough to see a regression, not to quote. */
export const QUICK_CELLS: CellTiming = { warmupSeconds: 1, cellSeconds: 2 };

export async function warmAndLoad(
  send: (options: LoadOptions) => Promise<LoadResult>,
  connections: number,
  timing: CellTiming = FULL_CELLS,
): Promise<LoadResult> {
  await send({ connections, durationS: timing.warmupSeconds });
  return send({ connections, durationS: timing.cellSeconds });
}

/** Measures the ceiling around other cells; the ceiling cell after one cell is the one before the next. */
export class CeilingBracket {
  private readonly runs = new Map<number, LoadResult[]>();
  private readonly last = new Map<number, number>();

  private constructor(
    private readonly url: string,
    private readonly answer: ReferenceAnswer[],
    private readonly log: (line: string) => void,
    private readonly timing: CellTiming,
  ) {}

  static async start(url: string, log: (line: string) => void, timing: CellTiming = FULL_CELLS): Promise<CeilingBracket> {
    return new CeilingBracket(url, await referenceAnswers(url, ["/"]), log, timing);
  }

  /** `measure` between two ceiling cells at `connections`, and the higher of their requests/s. */
  async around<T>(connections: number, measure: () => Promise<T>): Promise<{ result: T; ceilingRps: number }> {
    const before = this.last.get(connections) ?? (await this.measureCeiling(connections));
    const result = await measure();
    const after = await this.measureCeiling(connections);
    return { result, ceilingRps: Math.max(before, after) };
  }

  /** The median ceiling cell at `connections`. */
  median(connections: number): LoadResult {
    const runs = [...(this.runs.get(connections) ?? [])].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
    if (runs.length === 0) throw new Error(`no ceiling cell at ${connections} connections`);
    return runs[Math.floor(runs.length / 2)]!;
  }

  private async measureCeiling(connections: number): Promise<number> {
    const run = await warmAndLoad((options) => load(this.url, this.answer, options), connections, this.timing);
    this.runs.set(connections, [...(this.runs.get(connections) ?? []), run]);
    this.last.set(connections, run.requestsPerSec);
    this.log(`ceiling, ${connections} connections: ${run.requestsPerSec.toFixed(0)} req/s`);
    return run.requestsPerSec;
  }
}
