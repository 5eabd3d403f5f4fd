import { describe, expect, it } from "vitest";
import { DeclarerIndex } from "../../../src/readmodel/declarer-index.js";
import type { DeclarationColumns } from "../../../src/readmodel/types.js";
import { runAtOnce } from "../../../src/readmodel/steps.js";
import type { Package } from "../../../src/readmodel/types.js";

/** Declaration rows in table order: [package ID, type ID, name]. */
function columns(typeNames: [number, string][], rows: [number, number, string][]): DeclarationColumns {
  return {
    typeNames: new Map(typeNames),
    packageIds: Uint32Array.from(rows.map((r) => r[0])),
    typeIds: Uint8Array.from(rows.map((r) => r[1])),
    names: rows.map((r) => r[2]),
    conditions: rows.map(() => null),
  };
}

const DEPENDENCY_TYPES: [number, string][] = [
  [1, "depends"],
  [2, "makedepends"],
];
const RELATION_TYPES: [number, string][] = [[1, "provides"]];

/** Packages 1..n (only the ID matters here); `hidden` ones are not visible. */
function packages(n: number, hidden: number[] = []) {
  const byId = new Map<number, Package>();
  for (let id = 1; id <= n; id++) if (!hidden.includes(id)) byId.set(id, { id } as Package);
  return (id: number) => byId.get(id);
}

const ids = (list: readonly Package[]) => list.map((p) => p.id);

describe("DeclarerIndex", () => {
  it("lists each declaring package once, in the order of its first row", () => {
    const index = runAtOnce(
      DeclarerIndex.build(
        [
          columns(DEPENDENCY_TYPES, [
            [3, 1, "glibc"],
            [1, 1, "glibc"],
            [1, 1, "zlib"],
            [2, 2, "glibc"],
            // Package 3 again, after others: still listed once, where its first row put it.
            [3, 1, "GLIBC"],
            [2, 1, "glibc"],
          ]),
          columns(RELATION_TYPES, [
            [2, 1, "sh"],
            [1, 1, "sh"],
          ]),
        ],
        packages(3),
      ),
    );
    expect(ids(index.declaring("depends", "glibc"))).toEqual([3, 1, 2]);
    expect(ids(index.declaring("DEPENDS", "Glibc "))).toEqual([3, 1, 2]);
    expect(ids(index.declaring("makedepends", "glibc"))).toEqual([2]);
    expect(ids(index.declaring("depends", "zlib"))).toEqual([1]);
    expect(ids(index.declaring("provides", "sh"))).toEqual([2, 1]);
    expect(index.declaring("provides", "glibc")).toEqual([]);
    expect(index.declaring("conflicts", "sh")).toEqual([]);
  });

  it("leaves out hidden and unknown packages and unknown types", () => {
    const index = runAtOnce(
      DeclarerIndex.build(
        [
          columns(DEPENDENCY_TYPES, [
            [1, 1, "a"],
            [2, 1, "a"],
            [9, 1, "a"],
            [3, 7, "a"],
            [3, 1, "a"],
          ]),
        ],
        packages(3, [2]),
      ),
    );
    expect(ids(index.declaring("depends", "a"))).toEqual([1, 3]);
  });

  it("drops repeats in large groups too, and every answer is a copy", () => {
    const rows: [number, number, string][] = [];
    for (let round = 0; round < 3; round++) for (let id = 40; id >= 1; id--) rows.push([id, 1, "python"]);
    const index = runAtOnce(DeclarerIndex.build([columns(DEPENDENCY_TYPES, rows)], packages(40)));
    const expected = Array.from({ length: 40 }, (_, i) => 40 - i);
    const answer = index.declaring("depends", "python");
    expect(ids(answer)).toEqual(expected);
    answer.reverse();
    expect(ids(index.declaring("depends", "python"))).toEqual(expected);
  });
});
