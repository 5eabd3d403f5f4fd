import http from "node:http";
import https from "node:https";
import net from "node:net";
import { ParityError } from "./errors.js";
import type { Answer, ReplayRequest } from "./requests.js";

/**
 * One server under comparison. It talks node:http directly rather than fetch because fetch
 * normalises the request target (it would re-encode `é`, `[]` or a stray `%`), and the point
 * is to send every target exactly as it was recorded.
 */
export class ServerClient {
  /** scheme://host:port, for messages and reports. */
  readonly origin: string;
  private readonly hostname: string;
  private readonly port: number;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  /** `label` names the server in messages: "legacy" or "candidate". */
  constructor(
    readonly label: string,
    baseUrl: string,
    concurrency: number,
  ) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new ParityError(`--${label} is not a URL: ${baseUrl}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ParityError(`--${label} must be an http:// or https:// URL: ${baseUrl}`);
    }
    if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
      // Request targets are sent as they are; a base path would have to be glued onto each.
      throw new ParityError(`--${label} must be a server origin without a path, e.g. ${url.origin}`);
    }
    const secure = url.protocol === "https:";
    this.origin = url.origin;
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.port = url.port ? Number(url.port) : secure ? 443 : 80;
    const agentOptions = { keepAlive: true, maxSockets: concurrency };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
  }

  /** Fail early, with a message instead of thousands of per-request errors, when nothing listens. */
  async probe(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.hostname, port: this.port });
      socket.setTimeout(timeoutMs);
      const fail = (reason: string) => {
        socket.destroy();
        reject(new ParityError(`cannot reach the ${this.label} server ${this.origin}: ${reason}`));
      };
      socket.once("connect", () => {
        socket.end();
        resolve();
      });
      socket.once("timeout", () => fail(`no connection within ${timeoutMs} ms`));
      socket.once("error", (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    });
  }

  async send(request: ReplayRequest, timeoutMs: number): Promise<Answer> {
    try {
      return await this.attempt(request, timeoutMs);
    } catch (err) {
      // A server may close an idle keep-alive connection just as a request goes out on it.
      // The request never reached the application, so sending it again is safe.
      if ((err as AttemptError).onReusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") {
        return this.attempt(request, timeoutMs);
      }
      throw err;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private attempt(request: ReplayRequest, timeoutMs: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = this.request(
        {
          hostname: this.hostname,
          port: this.port,
          method: request.method,
          // node:http writes the request line as latin1, one byte per character, so this
          // puts the recorded bytes on the wire unchanged.
          path: request.target.toString("latin1"),
          headers: request.headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", fail);
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headersDistinct), body: Buffer.concat(chunks) });
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      function fail(err: Error) {
        clearTimeout(timer);
        reject(Object.assign(err, { onReusedSocket: req.reusedSocket }));
      }
      req.on("error", fail);
      req.end(request.body ?? undefined);
    });
  }
}

interface AttemptError extends Error {
  onReusedSocket?: boolean;
}

/** The corpus records a header sent once as a string and a repeated one as a list; match that. */
function flattenHeaders(distinct: NodeJS.Dict<string[]>): Answer["headers"] {
  const headers: Answer["headers"] = {};
  for (const [name, values] of Object.entries(distinct)) {
    if (values) headers[name] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return headers;
}
