import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/log.js";

/** A logger whose JSON lines land in an array, for tests that check what is logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("info", destination), lines };
}
