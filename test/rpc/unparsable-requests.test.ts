/**
 * Requests Node's HTTP parser refuses never reach the app; the server still answers them
 * with a JSON error in the legacy shape, not a bare status line.
 */
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase } from "../../support/legacy-data.js";
import { startService, type RunningService } from "../support/service.js";

let db: ScratchDatabase;
let service: RunningService;

beforeAll(async () => {
  db = await createLegacyDatabase("unparsable");
  service = await startService(db.url);
});
afterAll(async () => {
  await service?.close();
  await db?.drop();
});

function send(raw: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(service.port, "127.0.0.1", () => socket.write(raw));
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

it("answers raw non-ASCII bytes in the request line with a legacy-shaped JSON 400", async () => {
  const answer = await send(
    Buffer.concat([Buffer.from("GET /rpc/?v=5&type=info&arg="), Buffer.from([0xc3, 0xa9]), Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")]),
  );
  const [head, body] = answer.split("\r\n\r\n") as [string, string];
  expect(head).toMatch(/^HTTP\/1\.1 400 /);
  expect(head).toContain("Content-Type: application/json");
  expect(JSON.parse(body)).toEqual({ version: 5, type: "error", resultcount: 0, results: [], error: "Malformed request." });
});

it("answers a request head over the 1 MB limit with a JSON 431", async () => {
  const answer = await send(Buffer.from(`GET /rpc/?v=5&type=search&arg=${"a".repeat(1100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`));
  expect(answer).toMatch(/^HTTP\/1\.1 431 /);
  expect(answer).toContain('"error":"Request too large."');
});
