/**
 * aurweb's own RPC test suite (test/test_rpc.py on master), case by case, against
 * RPC_PROFILE=current: each test is named after the aurweb test it mirrors and asserts what
 * that test asserts, on rows seeded here like aurweb's fixtures (three users, five package
 * bases, one of them without maintainer and without packager). Then what the Go service
 * that answers aur.archlinux.org's /rpc adds (OpenSearch suggestions), and the data rules the
 * legacy profile keeps from aurweb 5.0.0.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScratchDatabase } from "../../support/database.js";
import mysql from "mysql2/promise";
import { rawRequest, type RawResponse } from "../support/http.js";
import { createSeededDatabase, type SeededPackage } from "../support/seed.js";
import { startService, type RunningService } from "../support/service.js";

let db: ScratchDatabase;
let pkgs: SeededPackage[];
let current: RunningService;
/** max_rpc_results = 1, as aurweb's "too many results" tests configure it. */
let currentOneResult: RunningService;
let legacy: RunningService;

const DELETION = 1;
const PENDING = 0;
const ACCEPTED = 2;

beforeAll(async () => {
  ({ db, data: pkgs } = await createSeededDatabase("aurweb_cases", async (seed) => {
    const user = await seed.user("test");
    const user2 = await seed.user("user2");
    const user3 = await seed.user("user3");
    const big = await seed.package({
      name: "big-chungus",
      description: "Bunny bunny around bunny",
      url: "https://example.com/",
      baseSpec: {
        maintainer: user,
        packager: user,
        submitter: user2,
        voters: [user, user2, user3],
        popularity: 3,
        keywords: ["big-chungus", "smol-chungus", "sizeable-chungus"],
        // aurweb's `packages` fixture adds user2, its `comaintainer` fixture user2 again and
        // user3: the table has no unique key.
        comaintainers: [user2, user2, user3],
      },
      licenses: ["GPL"],
      groups: ["testgroup"],
      depends: [
        { type: "depends", name: "chungus-depends" },
        { type: "optdepends", name: "chungus-optdepends", condition: "=50" },
        { type: "makedepends", name: "chungus-makedepends" },
        { type: "checkdepends", name: "chungus-checkdepends" },
      ],
      relations: [
        { type: "conflicts", name: "chungus-conflicts" },
        { type: "provides", name: "chungus-provides", condition: "<=200" },
        { type: "replaces", name: "chungus-replaces", condition: "<=200" },
      ],
    });
    const chungy = await seed.package({
      name: "chungy-chungus",
      description: "Wubby wubby on wobba wuubu",
      url: "https://example.com/",
      baseSpec: { maintainer: user, packager: user, submitter: user2 },
      depends: [{ type: "depends", name: "chungy-depends" }],
      relations: [{ type: "conflicts", name: "chungy-conflicts" }],
    });
    const gluggly = await seed.package({
      name: "gluggly-chungus",
      description: "glurrba glurrba gur globba",
      url: "https://example.com/",
      baseSpec: { maintainer: user, packager: user },
    });
    const other = await seed.package({
      name: "other-pkg",
      description: "A Package belonging to a PackageBase with another name.",
      url: "https://example.com",
      baseSpec: { name: "fugly-chungus", maintainer: user, packager: user },
    });
    // No maintainer, no packager: hidden by aurweb 5.0.0, shown by aurweb since 2023.
    const woogly = await seed.package({
      name: "woogly-chungus",
      description: "wuggla woblabeloop shemashmoop",
      url: "https://example.com/",
      baseSpec: { packager: null },
    });
    // test_rpc_singular_info: one pending request, which counts, and one accepted and closed.
    await seed.pool.query(
      "INSERT INTO PackageRequests (ReqTypeID, PackageBaseID, PackageBaseName, UsersID, Comments, ClosureComment, Status, ClosedTS) VALUES (?, ?, ?, ?, 'Pending.', '', ?, NULL), (?, ?, ?, ?, 'Closed.', '', ?, 1700000000)",
      [DELETION, big.base.id, big.base.name, user.id, PENDING, DELETION, big.base.id, big.base.name, user.id, ACCEPTED],
    );
    return [big, chungy, gluggly, other, woogly];
  }));
  [current, currentOneResult, legacy] = await Promise.all([
    startService(db.url, { RPC_PROFILE: "current" }),
    startService(db.url, { RPC_PROFILE: "current", MAX_RPC_RESULTS: 1 }),
    startService(db.url),
  ]);
});

afterAll(async () => {
  await Promise.all([current?.close(), currentOneResult?.close(), legacy?.close()]);
  await db?.drop();
});

interface Answer extends RawResponse {
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function get(target: string, service = current, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await rawRequest(service.url, "GET", target, headers);
  return { ...res, json: res.body === "" || !/json/.test(String(res.headers["content-type"])) ? undefined : JSON.parse(res.body) };
}

async function post(target: string, contentType: string, body: string, service = current): Promise<Answer> {
  const res = await rawRequest(service.url, "POST", target, { "Content-Type": contentType }, body);
  return { ...res, json: JSON.parse(res.body) };
}

const names = (answer: Answer): string[] => (answer.json.results as { Name: string }[]).map((r) => r.Name);
const sortedNames = (answer: Answer): string[] => names(answer).sort();

/** A result without the keys aurweb's tests drop because their values are not fixed. */
function withoutVaryingKeys(result: Record<string, unknown>): Record<string, unknown> {
  const { ID: _id, PackageBaseID: _base, FirstSubmitted: _submitted, LastModified: _modified, ...rest } = result;
  return rest;
}

describe("aurweb test/test_rpc.py against the current profile", () => {
  it("test_rpc_documentation", async () => {
    const res = await get("/rpc");
    expect(res.status).toBe(200);
    expect(res.body).toContain("RPC");
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
  });

  it("test_rpc_documentation_missing (deliberate difference: the page is built into the service and cannot be missing)", async () => {
    expect((await get("/rpc/")).status).toBe(200);
  });

  it("test_rpc_singular_info", async () => {
    const big = pkgs[0]!;
    // `arg` twice: the last one counts, as aurweb reads it.
    const res = await get("/rpc?v=5&type=info&arg=chungy-chungus&arg=big-chungus");
    expect(res.body).toContain('"Popularity":3.0');
    const { results, ...envelope } = res.json;
    expect(envelope).toEqual({ version: 5, resultcount: 1, type: "multiinfo" });
    expect(results.map(withoutVaryingKeys)).toEqual([
      {
        Name: "big-chungus",
        Version: big.version,
        Description: "Bunny bunny around bunny",
        URL: "https://example.com/",
        PackageBase: "big-chungus",
        NumVotes: 3,
        Popularity: 3,
        OutOfDate: null,
        Maintainer: "test",
        Submitter: "user2",
        URLPath: "/cgit/aur.git/snapshot/big-chungus.tar.gz",
        Depends: ["chungus-depends"],
        OptDepends: ["chungus-optdepends=50"],
        MakeDepends: ["chungus-makedepends"],
        CheckDepends: ["chungus-checkdepends"],
        Conflicts: ["chungus-conflicts"],
        // user2 has two rows; aurweb selects co-maintainers DISTINCT.
        CoMaintainers: ["user2", "user3"],
        Provides: ["chungus-provides<=200"],
        Replaces: ["chungus-replaces<=200"],
        License: ["GPL"],
        Keywords: ["big-chungus", "sizeable-chungus", "smol-chungus"],
        Groups: ["testgroup"],
        PendingRequests: 1,
      },
    ]);
  });

  it("test_rpc_split_package_urlpath", async () => {
    // other-pkg is the package of base fugly-chungus: URLPath names the base.
    const res = await get("/rpc?v=5&type=info&arg[]=other-pkg");
    expect(res.json.results[0].URLPath).toBe("/cgit/aur.git/snapshot/fugly-chungus.tar.gz");
  });

  it("test_rpc_nonexistent_package", async () => {
    expect((await get("/rpc/?v=5&type=info&arg=nonexistent-package")).json.resultcount).toBe(0);
  });

  it("test_rpc_multiinfo", async () => {
    const res = await get("/rpc?v=5&type=info&arg[]=big-chungus&arg[]=chungy-chungus");
    expect(sortedNames(res)).toEqual(["big-chungus", "chungy-chungus"]);
  });

  it("test_rpc_mixedargs", async () => {
    const first = await get("/rpc?v=5&arg[]=big-chungus&arg=gluggly-chungus&type=info");
    expect(first.status).toBe(200);
    expect(sortedNames(first)).toEqual(["gluggly-chungus"]);
    const second = await get("/rpc?v=5&arg=big-chungus&arg[]=gluggly-chungus&type=info&arg[]=chungy-chungus");
    expect(second.status).toBe(200);
    expect(sortedNames(second)).toEqual(["chungy-chungus", "gluggly-chungus"]);
  });

  it("test_rpc_no_dependencies_omits_key", async () => {
    const chungy = pkgs[1]!;
    const res = await get("/rpc?v=5&type=info&arg=chungy-chungus");
    expect(res.body).toContain('"Popularity":0,');
    const { results, ...envelope } = res.json;
    expect(envelope).toEqual({ version: 5, resultcount: 1, type: "multiinfo" });
    // No Groups, CoMaintainers, MakeDepends...: empty lists are left out, but for License and Keywords.
    expect(results.map(withoutVaryingKeys)).toEqual([
      {
        Name: "chungy-chungus",
        Version: chungy.version,
        Description: "Wubby wubby on wobba wuubu",
        URL: "https://example.com/",
        PackageBase: "chungy-chungus",
        NumVotes: 0,
        Popularity: 0,
        OutOfDate: null,
        Maintainer: "test",
        Submitter: "user2",
        URLPath: "/cgit/aur.git/snapshot/chungy-chungus.tar.gz",
        Depends: ["chungy-depends"],
        Conflicts: ["chungy-conflicts"],
        License: [],
        Keywords: [],
        PendingRequests: 0,
      },
    ]);
  });

  it("test_rpc_bad_type", async () => {
    expect((await get("/rpc?v=5&type=invalid-type&arg=big-chungus")).json).toEqual({
      version: 5,
      results: [],
      resultcount: 0,
      type: "error",
      error: "Incorrect request type specified.",
    });
  });

  it("test_rpc_bad_version", async () => {
    expect((await get("/rpc?v=0&type=info&arg=big-chungus")).json).toEqual({
      version: 0,
      resultcount: 0,
      results: [],
      type: "error",
      error: "Invalid version specified.",
    });
  });

  it("test_rpc_no_version", async () => {
    expect((await get("/rpc?type=info&arg=big-chungus")).json).toEqual({
      version: null,
      resultcount: 0,
      results: [],
      type: "error",
      error: "Please specify an API version.",
    });
  });

  it("test_rpc_no_type", async () => {
    expect((await get("/rpc?v=5&arg=big-chungus")).json).toEqual({
      version: 5,
      results: [],
      resultcount: 0,
      type: "error",
      error: "No request type/data specified.",
    });
  });

  it("test_rpc_no_args", async () => {
    expect((await get("/rpc?v=5&type=info")).json).toEqual({
      version: 5,
      results: [],
      resultcount: 0,
      type: "error",
      error: "No request type/data specified.",
    });
  });

  it("test_rpc_no_maintainer", async () => {
    // woogly-chungus has neither maintainer nor packager.
    const res = await get("/rpc?v=5&type=info&arg=woogly-chungus");
    expect(res.json.results[0].Maintainer).toBeNull();
  });

  it("test_rpc_suggest_pkgbase", async () => {
    const target = "/rpc?v=5&type=suggest-pkgbase";
    expect((await get(`${target}&arg=big`)).json).toEqual(["big-chungus"]);
    expect((await get(`${target}&arg=chungy`)).json).toEqual(["chungy-chungus"]);
    expect((await get(target)).json).toEqual([]);
    expect((await get(`${target}&arg=ther-pkg`)).json).toEqual([]);
  });

  it("test_rpc_suggest", async () => {
    const target = "/rpc?v=5&type=suggest";
    expect((await get(`${target}&arg=other`)).json).toEqual(["other-pkg"]);
    expect((await get(`${target}&arg=nonexistent`)).json).toEqual([]);
    expect((await get(target)).json).toEqual([]);
    expect((await get(`${target}&arg=ther-pkg`)).json).toEqual([]);
  });

  it("test_rpc_ratelimit", async () => {
    const limited = await startService(db.url, { RPC_PROFILE: "current", RATE_LIMIT_REQUESTS: 4, RATE_LIMIT_WINDOW: 100 });
    try {
      const target = "/rpc?v=5&type=suggest-pkgbase&arg=big";
      for (let i = 0; i < 4; i++) expect((await get(target, limited)).status).toBe(200);
      const refused = await get(target, limited);
      expect(refused.status).toBe(429);
      expect(refused.json.error).toBe("Rate limit reached");
      // The stored counts deleted, the next request is good again once the process reads
      // the address anew; it does after a quiet minute (test/ops/rate-limit-memory.test.ts),
      // which forget() stands for here.
      await limited.app.deps.rateLimiter.flush();
      const [deleted] = await limited.database.pool.query<mysql.ResultSetHeader>("DELETE FROM ApiRateLimit");
      expect(deleted.affectedRows).toBeGreaterThan(0);
      limited.app.deps.rateLimiter.forget();
      expect((await get(target, limited)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("test_rpc_etag", async () => {
    const target = "/rpc?v=5&type=suggest-pkgbase&arg=big";
    const [first, second] = [await get(target), await get(target)];
    expect(first.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.etag).toBe(second.headers.etag);
  });

  it("test_rpc_search_arg_too_small", async () => {
    const res = await get("/rpc?v=5&type=search&arg=b");
    expect(res.status).toBe(200);
    expect(res.json.error).toBe("Query arg too small.");
  });

  it("test_rpc_search", async () => {
    const target = "/rpc?v=5&type=search&arg=big";
    const res = await get(target);
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
    expect(res.json.results[0].Name).toBe("big-chungus");
    expect(res.json.results[0]).not.toHaveProperty("Submitter");
    const again = await get(target, current, { "If-None-Match": String(res.headers.etag).replace(/"/g, "") });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    expect((await get("/rpc?v=5&type=search")).json.error).toBe("No request type/data specified.");
  });

  it("test_rpc_msearch", async () => {
    const res = await get("/rpc?v=5&type=msearch&arg=test");
    expect(res.json.type).toBe("msearch");
    expect(sortedNames(res)).toEqual(["big-chungus", "chungy-chungus", "gluggly-chungus", "other-pkg"]);
    expect((await get("/rpc?v=5&type=msearch&arg=blah-blah")).json.resultcount).toBe(0);
    // aurweb orphans big-chungus here; without an argument msearch lists the orphans.
    const big = pkgs[0]!;
    await current.database.pool.query("UPDATE PackageBases SET MaintainerUID = NULL WHERE ID = ?", [big.base.id]);
    try {
      await expect.poll(async () => names(await get("/rpc?v=5&type=msearch")), { timeout: 5000 }).toEqual(["big-chungus", "woogly-chungus"]);
    } finally {
      await current.database.pool.query("UPDATE PackageBases SET MaintainerUID = ? WHERE ID = ?", [big.base.maintainer!.id, big.base.id]);
      await expect.poll(async () => names(await get("/rpc?v=5&type=msearch")), { timeout: 5000 }).toEqual(["woogly-chungus"]);
    }
  });

  const searchCases: [string, string, string][] = [
    ["test_rpc_search_depends", "depends", "chungus-depends"],
    ["test_rpc_search_makedepends", "makedepends", "chungus-makedepends"],
    ["test_rpc_search_optdepends", "optdepends", "chungus-optdepends"],
    ["test_rpc_search_checkdepends", "checkdepends", "chungus-checkdepends"],
    ["test_rpc_search_provides", "provides", "chungus-provides"],
    ["test_rpc_search_provides_self", "provides", "big-chungus"],
    ["test_rpc_search_conflicts", "conflicts", "chungus-conflicts"],
    ["test_rpc_search_replaces", "replaces", "chungus-replaces"],
    ["test_rpc_search_groups", "groups", "testgroup"],
  ];
  for (const [name, by, arg] of searchCases) {
    it(name, async () => {
      const res = await get(`/rpc?v=5&type=search&by=${by}&arg=${arg}`);
      expect(res.json.resultcount).toBe(1);
      expect(res.json.results[0].Name).toBe("big-chungus");
    });
  }

  it("test_rpc_search_submitter", async () => {
    expect(sortedNames(await get("/rpc?v=5&type=search&by=submitter&arg=user2"))).toEqual(["big-chungus", "chungy-chungus"]);
    expect((await get("/rpc?v=5&type=search&by=submitter&arg=blah-blah")).json.resultcount).toBe(0);
  });

  it("test_rpc_search_keywords", async () => {
    expect(names(await get("/rpc?v=5&type=search&by=keywords&arg=big-chungus"))).toEqual(["big-chungus"]);
    expect((await get("/rpc?v=5&type=search&by=keywords&arg=blah-blah")).json.resultcount).toBe(0);
  });

  it("test_rpc_search_comaintainers", async () => {
    // user2 co-maintains big-chungus twice over: one package, once.
    const res = await get("/rpc?v=5&type=search&by=comaintainers&arg=user2");
    expect(res.json.resultcount).toBe(1);
    expect(names(res)).toEqual(["big-chungus"]);
    expect((await get("/rpc?v=5&type=search&by=comaintainers&arg=blah-blah")).json.resultcount).toBe(0);
  });

  it("test_rpc_incorrect_by", async () => {
    expect((await get("/rpc?v=5&type=search&by=fake&arg=big")).json.error).toBe("Incorrect by field specified.");
  });

  it("test_rpc_jsonp_callback", async () => {
    const res = await get("/rpc?v=5&type=search&arg=big&callback=jsonCallback");
    expect(res.headers["content-type"]).toBe("text/javascript");
    expect(res.body).toMatch(/^\/\*\*\/jsonCallback\(.*\)$/);
    const bad = await get("/rpc?v=5&type=search&arg=big&callback=jsonCallback!");
    expect(bad.headers["content-type"]).toBe("application/json");
    expect(bad.json.error).toBe("Invalid callback name.");
    expect(bad.status).toBe(200);
  });

  it("test_rpc_post", async () => {
    const res = await post("/rpc", "application/x-www-form-urlencoded", "v=5&type=info&arg=big-chungus&arg[]=chungy-chungus");
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(2);
  });

  it("test_rpc_too_many_search_results", async () => {
    expect((await get("/rpc?v=5&type=search&arg=chungus", currentOneResult)).json.error).toBe("Too many package results.");
  });

  it("test_rpc_too_many_info_results", async () => {
    // aurweb adds dependency and relation rows first: the limit counts packages, not rows.
    const target = `/rpc?v=5&type=info${pkgs.map((p) => `&arg[]=${p.name}`).join("")}`;
    expect((await get(target, currentOneResult)).json.error).toBe("Too many package results.");
    expect((await get("/rpc?v=5&type=info&arg[]=big-chungus", currentOneResult)).json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_info", async () => {
    const res = await get("/rpc/v5/info/big-chungus");
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_multiinfo", async () => {
    const res = await get("/rpc/v5/info?arg[]=big-chungus");
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_multiinfo_post", async () => {
    const res = await post("/rpc/v5/info", "application/json", JSON.stringify({ arg: ["big-chungus"] }));
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_multiinfo_post_bad_request", async () => {
    const res = await post("/rpc/v5/info", "application/json", JSON.stringify({ arg: "big-chungus" }));
    expect(res.status).toBe(400);
    expect(res.json.error).toBe("the 'arg' parameter must be of array type");
  });

  it("test_rpc_openapi_search_arg", async () => {
    const res = await get("/rpc/v5/search/big-chungus");
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_search", async () => {
    const res = await get("/rpc/v5/search?arg=big-chungus");
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_search_post", async () => {
    const res = await post("/rpc/v5/search", "application/json", JSON.stringify({ arg: "big-chungus" }));
    expect(res.status).toBe(200);
    expect(res.json.resultcount).toBe(1);
  });

  it("test_rpc_openapi_search_post_bad_request", async () => {
    const by = await post("/rpc/v5/search", "application/json", JSON.stringify({ by: 1 }));
    expect(by.status).toBe(400);
    expect(by.json.error).toBe("the 'by' parameter must be of string type");
    const arg = await post("/rpc/v5/search", "application/json", JSON.stringify({ arg: ["a", "list"] }));
    expect(arg.status).toBe(400);
    expect(arg.json.error).toBe("the 'arg' parameter must be of string type");
  });

  it("test_rpc_openapi_suggest", async () => {
    expect((await get("/rpc/v5/suggest/big")).json).toEqual(["big-chungus"]);
    expect((await get("/rpc/v5/suggest/chungy")).json).toEqual(["chungy-chungus"]);
  });
});

describe("what aurweb's handlers do beyond its tests", () => {
  it("shows its documentation only to a GET without parameters", async () => {
    const res = await get("/rpc?arg=big-chungus");
    expect(res.json).toEqual({ version: null, resultcount: 0, results: [], type: "error", error: "Please specify an API version." });
    expect((await post("/rpc", "application/x-www-form-urlencoded", "")).json.error).toBe("Please specify an API version.");
  });

  it("takes an empty callback for none", async () => {
    const res = await get("/rpc?v=5&type=suggest&arg=big&callback=");
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.json).toEqual(["big-chungus"]);
  });

  it("compares by=keywords's whole argument with each keyword", async () => {
    expect((await get("/rpc?v=5&type=search&by=keywords&arg=big-chungus%20smol-chungus")).json.resultcount).toBe(0);
  });
});

describe("the OpenSearch suggestions of the service that answers /rpc today", () => {
  for (const [profile, service] of [
    ["current", () => current],
    ["legacy", () => legacy],
  ] as const) {
    it(`answer [arg, [names]] as application/x-suggestions+json (${profile})`, async () => {
      const res = await get("/rpc?v=5&type=opensearch-suggest&arg=chungy", service());
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/x-suggestions+json");
      expect(res.body).toBe('["chungy",["chungy-chungus"]]');
      expect((await get("/rpc?v=5&type=opensearch-suggest-pkgbase&arg=fug", service())).body).toBe('["fug",["fugly-chungus"]]');
      expect((await get("/rpc?v=5&type=opensearch-suggest&arg=nothing", service())).body).toBe('["nothing",[]]');
      // The argument comes back as it was given; the names are found case-insensitively.
      expect((await get("/rpc?v=5&type=opensearch-suggest&arg=OTHER", service())).body).toBe('["OTHER",["other-pkg"]]');
      const path = await get("/rpc/v5/opensearch-suggest/big", service());
      expect([path.headers["content-type"], path.body]).toEqual(["application/x-suggestions+json", '["big",["big-chungus"]]']);
    });

    it(`without an argument get the usual error (${profile})`, async () => {
      const res = await get("/rpc?v=5&type=opensearch-suggest", service());
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.json.error).toBe("No request type/data specified.");
    });
  }
});

describe("the legacy profile keeps aurweb 5.0.0's data rules", () => {
  it("hides a base without packager everywhere", async () => {
    expect((await get("/rpc/?v=5&type=info&arg=woogly-chungus", legacy)).json.resultcount).toBe(0);
    expect((await get("/rpc/?v=5&type=search&arg=woogly", legacy)).json.resultcount).toBe(0);
    expect((await get("/rpc/?v=5&type=suggest&arg=woogly", legacy)).json).toEqual([]);
    expect((await get("/rpc/?v=5&type=msearch&arg=", legacy)).json.resultcount).toBe(0);
  });

  it("lists a package once per co-maintainer row, as the table holds them", async () => {
    expect(names(await get("/rpc/?v=5&type=search&by=comaintainers&arg=user2", legacy))).toEqual(["big-chungus", "big-chungus"]);
  });

  it("answers msearch with type search, and a form's arg[] alone when it comes last", async () => {
    expect((await get("/rpc/?v=5&type=msearch&arg=test", legacy)).json.type).toBe("search");
    const res = await post("/rpc", "application/x-www-form-urlencoded", "v=5&type=info&arg=big-chungus&arg[]=chungy-chungus", legacy);
    expect(names(res)).toEqual(["chungy-chungus"]);
  });
});
