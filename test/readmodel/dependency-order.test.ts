/**
 * A dependency search whose plan scans Packages or PackageBases answers in that scan's
 * order (readmodel/row-order.ts). On the public data set: the declarers of the most declared
 * dependency, in each scan order, against the scan itself filtered to them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Snapshot } from "../../src/readmodel/snapshot.js";
import { runAtOnce } from "../../src/readmodel/steps.js";
import type { Package, ScanOrder } from "../../src/readmodel/types.js";
import { readPublicDataSet, type PublicRows } from "../support/public-rows.js";

const ids = (packages: readonly Package[]) => packages.map((p) => p.id);

describe("dependency searches in a scan's order", () => {
  let source: PublicRows;
  let snapshot: Snapshot;
  let name: string;

  beforeAll(async () => {
    source = await readPublicDataSet("dependency_order", 2);
    snapshot = runAtOnce(Snapshot.build(source.rows, source.plans));
    const counts = new Map<string, number>();
    for (const p of snapshot.packages) {
      for (const d of snapshot.declarationsOf(p)) if (d.type === "depends") counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
    }
    name = [...counts].reduce((most, entry) => (entry[1] > most[1] ? entry : most))[0];
  });

  afterAll(async () => source?.close());

  for (const order of ["package", "base", "packager"] as ScanOrder[]) {
    it(`${order} order: the declarers as the scan meets them`, () => {
      const declarers = new Set(snapshot.packagesDeclaring("depends", name));
      const expected = snapshot.scanOrder(order).filter((p) => declarers.has(p));
      expect(expected.length).toBeGreaterThan(10);
      expect(ids(snapshot.packagesDeclaring("depends", name, order))).toEqual(ids(expected));
    });
  }

  it("a list as long as the limit stays in row order (its answer is an error)", () => {
    const rowOrder = snapshot.packagesDeclaring("depends", name);
    const order = (["package", "base", "packager"] as ScanOrder[]).find(
      (o) => ids(snapshot.packagesDeclaring("depends", name, o)).join() !== ids(rowOrder).join(),
    );
    expect(order, "a scan order that differs from the row order").toBeDefined();
    const ordered = snapshot.packagesDeclaring("depends", name, order);
    expect(ids(snapshot.packagesDeclaring("depends", name, order, rowOrder.length))).toEqual(ids(rowOrder));
    expect(ids(snapshot.packagesDeclaring("depends", name, order, rowOrder.length + 1))).toEqual(ids(ordered));
  });
});
