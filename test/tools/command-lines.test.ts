// Every command a README or doc names answers --help with its usage and exit 0, and an
// unknown option with one line and exit 2, before it touches a database or a port.
import { describe, expect, it } from "vitest";
import { runCli } from "../schema/support.js";

const COMMANDS: Record<string, string> = {
  "schema:diff": "tools/cli/schema-diff.ts",
  "db:create": "tools/cli/db-create.ts",
  parity: "tools/cli/parity.ts",
  "parity:generate": "tools/cli/parity-generate.ts",
  bench: "bench/run.ts",
  "bench:nginx": "bench/nginx-fallback.ts",
  "bench:snapshot-memory": "bench/snapshot-memory.ts",
};

describe.each(Object.entries(COMMANDS))("npm run %s", (name, script) => {
  it("prints its usage for --help and exits 0", async () => {
    const result = await runCli(script, ["--help"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^usage: npm run /);
    expect(result.code).toBe(0);
  });

  it("names an unknown option on one line and exits 2", async () => {
    const result = await runCli(script, ["--no-such-option"]);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`${name}: Unknown option '--no-such-option' (see --help)\n`);
    expect(result.code).toBe(2);
  });
});
