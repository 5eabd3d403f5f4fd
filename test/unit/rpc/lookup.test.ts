import { describe, expect, it } from "vitest";
import { compareFolded, fold } from "../../../src/collation/general-ci.js";
import type { Snapshot } from "../../../src/readmodel/snapshot.js";
import { encodeStringList } from "../../../src/php/json.js";
import { jsonListOf, sortedNamesInSteps } from "../../../src/readmodel/sorted-names.js";
import { runAtOnce } from "../../../src/readmodel/steps.js";
import { suggest, suggestPackages } from "../../../src/rpc/lookup.js";
import { seededRandom } from "../../../src/seeded-random.js";

/** Characters on both sides of the space the collation pads with, and accents, astral, wildcards. */
const ALPHABET = ["\x00", "\t", "\x01", " ", "-", "0", "9", "A", "a", "Z", "z", "_", "~", "\x7f", "\x80", "é", "É", "ß", "\ufffd", "😀"];

function randomNames(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    // Mostly a shared stem, so many names tie on their first weights.
    let name = random() < 0.7 ? "lib" : "";
    const length = Math.floor(random() * 10);
    for (let i = 0; i < length; i++) name += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    return name;
  });
}

/** A snapshot holding just these package names, and the names in collation order. */
function snapshotOf(names: string[]): { snapshot: Snapshot; sorted: { name: string; nameFold: string }[] } {
  const sorted = names.map((name) => ({ name, nameFold: fold(name) })).sort((a, b) => compareFolded(a.nameFold, b.nameFold));
  return { snapshot: { packageNames: runAtOnce(sortedNamesInSteps(sorted)) } as unknown as Snapshot, sorted };
}

describe("suggest: `Name LIKE 'prefix%' ORDER BY Name LIMIT 20`", () => {
  it("starts with the names that sort before the bare prefix (a control character after it), as MariaDB does", () => {
    // MariaDB 10.11, utf8mb4_general_ci, by index range and by full scan alike.
    const { snapshot } = snapshotOf(["lib", "libx", "lib\x01x", "lib\tx", "lia", "lic", "\x01a", "a", " b", "lib y"]);
    expect(suggestPackages(snapshot, "lib")).toEqual(["lib\x01x", "lib\tx", "lib", "lib y", "libx"]);
    expect(suggestPackages(snapshot, "")).toEqual(["\x01a", " b", "a", "lia", "lib\x01x", "lib\tx", "lib", "lib y", "libx", "lic"]);
  });

  it("finds the same first 20 names as a scan of the whole sorted list", () => {
    const names = [...new Set(randomNames(3000, 2))];
    const { snapshot, sorted } = snapshotOf(names);
    const prefixes = ["", "l", "lib", "LIB", "lib ", "lib\t", "libé", "libE", "lib~", "lib\x7f", "lib\x80", "libß", "lib😀", "lib-0", "libAAAAAAAA", "z", "\x7f"];
    for (const prefix of [...prefixes, ...randomNames(200, 3)]) {
      const key = fold(prefix);
      const expected = sorted.filter((item) => item.nameFold.startsWith(key)).slice(0, 20).map((item) => item.name);
      expect(suggestPackages(snapshot, prefix), JSON.stringify(prefix)).toEqual(expected);
    }
  });

  it("reads a backslash as LIKE's escape, and wildcards as literals only where the legacy RPC escaped them", () => {
    const { snapshot } = snapshotOf(["lib", "libx", "li_b", "lia", "li%"]);
    expect(suggestPackages(snapshot, "li\\b")).toEqual(["lib", "libx"]);
    expect(suggestPackages(snapshot, "li_")).toEqual(["li_b"]);
    expect(suggestPackages(snapshot, "li%")).toEqual(["li%"]);
    // Current aurweb passes the argument to LIKE as it came.
    expect(suggestPackages(snapshot, "li_", false)).toEqual(["li%", "lia", "lib", "libx", "li_b"]);
    expect(suggestPackages(snapshot, "l%b", false)).toEqual(["lib", "libx", "li_b"]);
  });

  it("answers in the legacy bytes: json_encode() of the names found, in runs or one by one", () => {
    const names = [...new Set(randomNames(3000, 4))];
    const { snapshot, sorted } = snapshotOf(names);
    let gaps = 0;
    for (const prefix of ["", "lib", "lib ", "lib\t", "libé", "lib😀", "nothing", ...randomNames(200, 5)]) {
      const positions = suggest(snapshot.packageNames, prefix);
      if (positions.some((p, i) => i > 0 && p !== positions[i - 1]! + 1)) gaps++;
      const expected = encodeStringList(positions.map((p) => sorted[p]!.name));
      expect(jsonListOf(snapshot.packageNames, positions).toString("latin1"), JSON.stringify(prefix)).toBe(expected);
    }
    // Names equal to the prefix but for trailing spaces sit among the matches unmatched.
    expect(gaps).toBeGreaterThan(0);
  });
});
