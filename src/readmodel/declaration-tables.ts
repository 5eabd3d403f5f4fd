/**
 * The dependency and relation rows grouped by package (see DeclarationTable), for the
 * lists in info answers: each package's rows in insertion order, as the legacy SQL met them.
 */
import type { SourceRows } from "./load.js";
import { indexInAscending } from "./sorted-search.js";
import { STEP, type Steps } from "./steps.js";
import type { Declaration, DeclarationColumns, DeclarationTable, DeclarationTables } from "./types.js";

/** The tables of `rows`: a table whose rows were not read again is the same object as in `previous`. */
export function* declarationTablesOf(rows: SourceRows, previous: DeclarationTables | undefined): Steps<DeclarationTables> {
  return {
    depends: previous?.depends.columns === rows.depends ? previous.depends : yield* groupByPackage(rows.depends),
    relations: previous?.relations.columns === rows.relations ? previous.relations : yield* groupByPackage(rows.relations),
  };
}

/**
 * Row numbers of a declaration table grouped by package (a counting sort, so each
 * package's rows keep their insertion order), packages in ID order.
 */
function* groupByPackage(columns: DeclarationColumns): Steps<DeclarationTable> {
  const ids = columns.packageIds;
  const counts = new Map<number, number>();
  // Counted a run at a time: a package's rows mostly follow one another.
  let runs = 0;
  for (let row = 0; row < ids.length; ) {
    const id = ids[row]!;
    const runStart = row;
    while (row < ids.length && ids[row] === id) row++;
    counts.set(id, (counts.get(id) ?? 0) + row - runStart);
    if (++runs % STEP === 0) yield;
  }
  const packageIds = Uint32Array.from(counts.keys()).sort();
  const starts = new Int32Array(packageIds.length + 1);
  const next = new Map<number, number>();
  for (let i = 0; i < packageIds.length; i++) {
    const id = packageIds[i]!;
    next.set(id, starts[i]!);
    starts[i + 1] = starts[i]! + counts.get(id)!;
  }
  yield;
  const order = new Int32Array(ids.length);
  for (let row = 0; row < ids.length; ) {
    const id = ids[row]!;
    let at = next.get(id)!;
    while (row < ids.length && ids[row] === id) order[at++] = row++;
    next.set(id, at);
    if (++runs % STEP === 0) yield;
  }
  return { columns, order, packageIds, starts };
}

/** The dependencies, then the relations, of the package with `packageId`, each in insertion order. */
export function* declarationsIn(tables: DeclarationTables, packageId: number): Generator<Declaration> {
  for (const { columns, order, packageIds, starts } of [tables.depends, tables.relations]) {
    const at = indexInAscending(packageIds.length, (i) => packageIds[i]!, packageId);
    if (at < 0) continue;
    for (let i = starts[at]!; i < starts[at + 1]!; i++) {
      const row = order[i]!;
      yield {
        type: columns.typeNames.get(columns.typeIds[row]!) ?? "",
        name: columns.names[row]!,
        condition: columns.conditions[row]!,
      };
    }
  }
}
