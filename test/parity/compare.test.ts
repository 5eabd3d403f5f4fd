import { describe, expect, it } from "vitest";
import { compareAnswers, isRpcError } from "../../tools/parity/compare.js";
import type { CompareOptions } from "../../tools/parity/compare.js";
import type { Answer } from "../../tools/parity/requests.js";
import { DEFAULT_HEADERS } from "../../tools/parity/run.js";

const strict: CompareOptions = { headers: DEFAULT_HEADERS, mode: "strict" };
const json: CompareOptions = { headers: DEFAULT_HEADERS, mode: "json" };

function answer(body: string, status = 200, headers: Answer["headers"] = { "content-type": "application/json" }): Answer {
  return { status, headers, body: Buffer.from(body, "utf8") };
}

/** The classes found when only the bodies differ. */
function bodyClasses(expected: string, actual: string, options = strict) {
  return compareAnswers(answer(expected), answer(actual), options).map((d) => d.class);
}

describe("compareAnswers", () => {
  it("finds nothing in identical answers", () => {
    expect(compareAnswers(answer('{"a":1}'), answer('{"a":1}'), strict)).toEqual([]);
  });

  it("reports status and each differing header, including one present on one side only", () => {
    const expected = answer("x", 405, { "content-type": "text/html", pragma: "no-cache" });
    const actual = answer("x", 200, { "content-type": "text/html" });
    expect(compareAnswers(expected, actual, strict)).toEqual([
      { class: "status", where: "status", expected: "405", actual: "200" },
      { class: "header", where: "header pragma", expected: "no-cache", actual: "(absent)" },
    ]);
  });

  it("compares only the chosen headers", () => {
    const expected = answer("x", 200, { etag: '"a"' });
    const actual = answer("x", 200, { etag: '"b"' });
    expect(compareAnswers(expected, actual, { headers: ["content-type"], mode: "strict" })).toEqual([]);
  });

  it("calls escaping and key order an encoding difference in strict mode and nothing in json mode", () => {
    expect(bodyClasses('{"u":"a\\/b","e":"\\u00e9"}', '{"e":"é","u":"a/b"}')).toEqual(["encoding"]);
    expect(bodyClasses('{"u":"a\\/b","e":"\\u00e9"}', '{"e":"é","u":"a/b"}', json)).toEqual([]);
  });

  it("points an encoding difference at the first differing byte", () => {
    const [difference] = compareAnswers(answer('{"u":"a\\/b"}'), answer('{"u":"a/b"}'), strict);
    expect(difference).toMatchObject({ where: "body byte 7", expected: '{"u":"a\\/b"}', actual: '{"u":"a/b"}' });
  });

  it("tells a type change, a missing key and object-for-array apart from values", () => {
    expect(bodyClasses('{"n":3}', '{"n":"3"}')).toEqual(["body-shape"]);
    expect(bodyClasses('{"n":3,"m":1}', '{"n":3}')).toEqual(["body-shape"]);
    expect(bodyClasses('{"results":[]}', '{"results":{}}')).toEqual(["body-shape"]);
    expect(bodyClasses('{"n":3}', '{"n":4}')).toEqual(["value"]);
  });

  it("treats null against a scalar as a value (nullable column) but null against an object as shape", () => {
    expect(bodyClasses('{"OutOfDate":null}', '{"OutOfDate":1500000000}')).toEqual(["value"]);
    expect(bodyClasses('{"r":null}', '{"r":{"a":1}}')).toEqual(["body-shape"]);
  });

  it("calls a different number of rows a value difference", () => {
    const [difference] = compareAnswers(answer('{"r":[1,2,3]}'), answer('{"r":[1,2]}'), strict);
    expect(difference).toMatchObject({ class: "value", where: "body $.r", expected: "3 elements", actual: "2 elements" });
  });

  it("finds row order, also in a nested array", () => {
    expect(bodyClasses('{"r":[{"a":1},{"a":2}]}', '{"r":[{"a":2},{"a":1}]}')).toEqual(["row-order"]);
    const [nested] = compareAnswers(
      answer('{"r":[{"Depends":["a","b"]}]}'),
      answer('{"r":[{"Depends":["b","a"]}]}'),
      json,
    );
    expect(nested).toMatchObject({ class: "row-order", where: "body $.r[0].Depends" });
  });

  it("reports the most severe difference of a body", () => {
    expect(bodyClasses('{"r":[1,2],"n":1,"k":1}', '{"r":[2,1],"n":2,"k":"1"}')).toEqual(["body-shape"]);
    expect(bodyClasses('{"r":[1,2],"n":1}', '{"r":[2,1],"n":2}')).toEqual(["value"]);
  });

  it("unwraps JSONP before comparing", () => {
    expect(bodyClasses('/**/cb({"a":"\\/"})', '/**/cb({"a":"/"})', json)).toEqual([]);
    expect(bodyClasses('/**/cb({"a":1})', '/**/cb({"a":2})', json)).toEqual(["value"]);
    expect(bodyClasses('/**/cb({"a":1})', '/**/other({"a":1})', json)).toEqual(["value"]);
    expect(bodyClasses('/**/cb({"a":1})', '{"a":1}', json)).toEqual(["body-shape"]);
    // aurweb accepts parentheses in callback names.
    expect(bodyClasses('/**/f(x)({"a":1})', '/**/f(x)({"a":"\\u0031"})', json)).toEqual(["body-shape"]);
  });

  it("calls JSON against HTML or an empty body a shape difference, and two HTML pages a value one", () => {
    expect(bodyClasses('{"a":1}', "<html>oops</html>")).toEqual(["body-shape"]);
    expect(bodyClasses('{"a":1}', "")).toEqual(["body-shape"]);
    expect(bodyClasses("<p>one</p>", "<p>two</p>")).toEqual(["value"]);
  });
});

describe("isRpcError", () => {
  it("recognises the RPC's JSON error, also as JSONP", () => {
    expect(isRpcError(answer('{"version":5,"type":"error","resultcount":0,"results":[],"error":"x"}'))).toBe(true);
    expect(isRpcError(answer('/**/cb({"type":"error"})'))).toBe(true);
    expect(isRpcError(answer('{"type":"search"}'))).toBe(false);
    expect(isRpcError(answer(""))).toBe(false);
  });
});
