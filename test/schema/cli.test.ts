// The schema:diff command line: output, --json and exit status (0 same, 1 different,
// 2 unusable input), run as a child process the way npm runs it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSqlFile } from "../../tools/db/sql-file.js";
import { createScratchDatabase } from "../../support/database.js";
import { editTable, productionDump, productionDumpPath, runCli } from "./support.js";

const CLI = "tools/cli/schema-diff.ts";
const noStackTrace = /^\s+at /m;

describe("schema:diff", () => {
  let dir: string;
  let drifted: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "schema-cli-"));
    drifted = path.join(dir, "drifted.sql");
    await writeFile(drifted, editTable(productionDump, "Packages", "`Name` varchar(255) NOT NULL", "`Name` varchar(128) NOT NULL"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 0 on the production dump", async () => {
    const result = await runCli(CLI, [productionDumpPath]);
    expect(result).toMatchObject({ code: 0, stdout: "no differences\n", stderr: "" });
  });

  it("exits 1 and prints one line per difference", async () => {
    const result = await runCli(CLI, [drifted]);
    expect(result).toMatchObject({ code: 1, stdout: "Packages.Name: type: database varchar(128), code varchar(255)\n" });
  });

  it("gives the same as data with --json", async () => {
    const result = await runCli(CLI, [drifted, "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      differences: [
        {
          table: "Packages",
          subject: "column",
          name: "Name",
          aspect: "type",
          database: "varchar(128)",
          code: "varchar(255)",
          message: "Packages.Name: type: database varchar(128), code varchar(255)",
        },
      ],
    });
  });

  it("exits 2 naming a file it cannot read", async () => {
    const missing = path.join(dir, "missing.sql");
    const result = await runCli(CLI, [missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`schema:diff: cannot read ${missing}: no such file\n`);
  });

  it("exits 2 naming the file and line of bad SQL", async () => {
    const broken = path.join(dir, "broken.sql");
    const text = editTable(productionDump, "Users", "`Suspended` tinyint(3) unsigned NOT NULL", "`Suspended` tinyint(3) unsigned NOT NUL");
    await writeFile(broken, text);
    const before = text.slice(0, text.indexOf("NOT NUL ") + "NOT ".length).split("\n");
    const [line, column] = [before.length, before[before.length - 1]!.length + 1];
    const result = await runCli(CLI, [broken]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`schema:diff: ${broken}:${line}:${column}: expected NULL, found "NUL"\n`);
  });

  it("exits 2 naming the connection problem", async () => {
    // Port 1 is reserved and nothing listens there.
    const result = await runCli(CLI, ["mysql://root@127.0.0.1:1/aur"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^schema:diff: cannot connect to mysql:\/\/root@127\.0\.0\.1:1\/aur: .*ECONNREFUSED/);
    expect(result.stderr).not.toMatch(noStackTrace);
  });

  it("exits 2 with one line when the source is missing", async () => {
    const result = await runCli(CLI, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("schema:diff: a dump file or a mysql:// URL is required (see --help)\n");
  });

  it("exits 0 on a live database loaded from the production dump", async () => {
    const db = await createScratchDatabase("schema_cli_live");
    try {
      await loadSqlFile(db.url, productionDumpPath);
      const result = await runCli(CLI, [db.url]);
      expect(result).toMatchObject({ code: 0, stdout: "no differences\n" });
    } finally {
      await db.drop();
    }
  });
});
