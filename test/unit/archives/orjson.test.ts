import { describe, expect, it } from "vitest";
import { orjsonFloat } from "../../../src/archives/orjson.js";

describe("orjsonFloat", () => {
  it("lays floats out as orjson does (recorded from orjson 3.8)", () => {
    const cases: [number, string][] = [
      [1e-6, "1e-6"],
      [1e-5, "0.00001"],
      [0.0001, "0.0001"],
      [0, "0.0"],
      [12.5, "12.5"],
      [1e16, "1e16"],
      [1e15, "1000000000000000.0"],
      [0.1 + 0.2, "0.30000000000000004"],
      [9999.999999, "9999.999999"],
      [1.5e-7, "1.5e-7"],
      [100, "100.0"],
      [123456789012345680, "1.2345678901234568e17"],
      [0.0000125, "0.0000125"],
    ];
    for (const [value, text] of cases) expect(orjsonFloat(value), String(value)).toBe(text);
  });
});
