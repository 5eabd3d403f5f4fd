import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GOLDEN } from "../../tools/reference-data.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParityError } from "../../tools/parity/errors.js";
import { detectFormat, loadRequests, readAccessLog, readCorpus, showTarget } from "../../tools/parity/requests.js";

const GOLDEN_CORPUS = GOLDEN.public;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "parity-requests-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("detectFormat", () => {
  it("recognises each format from its first line", () => {
    expect(detectFormat("# comment\n/rpc/?v=5&type=info&arg=x\n", "f")).toBe("paths");
    expect(detectFormat('{"id":"a"}\n', "f")).toBe("jsonl");
    expect(
      detectFormat('10.0.0.1 - - [23/Nov/2026:18:53:00 +0000] "GET /rpc HTTP/1.1" 200 12 "-" "curl/8"\n', "f"),
    ).toBe("access-log");
  });

  it("refuses what it cannot recognise", () => {
    expect(() => detectFormat("hello\n", "f")).toThrow(ParityError);
    expect(() => detectFormat("\n\n", "f")).toThrow(/no requests/);
  });
});

describe("readAccessLog", () => {
  const entry = (request: string) =>
    `192.0.2.7 - - [23/Nov/2026:18:53:00 +0000] "${request}" 200 512 "-" "yay/12.0 (https://example.org)"`;

  it("keeps GET and HEAD under the prefix and counts what it leaves out", () => {
    const log = [
      entry("GET /rpc/?v=5&type=info&arg[]=a HTTP/1.1"),
      entry("HEAD /rpc.php?v=5&type=search&arg=b HTTP/1.1"),
      entry("POST /rpc/ HTTP/1.1"),
      entry("GET /packages/?K=a HTTP/2.0"),
      entry("-"),
      "garbage",
      "",
      // Extra fields after the combined ones, as in a custom format extending it.
      `${entry("GET /rpc?type=suggest&arg=c HTTP/1.1")} 0.004 "upstream"`,
    ].join("\n");
    const { requests, skipped } = readAccessLog(log, "/rpc");
    expect(requests.map((r) => [r.id, r.method, r.target.toString("latin1")])).toEqual([
      ["line-1", "GET", "/rpc/?v=5&type=info&arg[]=a"],
      ["line-2", "HEAD", "/rpc.php?v=5&type=search&arg=b"],
      ["line-8", "GET", "/rpc?type=suggest&arg=c"],
    ]);
    expect(skipped).toEqual({ method: 1, prefix: 1, unparsed: 2 });
  });

  it("undoes nginx's \\xHH escaping to get the bytes the client sent", () => {
    const { requests } = readAccessLog(entry("GET /rpc?arg=caf\\xC3\\xA9&q=\\x22x\\x22 HTTP/1.1"), "/rpc");
    expect(requests[0]?.target).toEqual(Buffer.from('/rpc?arg=café&q="x"', "utf8"));
    expect(showTarget(requests[0]!.target)).toBe('/rpc?arg=caf\\xC3\\xA9&q="x"');
  });
});

describe("readCorpus", () => {
  const record = {
    id: "r1",
    method: "POST",
    path: "/rpc/",
    req_headers: { Host: "127.0.0.1:8801", "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "3", Connection: "close" },
    req_body: "a=b",
    status: 405,
    headers: { "content-type": "text/html" },
    body: null,
    body_b64: Buffer.from([0xff, 0x00]).toString("base64"),
  };

  it("reads a record, dropping the recording's connection headers and decoding body_b64", () => {
    const [request] = readCorpus(JSON.stringify(record) + "\n", "c.jsonl");
    expect(request).toMatchObject({ id: "r1", method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(request?.body?.toString()).toBe("a=b");
    expect(request?.recorded?.body).toEqual(Buffer.from([0xff, 0x00]));
    expect(request?.php8Fatal).toBe(false);
  });

  it("names the file, line and field of a bad record", () => {
    const bad = JSON.stringify({ ...record, status: "405" });
    expect(() => readCorpus(`${JSON.stringify(record)}\n${bad}\n`, "c.jsonl")).toThrow("c.jsonl line 2: not a corpus record (status:");
    expect(() => readCorpus("{oops\n", "c.jsonl")).toThrow("c.jsonl line 1: not valid JSON");
  });

  it("reads the whole golden corpus", async () => {
    const { format, requests } = await loadRequests(GOLDEN_CORPUS, "/rpc");
    expect(format).toBe("jsonl");
    expect(requests).toHaveLength(1453);
    const conditional = requests.find((r) => r.id === "pub-1402");
    expect(conditional?.headers["If-None-Match"]).toBe('"45ddd8eb55efb131ba15d82805276eda"');
    expect(conditional?.recorded?.status).toBe(304);
  });
});

describe("loadRequests", () => {
  it("reads a path list, skipping blank lines and comments", async () => {
    const file = path.join(dir, "paths.txt");
    await writeFile(file, "# smoke\n/rpc/?v=5&type=info&arg=a\n\n/rpc/?v=5&type=search&arg=%zz\n");
    const { format, requests } = await loadRequests(file, "/rpc");
    expect(format).toBe("paths");
    expect(requests.map((r) => [r.id, r.method, r.target.toString()])).toEqual([
      ["line-2", "GET", "/rpc/?v=5&type=info&arg=a"],
      ["line-4", "GET", "/rpc/?v=5&type=search&arg=%zz"],
    ]);
  });

  it("turns an unreadable file into a one-line error", async () => {
    await expect(loadRequests(path.join(dir, "missing.txt"), "/rpc")).rejects.toThrow(/cannot read requests file .*: ENOENT/);
  });
});
