/** The replica settings: defaults, and a bad value refused with one line. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

describe("replica configuration", () => {
  it("defaults to a 10 s lag bound and no fallback to the primary", () => {
    expect(loadConfig({})).toMatchObject({ REPLICA_MAX_LAG_MS: 10_000, REPLICA_FALLBACK_TO_PRIMARY: false });
  });

  it("reads the fallback as true or false only", () => {
    expect(loadConfig({ REPLICA_FALLBACK_TO_PRIMARY: "true" }).REPLICA_FALLBACK_TO_PRIMARY).toBe(true);
    expect(() => loadConfig({ REPLICA_FALLBACK_TO_PRIMARY: "yes" })).toThrow(/REPLICA_FALLBACK_TO_PRIMARY must be true or false/);
    expect(() => loadConfig({ REPLICA_MAX_LAG_MS: "50" })).toThrow(/REPLICA_MAX_LAG_MS must be at least 100/);
  });
});
