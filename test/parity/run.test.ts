import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { GOLDEN } from "../../tools/reference-data.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ParityError } from "../../tools/parity/errors.js";
import { runParity } from "../../tools/parity/run.js";
import { fakeRpc, startServer } from "./servers.js";
import type { ReceivedRequest, Reply, TestServer, Variant } from "./servers.js";

const GOLDEN_CORPUS = GOLDEN.public;

const PATHS = [
  "/rpc/?v=5&type=search&arg=alpha",
  "/rpc/?v=5&type=search&by=maintainer&arg=bob",
  "/rpc/?v=5&type=search&arg=gamma&callback=jsonp1",
];

let dir: string;
let pathsFile: string;
const servers: TestServer[] = [];

async function server(handler: (request: ReceivedRequest) => Reply): Promise<TestServer> {
  const started = await startServer(handler);
  servers.push(started);
  return started;
}

async function file(name: string, content: string): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, content);
  return full;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "parity-run-"));
  pathsFile = await file("paths.txt", PATHS.join("\n") + "\n");
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("two servers", () => {
  it("finds no difference between identical servers", async () => {
    const legacy = await server(fakeRpc("same"));
    const candidate = await server(fakeRpc("same"));
    const result = await runParity({ legacy: legacy.url, candidate: candidate.url, requestsFile: pathsFile });
    expect(result).toMatchObject({ format: "paths", requests: 3, compared: 3, identical: 3, differingRequests: 0, findings: [] });
    expect(candidate.received.map((r) => r.url)).toEqual(expect.arrayContaining(PATHS));
    expect(legacy.received).toHaveLength(3);
  });

  const variants: Exclude<Variant, "same">[] = ["status", "header", "body-shape", "value", "row-order", "encoding"];
  it.each(variants)("classifies a server that differs only in %s", async (variant) => {
    const legacy = await server(fakeRpc("same"));
    const candidate = await server(fakeRpc(variant));
    const result = await runParity({ legacy: legacy.url, candidate: candidate.url, requestsFile: pathsFile });
    expect(result.findings.map((f) => f.class)).toEqual([variant, variant, variant]);
    expect(result.counts[variant]).toBe(3);
    expect(result.differingRequests).toBe(3);
    expect(result.findings[0]).toMatchObject({ id: "line-1", method: "GET", path: PATHS[0] });
  });

  it("ignores encoding but not row order in json mode", async () => {
    const legacy = await server(fakeRpc("same"));
    const reencoded = await server(fakeRpc("encoding"));
    const reordered = await server(fakeRpc("row-order"));
    const options = { legacy: legacy.url, requestsFile: pathsFile, mode: "json" as const };
    expect((await runParity({ ...options, candidate: reencoded.url })).findings).toEqual([]);
    const result = await runParity({ ...options, candidate: reordered.url });
    expect(result.findings.map((f) => [f.class, f.where])).toEqual([
      ["row-order", "body $.results"],
      ["row-order", "body $.results"],
      ["row-order", "body $.results"],
    ]);
  });

  it("reports a server that does not answer in time as no-answer", async () => {
    const legacy = await server(fakeRpc("same"));
    const silent = http.createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const candidate = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const result = await runParity({ legacy: legacy.url, candidate, requestsFile: pathsFile, timeoutMs: 200 });
      expect(result.counts["no-answer"]).toBe(3);
      expect(result.findings[0]).toMatchObject({ expected: "200", actual: "no answer: no answer within 200 ms" });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("refuses to start when a server is unreachable", async () => {
    const legacy = await server(fakeRpc("same"));
    const closed = await startServer(fakeRpc("same"));
    await closed.close();
    await expect(runParity({ legacy: legacy.url, candidate: closed.url, requestsFile: pathsFile })).rejects.toThrow(
      new ParityError(`cannot reach the candidate server ${closed.url}: ECONNREFUSED`),
    );
  });

  it("needs --legacy for inputs without recorded answers", async () => {
    const candidate = await server(fakeRpc("same"));
    await expect(runParity({ candidate: candidate.url, requestsFile: pathsFile })).rejects.toThrow(/--legacy is required/);
  });

  it("sends each request target byte for byte, without re-encoding", async () => {
    // node:http servers reject raw non-ASCII targets, which nginx accepts, so listen on plain TCP.
    const lines: Buffer[] = [];
    const raw = net.createServer((socket) => {
      socket.on("data", (data: Buffer) => {
        lines.push(data.subarray(0, data.indexOf("\r\n")));
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
      const log = await file(
        "raw.log",
        `192.0.2.1 - - [23/Nov/2026:18:53:00 +0000] "GET /rpc?arg=caf\\xC3\\xA9&x=%zz&arg[]=a+b HTTP/1.1" 200 2 "-" "-"\n`,
      );
      const result = await runParity({ legacy: url, candidate: url, requestsFile: log });
      expect(result.findings).toEqual([]);
      const expected = Buffer.concat([Buffer.from("GET /rpc?arg=caf"), Buffer.from([0xc3, 0xa9]), Buffer.from("&x=%zz&arg[]=a+b HTTP/1.1")]);
      expect(lines).toEqual([expected, expected]);
    } finally {
      raw.close();
    }
  });
});

describe("input formats", () => {
  it("replays the GET and HEAD /rpc lines of an access log", async () => {
    const entry = (request: string) => `203.0.113.9 - - [23/Nov/2026:10:00:00 +0000] "${request}" 200 100 "-" "aurhelper/1.0"`;
    const log = await file(
      "access.log",
      [
        entry("GET /rpc/?v=5&type=info&arg[]=one HTTP/1.1"),
        entry("POST /rpc/ HTTP/1.1"),
        entry("GET /packages/one HTTP/1.1"),
        entry("HEAD /rpc/?v=5&type=info&arg[]=two HTTP/1.1"),
        entry("GET /rpc.php?v=5&type=suggest&arg=t HTTP/1.1"),
        entry("GET /cgit/aur.git/snapshot/one.tar.gz HTTP/1.1"),
      ].join("\n") + "\n",
    );
    const legacy = await server(fakeRpc("same"));
    const candidate = await server(fakeRpc("same"));
    const result = await runParity({ legacy: legacy.url, candidate: candidate.url, requestsFile: log });
    expect(result).toMatchObject({ format: "access-log", requests: 3, skipped: { method: 1, prefix: 2, unparsed: 0 }, findings: [] });
    expect(candidate.received.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      "GET /rpc.php?v=5&type=suggest&arg=t",
      "GET /rpc/?v=5&type=info&arg[]=one",
      "HEAD /rpc/?v=5&type=info&arg[]=two",
    ]);
  });

  it("sends a corpus's recorded method, headers and body to both servers", async () => {
    const corpus = await file(
      "two-servers.jsonl",
      [
        record("c1", "POST", "/rpc/", { "Content-Type": "application/x-www-form-urlencoded" }, "type=info&arg=x"),
        record("c2", "GET", "/rpc/?v=5&type=info&arg=y", { "If-None-Match": '"abc"' }, null),
      ].join("\n") + "\n",
    );
    const legacy = await server(fakeRpc("same"));
    const candidate = await server(fakeRpc("value"));
    const result = await runParity({ legacy: legacy.url, candidate: candidate.url, requestsFile: corpus });
    // Compared with the live legacy answer, not the recording (which says 500).
    expect(result.findings.map((f) => [f.id, f.class])).toEqual([
      ["c1", "value"],
      ["c2", "value"],
    ]);
    const [post, get] = [...candidate.received].sort((a, b) => a.method.localeCompare(b.method)).reverse();
    expect(post).toMatchObject({ method: "POST", url: "/rpc/", body: "type=info&arg=x" });
    expect(post?.headers).toMatchObject({ "content-type": "application/x-www-form-urlencoded", "content-length": "15" });
    expect(get?.headers["if-none-match"]).toBe('"abc"');
    // The recording's Host and Connection were for the recording's server, not this one.
    expect(get?.headers.host).toBe(new URL(candidate.url).host);
  });

  it("replays a corpus against the candidate alone: ETags, PHP 8 fatals and deviations", async () => {
    const baseline = fakeRpc("same");
    const recordFrom = (id: string, target: string, headers: Record<string, string> = {}, extra: object = {}) => {
      const reply = baseline({ method: "GET", url: target, headers: lowerCase(headers), body: "" });
      return JSON.stringify({
        ...JSON.parse(record(id, "GET", target, headers, null)),
        status: reply.status,
        headers: reply.headers,
        body: reply.body,
        ...extra,
      });
    };
    const info = "/rpc/?v=5&type=info&arg=alpha";
    const etag = baseline({ method: "GET", url: info, headers: {}, body: "" }).headers["etag"] ?? "";
    const changed = JSON.parse(recordFrom("r5", "/rpc/?v=5&type=info&arg=epsilon"));
    changed.body = changed.body.replace('"NumVotes":3', '"NumVotes":30');
    const corpus = await file(
      "replay.jsonl",
      [
        recordFrom("r1", info),
        recordFrom("r2", info, { "If-None-Match": etag }, { etag_from: "r1" }),
        JSON.stringify({ ...JSON.parse(record("r3", "GET", "/rpc/?v=5&type=fatal", {}, null)), status: 500, body: "", php8_fatal: true }),
        JSON.stringify({ ...JSON.parse(recordFrom("r4", "/rpc/?v=5&type=info&arg=delta")), status: 404 }),
        JSON.stringify(changed),
      ].join("\n") + "\n",
    );
    const deviations = await file(
      "deviations.json",
      JSON.stringify([
        { id: "r4", reason: "the legacy 404 here was a bug", status: 200, headers: { Pragma: null } },
        { id: "gone", reason: "record no longer in the corpus" },
      ]),
    );
    const candidate = await server((request) =>
      request.url.includes("type=fatal")
        ? { status: 200, headers: { "content-type": "application/json" }, body: '{"version":5,"type":"error","resultcount":0,"results":[],"error":"Incorrect by field specified."}' }
        : baseline(request),
    );

    const result = await runParity({ candidate: candidate.url, requestsFile: corpus, deviationsFile: deviations });

    expect(result).toMatchObject({ expectedSide: "recorded", legacy: null, requests: 5, compared: 4, identical: 3, differingRequests: 1 });
    expect(result.findings).toEqual([
      expect.objectContaining({ id: "r5", class: "value", where: "body $.results[0].NumVotes", expected: "30", actual: "3" }),
    ]);
    expect(result.php8Fatal).toEqual([
      expect.objectContaining({ id: "r3", status: 200, contentType: "application/json", jsonError: true }),
    ]);
    expect(result.deviationsApplied).toBe(1);
    expect(result.unusedDeviations).toEqual(["gone"]);
    expect(candidate.received.find((r) => r.headers["if-none-match"])?.headers["if-none-match"]).toBe(etag);
  });

  it("finds no difference between the golden corpus and a server replaying it", async () => {
    const answers = new Map<string, Reply>();
    const key = (method: string, url: string, ifNoneMatch: string | undefined, body: string) =>
      JSON.stringify([method, url, ifNoneMatch ?? null, body]);
    for (const line of gunzipSync(readFileSync(GOLDEN_CORPUS)).toString("utf8").trim().split("\n")) {
      const r = JSON.parse(line);
      answers.set(key(r.method, r.path, r.req_headers["If-None-Match"], r.req_body ?? ""), {
        status: r.status,
        headers: r.headers,
        body: r.body,
      });
    }
    const candidate = await server(
      (request) =>
        answers.get(key(request.method, request.url, request.headers["if-none-match"], request.body)) ?? {
          status: 599,
          headers: {},
          body: "not in the corpus",
        },
    );
    const result = await runParity({ candidate: candidate.url, requestsFile: GOLDEN_CORPUS, concurrency: 16 });
    expect(result.requests).toBe(1453);
    expect(result.findings).toEqual([]);
  });
});

/** A corpus line whose recorded answer is a placeholder, for tests that compare two live servers. */
function record(id: string, method: string, target: string, headers: Record<string, string>, body: string | null): string {
  return JSON.stringify({
    id,
    method,
    path: target,
    req_headers: { Host: "127.0.0.1:8801", "User-Agent": "rpc_corpus/1", Accept: "*/*", ...headers, Connection: "close" },
    req_body: body,
    status: 500,
    headers: {},
    body: "",
  });
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
