import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchema, loadConfig } from "../../src/config.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("configuration", () => {
  it("documents every variable in the table of README.md, and nothing else", () => {
    const documented = [...README.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it("refuses bad values with one line per variable", () => {
    expect(() =>
      loadConfig({ PORT: "http", WORKERS: "-1", SHUTDOWN_TIMEOUT_MS: "1.5", LOG_LEVEL: "loud", REDIS_URL: "localhost" }),
    ).toThrow(
      [
        "invalid configuration:",
        "  PORT: PORT must be a number",
        '  LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
        "  SHUTDOWN_TIMEOUT_MS: SHUTDOWN_TIMEOUT_MS must be a whole number",
        "  REDIS_URL: REDIS_URL must be a URL like redis://127.0.0.1:6379",
        "  WORKERS: WORKERS must be at least 0",
      ].join("\n"),
    );
  });

  it("needs no variable at all", () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config).toMatchObject({ WORKERS: 0, SHUTDOWN_TIMEOUT_MS: 10_000 });
  });
});
