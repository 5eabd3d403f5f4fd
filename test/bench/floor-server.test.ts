/**
 * The bench's floor servers (bench/floor-server.ts): they must give back exactly the
 * answers they were handed, with the ETag and request id made per request, or the floor
 * they measure is not the floor of the service's answers.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFloorServer } from "../../bench/floor.js";
import { FLOOR_KINDS, type FloorAnswer } from "../../bench/floor-server.js";
import { recordAnswer } from "../../bench/load.js";
import type { ServerProcess } from "../../bench/server-process.js";
const BODY = '["lib2geom","lib\\/x"]';
const ANSWER: FloorAnswer = {
  path: "/rpc/?v=5&type=suggest&arg=lib",
  status: 200,
  headers: [
    ["Content-Type", "application/json"],
    ["Expires", "Tue, 11 Oct 1988 22:00:00 GMT"],
  ],
  bodyBase64: Buffer.from(BODY).toString("base64"),
};

describe.each(FLOOR_KINDS)("the %s floor server", (kind) => {
  let directory: string;
  let floor: ServerProcess;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), "floor-test-"));
    const file = path.join(directory, "answers.json");
    await writeFile(file, JSON.stringify([ANSWER]));
    floor = await startFloorServer(kind, file, 2);
  });
  afterAll(async () => {
    await floor?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("gives the recorded answer with an MD5 ETag and a fresh request id", async () => {
    const first = await recordAnswer(new URL(ANSWER.path, floor.url));
    const second = await recordAnswer(new URL(ANSWER.path, floor.url));
    expect(first.body.toString()).toBe(BODY);
    expect(first.reference).toEqual({
      path: ANSWER.path,
      status: 200,
      etag: { header: "ETag", value: `"${createHash("md5").update(BODY).digest("hex")}"` },
      length: BODY.length,
    });
    const names = first.headers.map(([name]) => name);
    expect(names.slice(0, 4)).toEqual(["Content-Type", "Expires", "ETag", "X-Request-Id"]);
    const requestId = (answer: typeof first) => answer.headers.find(([name]) => name === "X-Request-Id")![1];
    expect(requestId(first)).not.toBe(requestId(second));
  });

  it("says so for a request it was not given", async () => {
    expect((await recordAnswer(new URL("/rpc/?v=5&type=suggest&arg=other", floor.url))).reference.status).toBe(404);
  });
});
