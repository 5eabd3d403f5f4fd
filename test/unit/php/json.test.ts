import { describe, expect, it } from "vitest";
import { encodeString, encodeStringList } from "../../../src/php/json.js";

describe("json_encode of a list of strings", () => {
  it("joins names that need no escaping as they are", () => {
    expect(encodeStringList([])).toBe("[]");
    expect(encodeStringList(["lib2geom"])).toBe('["lib2geom"]');
    expect(encodeStringList(["lib2geom", "lib3ds-git", "libaccounts-qt"])).toBe('["lib2geom","lib3ds-git","libaccounts-qt"]');
  });

  it("escapes every string of a list in which any one needs it, as json_encode does", () => {
    // Bytes as latin1 characters: "é" is what the UTF-8 name decoded from the database holds.
    for (const list of [["a/b"], ["plain", 'quo"te', "back\\slash"], ["x", "é", "tab\there"], ["ctl\u0001", "ok"]]) {
      expect(encodeStringList(list)).toBe(`[${list.map(encodeString).join(",")}]`);
      expect(JSON.parse(encodeStringList(list))).toEqual(list);
    }
    expect(encodeStringList(["a/b", "é"])).toBe('["a\\/b","\\u00e9"]');
  });
});
