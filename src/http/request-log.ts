/**
 * The request log: one line per request at info level, tied to the request id that is
 * also echoed in the response, so a line in our log can be matched with the proxy's.
 */
import { pino, type DestinationStream } from "pino";
import type { Logger } from "../log.js";

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
