import { describe, expect, it } from "vitest";
import { fold } from "../../../src/collation/general-ci.js";
import { compileLike } from "../../../src/collation/like.js";

const SUBJECTS = ["lib", "libfoo", "LibFoo", "xlibx", "líb-ç", "LIB_", "li", "", "a%b", "python3-dateutil", "Python3-D"].map(fold);

/** What a pattern matches among SUBJECTS, and what it tells the lookups about itself. */
function behaviour(pattern: string) {
  const compiled = compileLike(pattern);
  return { prefix: compiled.prefix, substring: compiled.substring, matches: SUBJECTS.filter((s) => compiled.matches(s)) };
}

describe("LIKE patterns", () => {
  it("compiles a plain `literal%` or `%literal%` exactly like the tokenized form of the same pattern", () => {
    // A doubled trailing `%` means the same to LIKE but is not plain, so it is tokenized.
    for (const pattern of ["lib%", "LIB%", "Líb%", "python3-d%", "%lib%", "%FOO%", "%-ç%", "%i%"]) {
      expect(behaviour(pattern), pattern).toEqual(behaviour(`${pattern}%`));
    }
    expect(behaviour("Lib%")).toEqual({ prefix: fold("lib"), substring: null, matches: ["lib", "libfoo", "libfoo", "lib-c", "lib_"].map(fold) });
    expect(behaviour("%LIB%").matches).toEqual(["lib", "libfoo", "libfoo", "xlibx", "lib-c", "lib_"].map(fold));
  });

  it("keeps wildcards and escapes inside the literal", () => {
    expect(behaviour("li_%").matches).toEqual(["lib", "libfoo", "LibFoo", "lib-c", "LIB_"].map(fold));
    expect(behaviour("LIB\\_%").matches).toEqual([fold("LIB_")]);
    expect(behaviour("a\\%%").matches).toEqual([fold("a%b")]);
    expect(behaviour("%")).toEqual({ prefix: "", substring: "", matches: SUBJECTS });
  });
});
