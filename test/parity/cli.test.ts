import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParityResult } from "../../tools/parity/run.js";
import { fakeRpc, startServer } from "./servers.js";
import type { TestServer } from "./servers.js";

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it, in a child process; async so the test's servers keep answering. */
function cli(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "tools/cli/parity.ts", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let paths: string;
let legacy: TestServer;
let same: TestServer;
let different: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "parity-cli-"));
  paths = path.join(dir, "paths.txt");
  await writeFile(paths, "/rpc/?v=5&type=search&arg=a\n/rpc/?v=5&type=search&arg=b\n/rpc/?v=5&type=search&arg=c\n");
  [legacy, same, different] = await Promise.all([startServer(fakeRpc("same")), startServer(fakeRpc("same")), startServer(fakeRpc("value"))]);
});
afterAll(async () => {
  await Promise.all([legacy, same, different].map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe("parity CLI", () => {
  it("exits 0 when the servers agree", async () => {
    const run = await cli("--legacy", legacy.url, "--candidate", same.url, "--requests", paths);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("3 identical, 0 with differences");
    expect(run.stdout).toContain("OK: 0 requests differ");
    // Progress is for terminals only; a pipe gets none.
    expect(run.stderr).toBe("");
  });

  it("exits 1 when more requests differ than --max-diff allows, and writes the report", async () => {
    const report = path.join(dir, "report.json");
    const run = await cli("--legacy", legacy.url, "--candidate", different.url, "--requests", paths, "--report", report);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^value\s+3\s+GET \/rpc\/\?v=5&type=search&arg=a\s+\[line-1\]\s+body \$\.results\[0\]\.NumVotes$/m);
    expect(run.stdout).toMatch(/^\s+legacy:\s+3$/m);
    expect(run.stdout).toMatch(/^\s+candidate:\s+4$/m);
    const written = JSON.parse(await readFile(report, "utf8")) as ParityResult;
    expect(written.findings).toHaveLength(3);
    expect(written.counts.value).toBe(3);
  });

  it("exits 0 when the differences stay within --max-diff", async () => {
    const run = await cli("--legacy", legacy.url, "--candidate", different.url, "--requests", paths, "--max-diff", "3");
    expect(run.code).toBe(0);
  });

  it.each([
    [["--bogus"], /^parity: Unknown option '--bogus' \(see --help\)\n$/],
    [["--candidate", "http://127.0.0.1:9"], /^parity: --requests is required/],
    [["--requests", "x", "--candidate", "http://h", "--mode", "fuzzy"], /^parity: --mode must be strict or json/],
    [["--requests", "x", "--candidate", "http://h", "--concurrency", "0"], /^parity: --concurrency must be at least 1/],
    [["--requests", "/nonexistent/requests.txt", "--candidate", "http://h"], /^parity: cannot read requests file \/nonexistent\/requests.txt: ENOENT\n$/],
    [["--requests", "PATHS", "--candidate", "not a url"], /^parity: --candidate is not a URL: not a url\n$/],
  ])("exits 2 with one line for %j", async (args, message) => {
    const run = await cli(...args.map((arg) => (arg === "PATHS" ? paths : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 2 when a server is unreachable", async () => {
    const gone = await startServer(fakeRpc("same"));
    await gone.close();
    const run = await cli("--legacy", legacy.url, "--candidate", gone.url, "--requests", paths);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`parity: cannot reach the candidate server ${gone.url}: ECONNREFUSED\n`);
  });
});
