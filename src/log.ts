/**
 * JSON logs (pino): the logger every part of the service writes to, stdout in blocks.
 * The line each request adds is http/request-log.ts's.
 */
import { writeSync } from "node:fs";
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from "pino";

export type { Logger };

/** Lines are written in blocks of about this many bytes... */
const LOG_BLOCK_BYTES = 8 * 1024;
/** ...or after this long, so a quiet service's lines still appear promptly. */
const LOG_FLUSH_MS = 500;
/** Past this much unwritten log (a reader that stopped reading), new lines are dropped. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * Lines collected into blocks and written synchronously. At tens of thousands of requests
 * a second one write system call per line costs more than answering the request, and
 * pino's own buffered destination re-measures its growing buffer on every line and hands
 * each block to the thread pool; measured, this costs half as much per line.
 *
 * A pipe whose reader falls behind refuses writes (EAGAIN): what it refused waits for the
 * next timed flush rather than being retried, and copied, on every new line; past
 * MAX_PENDING_BYTES new lines are dropped and counted. A reader that is gone (EPIPE)
 * loses the block.
 */
export class BlockDestination implements DestinationStream {
  private lines: string[] = [];
  private lineBytes = 0;
  /** The part of a block the pipe refused, written first at the next timed flush. */
  private unwritten: Buffer | undefined;
  /** Lines dropped because the reader fell too far behind. */
  dropped = 0;

  constructor(private readonly fd: number) {}

  /** Bytes not written yet. */
  get backlog(): number {
    return this.lineBytes + (this.unwritten?.length ?? 0);
  }

  write(line: string): void {
    if (this.lineBytes > MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    this.lines.push(line);
    this.lineBytes += line.length;
    if (this.lineBytes >= LOG_BLOCK_BYTES && this.unwritten === undefined) this.flush();
  }

  flush(): void {
    if (this.unwritten !== undefined && !this.writeOut(this.unwritten)) return;
    if (this.lines.length === 0) return;
    const block = Buffer.from(this.lines.join(""));
    this.lines = [];
    this.lineBytes = 0;
    this.writeOut(block);
  }

  /** False when the pipe is full; what it did not take is kept in `unwritten`. */
  private writeOut(block: Buffer): boolean {
    this.unwritten = undefined;
    try {
      while (block.length > 0) block = block.subarray(writeSync(this.fd, block));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") this.unwritten = block;
      return false;
    }
  }
}

/** stdout in blocks by default; tests pass a destination of their own. */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  if (destination) return pino({ level }, destination);
  const stdout = new BlockDestination(1);
  setInterval(() => stdout.flush(), LOG_FLUSH_MS).unref();
  process.on("exit", () => stdout.flush());
  return pino({ level }, stdout);
}

export const silentLogger: Logger = pino({ level: "silent" });
