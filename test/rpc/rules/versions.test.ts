/**
 * What each API version (v=1..5) returns: the fields of a row and their order, v1's one
 * row per license, v1/v2's single `info` object, Popularity as a PHP float, the list
 * fields of info answers, and how numeric arguments are read (package IDs before v5,
 * names in v5).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Seeder } from "../../support/seed.js";
import { startWorld, type World } from "./harness.js";
import { listAnswer, packageRow, singleAnswer, v1Rows } from "./legacy-json.js";

async function seedVersions(seed: Seeder) {
  // Licenses are listed in license ID order: GPL3 (ID 1) before MIT (ID 2).
  await seed.license("GPL3");
  await seed.license("MIT");
  const alice = await seed.user("alice");
  const bob = await seed.user("bob");
  const voters = [await seed.user("carol"), await seed.user("dave")];

  const seven = await seed.package({
    id: 7,
    name: "seven",
    baseSpec: {
      name: "seven-base",
      maintainer: alice,
      submitter: bob,
      voters,
      popularity: 1.5,
      outOfDate: 1_700_000_000,
      submitted: 1_400_000_000,
      modified: 1_650_000_000,
      keywords: ["zeta", "Alpha", "beta"],
    },
    version: "2.1-3",
    description: "The seventh package",
    url: "https://example.org/seven",
    depends: [
      { type: "makedepends", name: "cmake", condition: ">=3.20" },
      { type: "depends", name: "glibc" },
      { type: "optdepends", name: "bash-completion" },
      { type: "depends", name: "zlib", condition: ">1.2" },
      { type: "checkdepends", name: "check" },
    ],
    relations: [
      { type: "provides", name: "seven-virtual", condition: "=2.1" },
      { type: "conflicts", name: "seven-git" },
      { type: "replaces", name: "six" },
    ],
    groups: ["numbers"],
    licenses: ["GPL3", "MIT"],
  });
  // An orphan without licenses, declarations or keywords.
  const ten = await seed.package({ id: 10, name: "ten", description: null });
  // A name that is also a number: v5 reads `arg=7` as this name.
  const named7 = await seed.package({ id: 20, name: "7" });

  await seed.package({
    id: 30,
    name: "dup-decl",
    depends: [
      { type: "depends", name: "libx", condition: ">=1" },
      { type: "depends", name: "LIBX", condition: ">=1" }, // same row under the collation
      { type: "depends", name: "libx" }, // NULL condition: a different row
      { type: "depends", name: "libx ", condition: ">=1" }, // trailing space: same row (PAD SPACE)
      { type: "depends", name: "libé", condition: ">=1" },
      { type: "depends", name: "libe", condition: ">=1" }, // é = e: same row
      { type: "depends", name: "liby", condition: "" },
      { type: "depends", name: "liby" }, // '' and NULL differ
    ],
    relations: [{ type: "provides", name: "libx", condition: ">=1" }], // another type: kept
  });

  for (const [name, value] of [
    ["pop-zero", 0],
    ["pop-one-and-half", 1.5],
    ["pop-micro", 0.000001],
    ["pop-small", 0.00005],
    ["pop-limit", 0.0001],
    ["pop-rounded", 1.2345678],
  ] as const) {
    await seed.package({ name, baseSpec: { popularity: value } });
  }
  // BIGINT UNSIGNED timestamps past 2^53 (written as SQL literals: a JS number would round them).
  const huge = await seed.package({ name: "huge-times" });
  await seed.db.execute(
    sql`UPDATE PackageBases SET SubmittedTS = 9007199254740993, ModifiedTS = 18446744073709551615, OutOfDateTS = 9223372036854775808 WHERE ID = ${huge.base.id}`,
  );
  // IDs at the top of INT UNSIGNED, seeded last: no AUTO_INCREMENT value is left after them.
  for (const id of [4294967294, 4294967295]) {
    await seed.package({
      id,
      name: `top-id-${id}`,
      baseSpec: { id, name: `top-id-${id}` },
      depends: [{ type: "depends", name: "top-id-dep" }],
      relations: [{ type: "provides", name: "top-id-virtual" }],
      groups: ["top-id-group"],
      licenses: ["MIT"],
    });
  }
  return { seven, ten, named7 };
}

let world: World<Awaited<ReturnType<typeof seedVersions>>>;
beforeAll(async () => {
  world = await startWorld("versions", seedVersions);
});
afterAll(async () => {
  await world?.close();
});

const body = async (target: string) => (await world.get(target)).body;

describe("timestamps", () => {
  it("are exact up to PHP_INT_MAX, which intval() makes of anything larger", async () => {
    for (const v of [1, 5]) {
      expect(await body(`/rpc/?v=${v}&type=info&arg=huge-times`)).toContain(
        '"OutOfDate":9223372036854775807,"Maintainer":null,"FirstSubmitted":9007199254740993,"LastModified":9223372036854775807',
      );
    }
  });
});

describe("IDs", () => {
  it("up to the top of INT UNSIGNED keep their declarations, groups and licenses", async () => {
    const info = await world.json("/rpc/?v=5&type=info&arg[]=top-id-4294967295");
    expect(info.results).toMatchObject([
      { ID: 4294967295, PackageBaseID: 4294967295, Depends: ["top-id-dep"], Provides: ["top-id-virtual"], Groups: ["top-id-group"], License: ["MIT"] },
    ]);
    const byId = await world.json("/rpc/?v=4&type=info&arg=4294967295");
    expect(byId.results).toMatchObject([{ Name: "top-id-4294967295", Depends: ["top-id-dep"] }]);
    for (const by of ["depends", "provides"]) {
      const search = await world.json(`/rpc/?v=5&type=search&by=${by}&arg=top-id-${by === "depends" ? "dep" : "virtual"}`);
      expect((search.results as { ID: number }[]).map((r) => r.ID).sort()).toEqual([4294967294, 4294967295]);
    }
  });
});

describe("fields of a row, per version", () => {
  const KEYS: Record<number, string[]> = {
    1: ["ID", "Name", "PackageBaseID", "PackageBase", "Version", "Description", "URL", "NumVotes", "OutOfDate", "Maintainer", "FirstSubmitted", "LastModified", "License", "URLPath", "CategoryID"],
    2: ["ID", "Name", "PackageBaseID", "PackageBase", "Version", "Description", "URL", "NumVotes", "OutOfDate", "Maintainer", "FirstSubmitted", "LastModified", "URLPath", "CategoryID"],
    3: ["ID", "Name", "PackageBaseID", "PackageBase", "Version", "Description", "URL", "NumVotes", "OutOfDate", "Maintainer", "FirstSubmitted", "LastModified", "URLPath", "CategoryID"],
    4: ["ID", "Name", "PackageBaseID", "PackageBase", "Version", "Description", "URL", "NumVotes", "Popularity", "OutOfDate", "Maintainer", "FirstSubmitted", "LastModified", "URLPath"],
    5: ["ID", "Name", "PackageBaseID", "PackageBase", "Version", "Description", "URL", "NumVotes", "Popularity", "OutOfDate", "Maintainer", "FirstSubmitted", "LastModified", "URLPath"],
  };

  for (const v of [1, 2, 3, 4, 5]) {
    it(`v${v} search rows have exactly the v${v} fields, in order`, async () => {
      const answer = JSON.parse(await body(`/rpc/?v=${v}&type=search&by=name&arg=ten`)) as { results: object[] };
      expect(answer.results).toHaveLength(1);
      expect(Object.keys(answer.results[0]!)).toEqual(KEYS[v]);
    });

    it(`v${v} search answer is byte for byte the seeded values in the v${v} shape`, async () => {
      const { seven, ten } = world.data;
      expect(await body(`/rpc/?v=${v}&type=search&by=name&arg=ten`)).toBe(
        listAnswer(v, "search", v === 1 ? v1Rows(ten) : [packageRow(ten, v)]),
      );
      expect(await body(`/rpc/?v=${v}&type=search&by=name&arg=seven`)).toBe(
        listAnswer(v, "search", v === 1 ? v1Rows(seven) : [packageRow(seven, v)]),
      );
    });
  }

  it("CategoryID is 1 in v1, v2 and v3 and absent from v4 on", async () => {
    for (const v of [1, 2, 3]) expect(await body(`/rpc/?v=${v}&type=search&by=name&arg=ten`)).toContain(`"CategoryID":1}`);
    for (const v of [4, 5]) expect(await body(`/rpc/?v=${v}&type=search&by=name&arg=ten`)).not.toContain("CategoryID");
  });
});

describe("v1: one row per license", () => {
  it("search returns a package once per license, in license ID order", async () => {
    const answer = JSON.parse(await body("/rpc/?v=1&type=search&by=name&arg=seven")) as { resultcount: number; results: { License: string }[] };
    expect(answer.resultcount).toBe(2);
    expect(answer.results.map((r) => r.License)).toEqual(["GPL3", "MIT"]);
  });

  it("multiinfo too, and a package without license gives one row with a null License", async () => {
    const { seven, ten } = world.data;
    expect(await body("/rpc/?v=1&type=multiinfo&arg[]=seven&arg[]=ten")).toBe(
      listAnswer(1, "multiinfo", [...v1Rows(seven), ...v1Rows(ten)]),
    );
  });

  it("info keeps only the first row: the first license, resultcount 1", async () => {
    const { seven } = world.data;
    expect(await body("/rpc/?v=1&type=info&arg=seven")).toBe(singleAnswer(1, packageRow(seven, 1, { license: "GPL3" })));
  });
});

describe("info answers per version", () => {
  it("v1 and v2 answer a single object; v2 adds the list fields", async () => {
    const { seven, ten } = world.data;
    expect(await body("/rpc/?v=1&type=info&arg=ten")).toBe(singleAnswer(1, packageRow(ten, 1)));
    expect(await body("/rpc/?v=2&type=info&arg=seven")).toBe(singleAnswer(2, packageRow(seven, 2, { info: true })));
  });

  it("v1 and v2 answer an empty list when nothing matches", async () => {
    for (const v of [1, 2]) expect(await body(`/rpc/?v=${v}&type=info&arg=missing`)).toBe(singleAnswer(v, null));
  });

  it("v3 and v4 answer a list of type info", async () => {
    const { seven } = world.data;
    for (const v of [3, 4]) {
      expect(await body(`/rpc/?v=${v}&type=info&arg=seven`)).toBe(listAnswer(v, "info", [packageRow(seven, v, { info: true })]));
    }
  });

  it("v5 answers info as multiinfo", async () => {
    const { seven, ten } = world.data;
    expect(await body("/rpc/?v=5&type=info&arg=seven")).toBe(listAnswer(5, "multiinfo", [packageRow(seven, 5, { info: true })]));
    expect(await body("/rpc/?v=5&type=info&arg[]=ten")).toBe(listAnswer(5, "multiinfo", [packageRow(ten, 5, { info: true })]));
  });

  it("list fields appear in info and multiinfo only, never in search", async () => {
    for (const v of [2, 3, 4, 5]) {
      const search = await body(`/rpc/?v=${v}&type=search&by=name&arg=seven`);
      expect(search).not.toContain("Depends");
      expect(search).not.toContain("Keywords");
      expect(await body(`/rpc/?v=${v}&type=multiinfo&arg[]=seven`)).toContain('"MakeDepends":["cmake>=3.20"]');
    }
  });
});

describe("list fields of info answers (v2 on)", () => {
  const SEVEN_LISTS = {
    // Dependency rows in insertion order: makedepends first, then depends, ...
    MakeDepends: ["cmake>=3.20"],
    Depends: ["glibc", "zlib>1.2"],
    OptDepends: ["bash-completion"],
    CheckDepends: ["check"],
    // ... then relations in insertion order, then groups, then licenses.
    Provides: ["seven-virtual=2.1"],
    Conflicts: ["seven-git"],
    Replaces: ["six"],
    Groups: ["numbers"],
    License: ["GPL3", "MIT"],
  };

  const listsOf = (row: Record<string, unknown>) => {
    const keys = Object.keys(row);
    return Object.fromEntries(keys.slice(keys.indexOf("URLPath") + 1).filter((k) => k !== "CategoryID").map((k) => [k, row[k]]));
  };

  for (const v of [2, 3, 4]) {
    it(`v${v}: keys in order of their first row, "name" + "condition", no Keywords`, async () => {
      const answer = JSON.parse(await body(`/rpc/?v=${v}&type=multiinfo&arg[]=seven`)) as { results: Record<string, unknown>[] };
      expect(listsOf(answer.results[0]!)).toStrictEqual(SEVEN_LISTS);
      expect(Object.keys(listsOf(answer.results[0]!))).toEqual(Object.keys(SEVEN_LISTS));
    });
  }

  it("v5 adds Keywords last, sorted under the collation", async () => {
    const answer = JSON.parse(await body("/rpc/?v=5&type=info&arg=seven")) as { results: Record<string, unknown>[] };
    const lists = listsOf(answer.results[0]!);
    expect(Object.keys(lists)).toEqual([...Object.keys(SEVEN_LISTS), "Keywords"]);
    expect(lists.Keywords).toEqual(["Alpha", "beta", "zeta"]);
  });

  it("v5 always has Keywords in info answers, even an empty list", async () => {
    expect(await body("/rpc/?v=5&type=info&arg=ten")).toMatch(/"URLPath":"[^"]*","Keywords":\[\]\}\]\}$/);
  });

  it("rows equal under the collation are listed once, as first inserted (UNION DISTINCT)", async () => {
    const answer = JSON.parse(await body("/rpc/?v=5&type=info&arg=dup-decl")) as { results: Record<string, unknown>[] };
    expect(listsOf(answer.results[0]!)).toStrictEqual({
      Depends: ["libx>=1", "libx", "libé>=1", "liby", "liby"],
      Provides: ["libx>=1"],
      Keywords: [],
    });
  });
});

describe("Popularity (v4 on) is a PHP float", () => {
  const EXPECTED: Record<string, string> = {
    "pop-zero": "0",
    "pop-one-and-half": "1.5",
    "pop-micro": "1.0e-6",
    "pop-small": "5.0e-5",
    "pop-limit": "0.0001",
    // DECIMAL(10,6) keeps six decimals.
    "pop-rounded": "1.234568",
  };

  for (const [name, text] of Object.entries(EXPECTED)) {
    it(`${name} prints as ${text}`, async () => {
      for (const v of [4, 5]) expect(await body(`/rpc/?v=${v}&type=info&arg=${name}`)).toContain(`"NumVotes":0,"Popularity":${text},"OutOfDate"`);
      expect(await body(`/rpc/?v=3&type=info&arg=${name}`)).not.toContain("Popularity");
    });
  }
});

describe("numeric arguments: package IDs before v5, names in v5", () => {
  const ids = async (target: string) => {
    const answer = JSON.parse(await body(target)) as { type: string; results: { ID: number }[] | { ID: number } };
    const results = Array.isArray(answer.results) ? answer.results : [answer.results];
    // v1 repeats a package once per license; count each package once.
    return { type: answer.type, ids: [...new Set(results.map((r) => r.ID))] };
  };

  for (const v of [1, 2, 3, 4]) {
    it(`v${v} info reads a numeric arg as a package ID (compared as a number)`, async () => {
      expect((await ids(`/rpc/?v=${v}&type=info&arg=7`)).ids).toEqual([7]);
      expect((await ids(`/rpc/?v=${v}&type=info&arg=%207`)).ids).toEqual([7]); // leading space
      expect((await ids(`/rpc/?v=${v}&type=info&arg=7%20`)).ids).toEqual([7]); // trailing space
      expect((await ids(`/rpc/?v=${v}&type=info&arg=%2B7`)).ids).toEqual([7]); // +7
      expect((await ids(`/rpc/?v=${v}&type=info&arg=1e1`)).ids).toEqual([10]); // 1e1 = 10
      expect((await ids(`/rpc/?v=${v}&type=info&arg=7.9`)).ids).toEqual([]); // no ID equals 7.9
      expect((await ids(`/rpc/?v=${v}&type=info&arg=7.0`)).ids).toEqual([7]);
      // An exact DECIMAL to MariaDB, not a double rounded to 7 (see test/unit/rpc/id-literal.test.ts).
      expect((await ids(`/rpc/?v=${v}&type=info&arg=7.00000000000000001`)).ids).toEqual([]);
      expect((await ids(`/rpc/?v=${v}&type=info&arg=20`)).ids).toEqual([20]); // the ID, not the name "20"
    });

    it(`v${v} info with a numeric arg MariaDB refuses (a double out of range) is invalid`, async () => {
      const answer = JSON.parse(await body(`/rpc/?v=${v}&type=info&arg=1e400`)) as { results: unknown; error?: string };
      expect(v >= 3 ? answer.error : answer.results).toBe("Invalid query arguments.");
    });

    it(`v${v} multiinfo takes intval() of numeric args`, async () => {
      expect((await ids(`/rpc/?v=${v}&type=multiinfo&arg[]=7.9`)).ids).toEqual([7]);
      expect((await ids(`/rpc/?v=${v}&type=multiinfo&arg[]=1e1`)).ids).toEqual([10]);
      expect((await ids(`/rpc/?v=${v}&type=multiinfo&arg[]=%207`)).ids).toEqual([7]);
      expect((await ids(`/rpc/?v=${v}&type=multiinfo&arg=7`)).ids).toEqual([7]);
    });
  }

  it("v5 reads every argument as a name", async () => {
    expect(await ids("/rpc/?v=5&type=info&arg=7")).toEqual({ type: "multiinfo", ids: [20] });
    expect(await ids("/rpc/?v=5&type=multiinfo&arg[]=7&arg[]=10")).toEqual({ type: "multiinfo", ids: [20] });
    expect(await ids("/rpc/?v=5&type=info&arg=1e1")).toEqual({ type: "multiinfo", ids: [] });
  });

  it("v5 info is answered as multiinfo: a list, type multiinfo", async () => {
    const { named7 } = world.data;
    expect(await body("/rpc/?v=5&type=info&arg=7")).toBe(listAnswer(5, "multiinfo", [packageRow(named7, 5, { info: true })]));
  });
});
