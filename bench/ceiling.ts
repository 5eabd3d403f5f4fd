/**
 * The ceiling: a bare node:http server that answers every request with the same 1 KB
 * JSON body. No Node service can answer faster on this machine with this load generator,
 * so the service's throughput is reported as a ratio to it, which carries over between
 * machines better than raw requests per second.
 *
 * run.ts starts it as a child process (`node --import tsx bench/ceiling.ts`); it prints
 * the same "listening on" line as the service and runs until it is sent SIGTERM.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

const BODY_BYTES = 1024;
const EMPTY = JSON.stringify({ padding: "" });
const body = Buffer.from(JSON.stringify({ padding: "x".repeat(BODY_BYTES - EMPTY.length) }));

const server = http.createServer((_request, response) => {
  response.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
  response.end(body);
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}/`);
});
