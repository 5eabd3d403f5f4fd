/**
 * Reads a request body with a bound on its size, counted as the bytes arrive, whether the
 * client declared a Content-Length or sent it chunked: past the bound reading stops and
 * nothing more is kept, so a client cannot make a process hold more than the bound. The
 * body is held to the request's deadline (REQUEST_TIMEOUT_MS), and a client that goes away
 * before its body is complete is told apart from a failure of the service.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { requestHeader } from "./request-target.js";
import { RequestTimeout } from "./timeout.js";

/**
 * Status of a request whose client closed the connection before its body arrived. Never
 * sent (nobody is left to read it); it is what the request log and the metrics record,
 * nginx's "client closed request", so such a request is not counted as a failure.
 */
const CLIENT_CLOSED_REQUEST = 499;

/** Why a body was not read; `status` is the answer to give. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | typeof CLIENT_CLOSED_REQUEST,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

function bodyTooLarge(limit: number): BodyError {
  return new BodyError(413, `Request body too large: at most ${limit} bytes are read.`);
}

const TOO_SLOW = "The request body did not arrive in time.";
const CLIENT_GONE = "The client closed the connection before its request body arrived.";

/** A read in progress, and how to stop it when the deadline passes first. */
interface Reading {
  body: Promise<Buffer>;
  stop(): void;
}

/**
 * The whole body of the request `c` answers, or a BodyError: 413 past `limit` bytes (at
 * once when Content-Length says so), 408 past the request's deadline, CLIENT_CLOSED_REQUEST
 * when the client went away first.
 */
export function readBody(c: Context<AppEnv>, limit: number): Promise<Buffer> {
  const declared = requestHeader(c, "content-length");
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(bodyTooLarge(limit));
  const reading = c.env.incoming ? readIncoming(c.env.incoming, limit) : readStream(c.req.raw, limit);
  return c.env.deps.deadlines.within(reading.body, c.env.startedAt).catch((error: unknown) => {
    if (!(error instanceof RequestTimeout)) throw error;
    reading.stop();
    throw new BodyError(408, TOO_SLOW);
  });
}

/** From the Node request, chunk by chunk: nothing past the limit is kept or read. */
function readIncoming(incoming: IncomingMessage, limit: number): Reading {
  let stop = () => {};
  const body = new Promise<Buffer>((resolve, reject) => {
    if (incoming.readableEnded) return resolve(Buffer.alloc(0));
    if (incoming.destroyed) return reject(new BodyError(CLIENT_CLOSED_REQUEST, CLIENT_GONE));
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onGone);
      incoming.off("close", onGone);
    };
    stop = () => {
      done();
      incoming.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      reject(bodyTooLarge(limit));
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    // Node reports a connection closed mid-body as an "aborted" error, then "close".
    const onGone = () => {
      done();
      reject(new BodyError(CLIENT_CLOSED_REQUEST, CLIENT_GONE));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onGone);
    incoming.on("close", onGone);
  });
  return { body, stop: () => stop() };
}

/** From a Fetch Request (the app run in process, in tests), with the same bound. */
function readStream(request: Request, limit: number): Reading {
  if (request.body === null) return { body: Promise.resolve(Buffer.alloc(0)), stop: () => {} };
  const reader = request.body.getReader();
  const read = async (): Promise<Buffer> => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, size);
      size += value.byteLength;
      if (size > limit) {
        void reader.cancel();
        throw bodyTooLarge(limit);
      }
      chunks.push(value);
    }
  };
  return { body: read(), stop: () => void reader.cancel().catch(() => {}) };
}
