/**
 * The bytes around the data: json_encode()'s escaping, the headers of every kind of
 * answer, the ETag and If-None-Match (compared by PHP after trim($h, "\t\n\r\" ")), JSONP
 * callbacks, the documentation page, methods other than GET, get-comment-form, and the
 * URLs that reach rpc.php (or the legacy 404 page).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest, type RawResponse } from "../../support/http.js";
import type { Seeder } from "../../support/seed.js";
import { startWorld, type World } from "./harness.js";
import { errorAnswer, listAnswer, packageRow } from "./legacy-json.js";

/** Characters json_encode() escapes, one of each kind. */
const AWKWARD_DESCRIPTION = 'slash / é smile 😀 nl \n tab \t soh \u0001 quote " backslash \\ del \u007f ff \f cr \r ls \u2028';
/** The same, as json_encode() printed it. */
const AWKWARD_JSON =
  '"slash \\/ \\u00e9 smile \\ud83d\\ude00 nl \\n tab \\t soh \\u0001 quote \\" backslash \\\\ del \u007f ff \\f cr \\r ls \\u2028"';

/** md5 of the suggest answer `["etag-u2k8"]` is all decimal digits: a numeric string to PHP. */
const DIGITS_NAME = "etag-u2k8";

async function seedEncoding(seed: Seeder) {
  const awkward = await seed.package({
    name: "awkward",
    baseSpec: { name: "c++ base/é", maintainer: await seed.user("Jérôme") },
    description: AWKWARD_DESCRIPTION,
    url: "https://example.org/a?b=c&d=é",
  });
  const plain = await seed.package({ name: "plain" });
  await seed.package({ name: DIGITS_NAME });
  return { awkward, plain };
}

let world: World<Awaited<ReturnType<typeof seedEncoding>>>;
beforeAll(async () => {
  world = await startWorld("encoding_headers", seedEncoding);
});
afterAll(async () => {
  await world?.close();
});

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");
const PLAIN = "/rpc/?v=5&type=info&arg=plain";

function expectRpcHeaders(res: RawResponse, contentType: string | undefined) {
  expect(res.headers["content-type"]).toBe(contentType);
  expect(res.headers["cache-control"]).toBe("public, must-revalidate, max-age=0");
  expect(res.headers.expires).toBe("Tue, 11 Oct 1988 22:00:00 GMT");
  expect(res.headers["x-frame-options"]).toBe("DENY");
  expect(res.headers.pragma).toBeUndefined();
}

function expectPageHeaders(res: RawResponse) {
  expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(res.headers["cache-control"]).toBe("no-cache, must-revalidate");
  expect(res.headers.expires).toBe("Tue, 11 Oct 1988 22:00:00 GMT");
  expect(res.headers.pragma).toBe("no-cache");
  expect(res.headers["x-frame-options"]).toBe("DENY");
}

describe("json_encode() escaping", () => {
  it("escapes /, non-ASCII (astral as surrogate pairs), control characters, quotes and backslashes", async () => {
    const body = (await world.get("/rpc/?v=5&type=info&arg=awkward")).body;
    expect(body).toContain(`"Description":${AWKWARD_JSON},`);
    expect(body).toContain('"URL":"https:\\/\\/example.org\\/a?b=c&d=\\u00e9"');
    expect(body).toContain('"Maintainer":"J\\u00e9r\\u00f4me"');
    // URLPath: urlencode() of the base name inside the snapshot URI, then escaped again.
    expect(body).toContain('"URLPath":"\\/cgit\\/aur.git\\/snapshot\\/c%2B%2B+base%2F%C3%A9.tar.gz"');
    expect(body).toContain('"PackageBase":"c++ base\\/\\u00e9"');
  });

  it("the whole answer is the seeded row encoded that way, in every version", async () => {
    const { awkward } = world.data;
    for (const v of [2, 3, 4]) {
      expect((await world.get(`/rpc/?v=${v}&type=multiinfo&arg[]=awkward`)).body).toBe(
        listAnswer(v, "multiinfo", [packageRow(awkward, v, { info: true })]),
      );
    }
    expect((await world.get("/rpc/?v=5&type=search&by=maintainer&arg=j%C3%A9r%C3%B4me")).body).toBe(
      listAnswer(5, "search", [packageRow(awkward, 5)]),
    );
  });

  it("suggest answers a plain list of escaped names", async () => {
    expect((await world.get("/rpc/?v=5&type=suggest-pkgbase&arg=c%2B%2B")).body).toBe('["c++ base\\/\\u00e9"]');
  });
});

describe("headers", () => {
  it("answers carry the JSON type, the caching headers, no Pragma and the ETag of the body", async () => {
    const res = await world.get(PLAIN);
    expect(res.status).toBe(200);
    expectRpcHeaders(res, "application/json");
    expect(res.headers.etag).toBe(`"${md5(res.body)}"`);
  });

  it("suggest answers too", async () => {
    const res = await world.get("/rpc/?v=5&type=suggest&arg=pla");
    expect(res.body).toBe('["plain"]');
    expectRpcHeaders(res, "application/json");
    expect(res.headers.etag).toBe(`"${md5('["plain"]')}"`);
  });

  it("early errors have the same headers but no ETag", async () => {
    const res = await world.get("/rpc/?v=6&type=info&arg=plain");
    expectRpcHeaders(res, "application/json");
    expect(res.headers.etag).toBeUndefined();
  });
});

describe("If-None-Match", () => {
  const etagOf = async (target: string) => md5((await world.get(target)).body);

  it("with the ETag, quoted or not, with surrounding spaces, tabs or quotes: 304, the ETag, no body", async () => {
    const etag = await etagOf(PLAIN);
    for (const header of [`"${etag}"`, etag, ` "${etag}" `, `\t${etag}\t`, `""${etag}"`, ` \t"${etag}"\t `]) {
      const res = await world.get(PLAIN, { "If-None-Match": header });
      expect(res.status, header).toBe(304);
      expect(res.body).toBe("");
      expect(res.headers.etag).toBe(`"${etag}"`);
      expect(res.headers["content-type"]).toBeUndefined();
      expect(res.headers["cache-control"]).toBe("public, must-revalidate, max-age=0");
    }
  });

  it("with anything else (weak, a list, another ETag, empty): the full answer", async () => {
    const etag = await etagOf(PLAIN);
    for (const header of [`W/"${etag}"`, `"${etag}", "other"`, `"${md5("other")}"`, "", `"${etag.toUpperCase()}"`]) {
      const res = await world.get(PLAIN, { "If-None-Match": header });
      expect(res.status, header).toBe(200);
      expect(md5(res.body)).toBe(etag);
    }
  });

  it("applies to handler errors, which have an ETag, but not to early errors", async () => {
    const tooSmall = "/rpc/?v=5&type=search&arg=x";
    expect((await world.get(tooSmall, { "If-None-Match": `"${await etagOf(tooSmall)}"` })).status).toBe(304);
    const early = "/rpc/?v=6&type=info&arg=plain";
    const res = await world.get(early, { "If-None-Match": `"${md5(errorAnswer(6, "Invalid version specified."))}"` });
    expect(res.status).toBe(200);
    expect(res.body).toBe(errorAnswer(6, "Invalid version specified."));
  });

  it("is checked before the callback: a matching ETag is 304 even with an invalid callback", async () => {
    const etag = await etagOf(PLAIN);
    expect((await world.get(`${PLAIN}&callback=a-b`, { "If-None-Match": `"${etag}"` })).status).toBe(304);
    expect((await world.get(`${PLAIN}&callback=cb`, { "If-None-Match": `"${etag}"` })).status).toBe(304);
  });

  it("is compared with PHP's ==, so an all-digit ETag matches a numerically equal string", async () => {
    const target = `/rpc/?v=5&type=suggest&arg=${DIGITS_NAME}`;
    const res = await world.get(target);
    expect(res.body).toBe(`["${DIGITS_NAME}"]`);
    const etag = md5(res.body);
    expect(etag).toMatch(/^[0-9]{32}$/); // the precondition: PHP sees a numeric string
    // "<digits>.0" is a different string but the same number: PHP answered 304.
    expect((await world.get(target, { "If-None-Match": `"${etag}.0"` })).status).toBe(304);
    expect((await world.get(target, { "If-None-Match": `"${etag}1"` })).status).toBe(200);
  });
});

describe("JSONP callback", () => {
  it("a valid name ([a-zA-Z0-9()_.], 1 to 128) wraps the answer as /**/name(...), same ETag", async () => {
    const json = (await world.get(PLAIN)).body;
    for (const name of ["cb", "jQuery1910_1572", "a.b_C(1)", "0", "x".repeat(128)]) {
      const res = await world.get(`${PLAIN}&callback=${encodeURIComponent(name)}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`/**/${name}(${json})`);
      expectRpcHeaders(res, "text/javascript;charset=UTF-8");
      expect(res.headers.etag).toBe(`"${md5(json)}"`);
    }
  });

  it("wraps handler errors and suggest answers too", async () => {
    expect((await world.get("/rpc/?v=5&type=search&arg=x&callback=cb")).body).toBe(
      `/**/cb(${errorAnswer(5, "Query arg too small.")})`,
    );
    expect((await world.get("/rpc/?v=5&type=suggest&arg=pla&callback=cb")).body).toBe('/**/cb(["plain"])');
  });

  it("an invalid name answers the JSON error Invalid callback name., with the ETag of the unwrapped answer", async () => {
    const json = (await world.get(PLAIN)).body;
    for (const name of ["a-b", "", "x".repeat(129), "cb%0A", "%C3%A9", "a%3Bb", "a%20b", "%3Cscript%3E"]) {
      const res = await world.get(`${PLAIN}&callback=${name}`);
      expect(res.status).toBe(200);
      expect(res.body, name).toBe(errorAnswer(5, "Invalid callback name."));
      expectRpcHeaders(res, "application/json");
      expect(res.headers.etag).toBe(`"${md5(json)}"`);
    }
    expect((await world.get("/rpc/?v=1&type=info&arg=plain&callback=a-b")).body).toBe(errorAnswer(1, "Invalid callback name."));
  });

  it("early errors are never wrapped", async () => {
    for (const [target, v, message] of [
      ["/rpc/?v=6&type=info&arg=plain&callback=cb", 6, "Invalid version specified."],
      ["/rpc/?v=5&type=info&callback=cb", 5, "No request type/data specified."],
      ["/rpc/?v=5&type=bogus&arg=x&callback=cb", 5, "Incorrect request type specified."],
      ["/rpc/?v=5&type=search&by=bogus&arg=x&callback=cb", 5, "Incorrect by field specified."],
    ] as const) {
      const res = await world.get(target);
      expect(res.body).toBe(errorAnswer(v, message));
      expect(res.headers["content-type"]).toBe("application/json");
    }
  });
});

describe("the documentation page and other methods", () => {
  it("/rpc without type is a 200 HTML page with the site's no-cache headers", async () => {
    for (const target of ["/rpc", "/rpc/", "/rpc.php", "/rpc?v=5", "/rpc/?arg=x", "/rpc?Type=info&arg=x"]) {
      const res = await world.get(target);
      expect(res.status, target).toBe(200);
      expectPageHeaders(res);
      expect(res.headers.etag).toBeUndefined();
      expect(res.body).toMatch(/<html/i);
    }
  });

  // POST is answered on purpose (fixtures/legacy-deviations.json: clients POST forms).
  it("PUT, DELETE, PATCH, OPTIONS and HEAD: 405 with an empty HTML answer", async () => {
    for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) {
      const res = await rawRequest(world.service.url, method, "/rpc/?v=5&type=info&arg=plain");
      expect(res.status, method).toBe(405);
      expect(res.body).toBe("");
      expectPageHeaders(res);
    }
  });
});

describe("type=get-comment-form", () => {
  it("without base_id or pkgbase_name: Package base ID or package base name missing.", async () => {
    for (const target of [
      "/rpc/?type=get-comment-form&arg=1",
      "/rpc/?type=get-comment-form&arg=1&base_id=1",
      "/rpc/?v=5&type=get-comment-form&arg=1&pkgbase_name=x",
    ]) {
      const res = await world.get(target);
      expect(res.body).toBe('{"success":0,"error":"Package base ID or package base name missing."}');
      expect(res.headers.etag).toBe(`"${md5(res.body)}"`);
    }
  });

  it("with both: You are not allowed to edit this comment. (nobody is logged in)", async () => {
    const body = '{"success":0,"error":"You are not allowed to edit this comment."}';
    expect((await world.get("/rpc/?type=get-comment-form&arg=1&base_id=1&pkgbase_name=x")).body).toBe(body);
    expect((await world.get("/rpc/?v=5&type=get-comment-form&arg=999&base_id=&pkgbase_name=")).body).toBe(body);
    expect((await world.get("/rpc/?v=5&type=get-comment-form&arg=1&base_id=1&pkgbase_name=x&callback=cb")).body).toBe(`/**/cb(${body})`);
  });

  it("still needs arg, like every type", async () => {
    expect((await world.get("/rpc/?v=5&type=get-comment-form&base_id=1&pkgbase_name=x")).body).toBe(
      errorAnswer(5, "No request type/data specified."),
    );
  });
});

describe("URLs", () => {
  it("/rpc, /rpc/, /rpc.php, /rpc.php/, /index.php/rpc, //rpc and /rpc// all reach rpc.php", async () => {
    const expected = (await world.get(PLAIN)).body;
    for (const path of ["/rpc", "/rpc/", "/rpc.php", "/rpc.php/", "/index.php/rpc", "/index.php/rpc/", "//rpc", "/rpc//"]) {
      const res = await world.get(`${path}?v=5&type=info&arg=plain`);
      expect(res.status, path).toBe(200);
      expect(res.body, path).toBe(expected);
    }
  });

  it("/RPC and /rpc/extra get the legacy 404 page", async () => {
    for (const target of ["/RPC?v=5&type=info&arg=plain", "/rpc/extra?v=5&type=info&arg=plain"]) {
      const res = await world.get(target);
      expect(res.status, target).toBe(404);
      expectPageHeaders(res);
      expect(res.body).toContain("<h2>404 - Page Not Found</h2>");
      // The page's language form posts back to the request URI, HTML-escaped.
      expect(res.body).toContain(`action="${target.replace(/&/g, "&amp;")}"`);
    }
  });

  it("a .php script that does not exist is php-fpm's File not found.", async () => {
    const res = await world.get("/Rpc.php?v=5&type=info&arg=plain");
    expect(res.status).toBe(404);
    expect(res.body).toBe("File not found.\n");
  });
});
