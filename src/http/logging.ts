/**
 * JSON logs: one line per request at info level, tied to the request id that is also
 * echoed in the response, so a line in our log can be matched with the proxy's.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from "pino";
import { requestHeader, requestTarget } from "./request-target.js";

export type { Logger };

/** Lines are written to stdout in blocks of about this many bytes... */
const LOG_BLOCK_BYTES = 8 * 1024;
/** ...or after this long, so a quiet service's lines still appear promptly. */
const LOG_FLUSH_MS = 500;

/**
 * Buffered stdout by default. At tens of thousands of requests a second, one write system
 * call per line costs more than answering the request; blocks of lines cost a fraction.
 * pino flushes what is pending when the process exits.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  if (destination) return pino({ level }, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BLOCK_BYTES });
  setInterval(() => stdout.flush(), LOG_FLUSH_MS).unref();
  return pino({ level }, stdout);
}

export const silentLogger: Logger = pino({ level: "silent" });

// An incoming id is copied into a header and a log line, so only short printable ones
// are kept; anything else gets a fresh id rather than being passed along.
const ACCEPTABLE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function requestLogging(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const incoming = requestHeader(c, "x-request-id");
    const requestId = incoming !== undefined && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    await next();
    // RPC answers carry it already (routes/rpc-answer.ts puts it in their plain headers:
    // touching c.res.headers would cost the Node adapter its fast path); others get it here.
    if (!c.get("requestIdSent")) c.res.headers.set("X-Request-Id", requestId);
    logger.info(
      {
        requestId,
        method: c.req.method,
        path: requestTarget(c).path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      },
      "request",
    );
  };
}
