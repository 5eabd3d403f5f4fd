/**
 * Every package, grouped by base: the bases in ID order, each base's packages in ID order.
 * Base i has `packages[starts[i]..starts[i + 1])`. Kept by the snapshot, not in the bases,
 * which later snapshots may share; one flat list costs far less than a list per base.
 */
import { byBaseThenId, type PackagesOfBases } from "./row-order.js";
import { sortInSteps, type Steps } from "./steps.js";
import type { Package, PackageBase } from "./types.js";

export class PackagesByBase implements PackagesOfBases {
  private constructor(
    private readonly packages: readonly Package[],
    private readonly starts: Int32Array,
  ) {}

  /** `bases` in ID order; every package's base among them. */
  static *build(bases: readonly PackageBase[], packages: readonly Package[]): Steps<PackagesByBase> {
    const grouped = yield* sortInSteps([...packages], byBaseThenId);
    const starts = new Int32Array(bases.length + 1);
    for (let i = 0, at = 0; i < bases.length; i++) {
      while (at < grouped.length && grouped[at]!.base.id === bases[i]!.id) at++;
      starts[i + 1] = at;
    }
    yield;
    return new PackagesByBase(grouped, starts);
  }

  /** The packages of the base at `position`. */
  at(position: number): Package[] {
    return this.packages.slice(this.starts[position], this.starts[position + 1]);
  }

  /** Appends the packages of the base at `position` to `out`. */
  pushAt(position: number, out: Package[]): void {
    for (let i = this.starts[position]!; i < this.starts[position + 1]!; i++) out.push(this.packages[i]!);
  }
}
