/**
 * JSON logs (pino): one line per request at info level, tied to the request id that is
 * also echoed in the response, so a line in our log can be matched with the proxy's.
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

// An incoming id is copied into a header and a log line, so only short printable ones
// are kept; anything else gets a fresh id rather than being passed along.
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function acceptableRequestId(incoming: string | undefined): string | undefined {
  return incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : undefined;
}

export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

export type RequestLog = (line: RequestLine) => void;

/** What JSON.stringify() changes in a string: quotes, backslashes, controls, surrogates. */
const STRINGIFY_ESCAPES = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s), without its call into the runtime for the usual string (an id, a
 * method, a path) that it would only put between quotes: under load the three calls of
 * each log line cost more than the rest of the line.
 */
function jsonString(s: string): string {
  return STRINGIFY_ESCAPES.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * The request log: the line `logger.info(line, "request")` would write, byte for byte,
 * written straight to the logger's destination. pino serialises an object generically
 * (a walk over its keys, a type check and escape test per value); measured under load
 * that was the largest single cost of answering from memory, several times the cost of
 * the answer itself. The fields here are fixed, so the line is one template.
 */
export function requestLog(logger: Logger): RequestLog {
  if (!logger.isLevelEnabled("info")) return () => {};
  const { streamSym, chindingsSym } = pino.symbols;
  const holder = logger as unknown as Record<symbol, unknown>;
  const stream = holder[streamSym] as DestinationStream;
  // `,"pid":…,"hostname":"…"` and any other bindings, already serialised by pino.
  const bindings = holder[chindingsSym] as string;
  const level = logger.levels.values.info!;
  return (line) =>
    stream.write(
      `{"level":${level},"time":${Date.now()}${bindings},"requestId":${jsonString(line.requestId)},` +
        `"method":${jsonString(line.method)},"path":${jsonString(line.path)},"status":${line.status},` +
        `"durationMs":${line.durationMs},"msg":"request"}\n`,
    );
}
