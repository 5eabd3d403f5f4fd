/**
 * The answer envelope is assembled byte by byte into one Buffer; it must read exactly
 * as the string PHP's json_encode printed around the same rows.
 */
import { describe, expect, it } from "vitest";
import { results } from "../../../src/rpc/respond.js";

const rows = ['{"Name":"a"}', '{"Name":"b\\/c"}', '{"Name":"d"}'];
const envelope = (version: number, type: string, count: number, value: string) =>
  `{"version":${version},"type":"${type}","resultcount":${count},"results":${value}}`;

describe("results()", () => {
  it("a list of rows, commas between them", () => {
    expect(results(5, "search", rows, false).toString("latin1")).toBe(envelope(5, "search", 3, `[${rows.join(",")}]`));
  });

  it("one row, and none", () => {
    expect(results(5, "multiinfo", rows.slice(0, 1), false).toString("latin1")).toBe(envelope(5, "multiinfo", 1, `[${rows[0]}]`));
    expect(results(4, "search", [], false).toString("latin1")).toBe(envelope(4, "search", 0, "[]"));
  });

  it("v1/v2 info: the row itself, or an empty list when nothing matched", () => {
    expect(results(2, "info", rows.slice(1, 2), true).toString("latin1")).toBe(envelope(2, "info", 1, rows[1]!));
    expect(results(1, "info", [], true).toString("latin1")).toBe(envelope(1, "info", 0, "[]"));
  });
});
