/**
 * Request bodies are bounded as they arrive, chunked or not: past the bound the client gets
 * a JSON 413 before it has sent the rest, a body slower than REQUEST_TIMEOUT_MS a JSON 408,
 * and a client that leaves mid-body is logged and counted as gone (499), not as a failure.
 * Also: a raw `#fragment` in the request target is not part of the query, as with nginx.
 */
import net from "node:net";
import { Writable } from "node:stream";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createLogger } from "../../src/log.js";
import { MAX_BODY_BYTES } from "../../src/http/form.js";
import { createHttpServer } from "../../src/server.js";
import type { ScratchDatabase } from "../../support/database.js";
import { createSeededDatabase } from "../support/seed.js";

const TIMEOUT_MS = 300;

let db: ScratchDatabase;
let database: Database;
let app: App;
let port: number;
let close: () => Promise<void>;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  ({ db } = await createSeededDatabase("request_bodies", async (seed) => {
    await seed.package({ name: "alpha" });
    await seed.package({ name: "beta" });
    return {};
  }));
  database = createDatabase(db.url, { poolSize: 2 });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  app = createApp({
    db: database,
    config: defaultConfig({ RATE_LIMIT_REQUESTS: 0, REQUEST_TIMEOUT_MS: TIMEOUT_MS, DATABASE_URL: db.url }),
    logger: createLogger("debug", destination),
    onError: (error) => lines.push({ level: 50, msg: "unexpected error", err: String(error) }),
  });
  await app.deps.readModel.start();
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
});

afterAll(async () => {
  await close?.();
  await app?.deps.readModel.stop();
  await database?.close();
  await db?.drop();
});

interface RawExchange {
  /** The whole answer as received, head and body. */
  answer: string;
  /** Body bytes the client had written when the first byte of the answer arrived. */
  sentBeforeAnswer: number;
  status: number;
  body: string;
}

function parse(answer: string): { status: number; body: string } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
  const end = answer.indexOf("\r\n\r\n");
  let body = end === -1 ? "" : answer.slice(end + 4);
  // Chunked answers: one chunk is enough for the small JSON errors checked here.
  if (/transfer-encoding: chunked/i.test(answer.slice(0, end))) body = body.slice(body.indexOf("\r\n") + 2, body.lastIndexOf("\r\n0\r\n"));
  return { status, body };
}

/**
 * Sends `head`, then up to `total` body bytes in `chunk`-byte pieces (chunked framing when
 * `chunked`), stopping as soon as the answer starts; resolves when the server closes.
 */
function sendBody(head: string, options: { total: number; chunk?: number; chunked: boolean; deadlineMs?: number }): Promise<RawExchange> {
  const piece = Buffer.alloc(options.chunk ?? 64 * 1024, "arg[]=x&");
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let sent = 0;
    let sentBeforeAnswer = -1;
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${options.deadlineMs ?? 10_000} ms (${sent} bytes sent)`));
    }, options.deadlineMs ?? 10_000);
    const pump = () => {
      while (sentBeforeAnswer === -1 && sent < options.total) {
        sent += piece.length;
        const frame = options.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]) : piece;
        if (!socket.write(frame)) return void socket.once("drain", pump);
      }
      if (sentBeforeAnswer === -1 && options.chunked) socket.write("0\r\n\r\n");
    };
    socket.on("connect", () => {
      socket.write(head);
      pump();
    });
    socket.on("data", (data: Buffer) => {
      if (sentBeforeAnswer === -1) sentBeforeAnswer = sent;
      answer += data.toString("latin1");
    });
    socket.on("error", () => {}); // the server may reset a connection whose body it stopped reading
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, sentBeforeAnswer, ...parse(answer) });
    });
  });
}

const FIFTY_MB = 50 * 1024 * 1024;
const postHead = (path: string, framing: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n${framing}\r\n`;

function expectLegacyError(body: string, message: RegExp): void {
  expect(JSON.parse(body)).toEqual({ version: 5, type: "error", resultcount: 0, results: [], error: expect.stringMatching(message) });
}

describe("bodies past the bound", () => {
  for (const path of ["/rpc/v5/info", "/rpc/", "/rpc"]) {
    it(`a 50 MB chunked form to ${path}: a JSON 413 before the rest is sent, then the connection closes`, async () => {
      const exchange = await sendBody(postHead(path, "Transfer-Encoding: chunked\r\n"), { total: FIFTY_MB, chunked: true });
      expect(exchange.status, exchange.answer.slice(0, 300)).toBe(413);
      expectLegacyError(exchange.body, /too large/);
      expect(exchange.answer).toMatch(/\r\nconnection: close\r\n/i);
      // The bound plus what the sockets' buffers held: nowhere near the 50 MB.
      expect(exchange.sentBeforeAnswer).toBeGreaterThan(MAX_BODY_BYTES);
      expect(exchange.sentBeforeAnswer).toBeLessThan(MAX_BODY_BYTES + 16 * 1024 * 1024);
    });
  }

  it("a Content-Length past the bound is refused before any of the body is read", async () => {
    const exchange = await sendBody(postHead("/rpc/", `Content-Length: ${FIFTY_MB}\r\n`), { total: 0, chunked: false });
    expect(exchange.status).toBe(413);
    expectLegacyError(exchange.body, /too large/);
  });

  it("a body within the bound is read whole, chunked too", async () => {
    const body = "v=5&type=info&arg[]=alpha&arg[]=beta";
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const exchange = await sendBody(postHead("/rpc/", "Transfer-Encoding: chunked\r\nConnection: close\r\n") + chunked, { total: 0, chunked: false });
    expect(exchange.status).toBe(200);
    expect((JSON.parse(exchange.body) as { results: { Name: string }[] }).results.map((r) => r.Name).sort()).toEqual(["alpha", "beta"]);
  });
});

describe("bodies that arrive too slowly or not at all", () => {
  it("a body still arriving after REQUEST_TIMEOUT_MS gets a JSON 408, not a 503", async () => {
    for (const path of ["/rpc/", "/rpc/v5/info"]) {
      const started = Date.now();
      // Half the body, then nothing.
      const exchange = await sendBody(postHead(path, "Content-Length: 100\r\n"), { total: 50, chunk: 50, chunked: false });
      expect(exchange.status, exchange.answer.slice(0, 300)).toBe(408);
      expectLegacyError(exchange.body, /did not arrive in time/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    }
  });

  it("a client that leaves mid-body is logged as gone (499), not as an error, and not counted as a 500", async () => {
    const before = lines.length;
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(postHead("/rpc/v5/info", "Content-Length: 100000\r\n") + "arg[]=alpha&");
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on("close", () => resolve());
    });
    const deadline = Date.now() + 5000;
    while (!lines.slice(before).some((l) => l.msg === "request") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const logged = lines.slice(before);
    expect(logged.find((l) => l.msg === "request")).toMatchObject({ method: "POST", path: "/rpc/v5/info", status: 499, level: 30 });
    expect(logged.filter((l) => Number(l.level) >= 50)).toEqual([]);
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toMatch(/aurweb_rpc_requests_total\{type="other",status="499"\} 1/);
    expect(metrics).not.toMatch(/status="500"/);
  });
});

describe("a raw #fragment in the request target", () => {
  const get = (target: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      let answer = "";
      const socket = net.connect(port, "127.0.0.1", () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      socket.on("data", (data: Buffer) => (answer += data.toString("latin1")));
      socket.on("error", reject);
      socket.on("close", () => resolve(parse(answer)));
    });
  const names = async (target: string) => {
    const answer = await get(target);
    expect(answer.status).toBe(200);
    return (JSON.parse(answer.body) as { results: { Name: string }[] }).results.map((r) => r.Name);
  };

  it("is not part of the query: nginx passed PHP the query up to the #", async () => {
    expect(await names("/rpc/?v=5&type=info&arg=alpha#bar")).toEqual(["alpha"]);
    expect(await names("/rpc/?v=5&type=info&arg[]=alpha#&arg[]=beta")).toEqual(["alpha"]);
    expect(await names("/rpc/v5/info/alpha#beta")).toEqual(["alpha"]);
    expect(await names("/rpc/v5/search/alph?by=name#x")).toEqual(["alpha"]);
  });

  it("ends the path too: `/rpc#x?...` is /rpc without a query, its documentation page", async () => {
    const answer = await get("/rpc#x?v=5&type=info&arg=alpha");
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain('"resultcount"');
  });
});
