/**
 * The GTID arithmetic behind a replica's lag (src/db/replica-lag.ts): which primary state a
 * replica's position is known to hold, and when.
 */
import { describe, expect, it } from "vitest";
import { includes, parseGtidPosition, PrimaryPositions } from "../../src/db/replica-lag.js";

describe("GTID positions", () => {
  it("parses the highest sequence number per domain, and nothing from an empty position", () => {
    expect(parseGtidPosition("0-1-120,1-2-7")).toEqual(new Map([[0, 120n], [1, 7n]]));
    expect(parseGtidPosition("")).toEqual(new Map());
    expect(parseGtidPosition(null)).toEqual(new Map());
  });

  it("includes another position only when it is as far in every domain", () => {
    const replica = parseGtidPosition("0-1-120,1-2-7");
    expect(includes(replica, parseGtidPosition("0-1-120"))).toBe(true);
    expect(includes(replica, parseGtidPosition("0-1-121"))).toBe(false);
    expect(includes(replica, parseGtidPosition("0-1-100,1-2-8"))).toBe(false);
    expect(includes(replica, parseGtidPosition("2-3-1"))).toBe(false);
    expect(includes(parseGtidPosition(""), parseGtidPosition(""))).toBe(true);
  });
});

describe("the primary's positions over time", () => {
  it("dates a replica by the latest sighting its position includes", () => {
    let now = 0;
    const positions = new PrimaryPositions(() => now);
    expect(positions.includedAsOf(parseGtidPosition("0-1-5"))).toBeUndefined();
    positions.saw(parseGtidPosition("0-1-5"));
    now = 1000;
    // The same position seen again: a replica there held all of it a second later too.
    positions.saw(parseGtidPosition("0-1-5"));
    now = 2000;
    positions.saw(parseGtidPosition("0-1-9"));
    now = 3000;
    positions.saw(parseGtidPosition("0-1-12"));
    expect(positions.includedAsOf(parseGtidPosition("0-1-12"))).toBe(3000);
    expect(positions.includedAsOf(parseGtidPosition("0-1-10"))).toBe(2000);
    expect(positions.includedAsOf(parseGtidPosition("0-1-6"))).toBe(1000);
    expect(positions.includedAsOf(parseGtidPosition("0-1-4"))).toBeUndefined();
  });

  it("forgets sightings older than 15 minutes, keeping the latest", () => {
    let now = 0;
    const positions = new PrimaryPositions(() => now);
    positions.saw(parseGtidPosition("0-1-1"));
    now = 16 * 60_000;
    positions.saw(parseGtidPosition("0-1-2"));
    expect(positions.includedAsOf(parseGtidPosition("0-1-1"))).toBeUndefined();
    expect(positions.includedAsOf(parseGtidPosition("0-1-2"))).toBe(now);
  });
});
