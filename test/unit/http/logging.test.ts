/**
 * The block destination behind the request log, on a real pipe whose reader is not
 * reading yet: Node's pipes are non-blocking, so a full one refuses writes (EAGAIN).
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { requestLog } from "../../../src/http/request-log.js";
import { BlockDestination, createLogger } from "../../../src/log.js";

describe("BlockDestination", () => {
  it("keeps what a full pipe refuses, without failing a write, and delivers it all later", async () => {
    // Reads nothing for a second, then counts the bytes it gets.
    const reader = spawn("sh", ["-c", "sleep 1; wc -c"], { stdio: ["pipe", "pipe", "ignore"] });
    let counted = "";
    reader.stdout.on("data", (chunk: Buffer) => (counted += chunk.toString()));
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const destination = new BlockDestination(fd);

    const line = `${"x".repeat(199)}\n`;
    const lines = 4000; // 800 KB, far more than a pipe holds
    const started = performance.now();
    for (let i = 0; i < lines; i++) destination.write(line);
    // The writes neither blocked nor retried the backlog on every line.
    expect(performance.now() - started).toBeLessThan(500);

    expect(destination.backlog).toBeGreaterThan(0);

    await sleep(1100); // the reader reads now; timed flushes deliver the rest
    for (let i = 0; i < 150 && destination.backlog > 0; i++) {
      destination.flush();
      await sleep(20);
    }
    expect(destination.backlog).toBe(0);
    reader.stdin.end();
    await new Promise((resolve) => reader.once("exit", resolve));
    expect(Number(counted.trim())).toBe(lines * line.length);
    expect(destination.dropped).toBe(0);
  });
});

describe("requestLog", () => {
  it.each([
    ["plain text", { requestId: "0f8a-11", method: "GET", path: "/rpc/", status: 200, durationMs: 0.125 }],
    ["non-ASCII left as it is", { requestId: "x", method: "GET", path: "/rpc/\u00e9\u{1f600}", status: 404, durationMs: 3 }],
    ["characters JSON escapes", { requestId: 'id"\\\u0001', method: "GET", path: "/rpc/\u00e9\n", status: 200, durationMs: 0.125 }],
  ])("writes the line pino would write for logger.info(line, \"request\"): %s", (_, line) => {
    const written: string[] = [];
    const logger = createLogger("info", { write: (text: string) => void written.push(text) });
    logger.info(line, "request");
    requestLog(logger)(line);
    const [fromPino, fromTemplate] = written.map((l) => l.replace(/"time":\d+/, '"time":0'));
    expect(fromPino).toMatch(/^\{"level":30,"time":0,"pid":\d+,"hostname":/);
    expect(fromTemplate).toBe(fromPino);
  });

  it("writes nothing when info is not logged", () => {
    const written: string[] = [];
    const logger = createLogger("warn", { write: (line: string) => void written.push(line) });
    requestLog(logger)({ requestId: "x", method: "GET", path: "/", status: 200, durationMs: 1 });
    expect(written).toEqual([]);
  });
});
