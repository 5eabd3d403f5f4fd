/**
 * Hostile or broken requests never get a 500 or a stack trace: they get the legacy
 * answer, or (where PHP 8 died with a TypeError on an array it did not expect) a JSON
 * error in the legacy shape. Nothing but ApiRateLimit is ever written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawResponse } from "../../support/http.js";
import type { Seeder } from "../../support/seed.js";
import { legacyQueryIds, resultIds, resultNames, sqlQuery, startWorld, type World } from "./harness.js";
import { errorAnswer } from "./legacy-json.js";

const PHP_INT_MAX = "9223372036854775807";
const PHP_INT_MIN = "-9223372036854775808";

async function seedBadInput(seed: Seeder) {
  await seed.package({ name: "plain", depends: [{ type: "depends", name: "libplain" }], baseSpec: { maintainer: await seed.user("owner") } });
  await seed.package({ name: "it's-a-pkg" });
  await seed.package({ name: 'quote"pkg' });
  await seed.package({ name: "semi;--pkg" });
  await seed.package({ name: "back\\slash" });
  await seed.package({ name: "bulk-500" });
  await seed.package({ name: "bulk-5000" });
  // Every character outside the BMP weighs what U+FFFD weighs under utf8mb4_general_ci.
  await seed.package({ name: "astral-text", description: "three emoji \u{1F600}\u{1F600}\u{1F600}" });
  await seed.package({ name: "replacement-text", description: "three \uFFFD\uFFFD\uFFFD" });
}

let world: World<void>;
let checksumsBefore: Record<string, number | null>;

/** CHECKSUM TABLE of every table but ApiRateLimit (the one table requests may write). */
async function checksums(): Promise<Record<string, number | null>> {
  const tables = await sqlQuery<{ name: string }>(
    world.db.url,
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'ApiRateLimit' ORDER BY TABLE_NAME",
  );
  const rows = await sqlQuery<{ Table: string; Checksum: number | null }>(
    world.db.url,
    `CHECKSUM TABLE ${tables.map((t) => `\`${t.name}\``).join(", ")} EXTENDED`,
  );
  return Object.fromEntries(rows.map((r) => [r.Table, r.Checksum]));
}

beforeAll(async () => {
  // The rate limit is on (with room to spare) so that its writes happen too.
  world = await startWorld("bad_input", seedBadInput, { RATE_LIMIT_REQUESTS: 1_000_000, RATE_LIMIT_WINDOW: 3600 });
  checksumsBefore = await checksums();
});
afterAll(async () => {
  await world?.close();
});

const STACK_TRACE = /\n\s+at |Error:|TypeError|node_modules|\.ts:\d+/;

function expectNoCrash(res: RawResponse) {
  expect(res.status).toBeLessThan(500);
  expect(res.body).not.toMatch(STACK_TRACE);
}

/** A legacy JSON envelope: an answer of one of `types`, or an error, of `version`. */
function expectEnvelope(res: RawResponse, version: number, types: string[]) {
  expectNoCrash(res);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("application/json");
  const answer = JSON.parse(res.body) as { version: number; type: string; resultcount: number; results: unknown; error?: string };
  expect(answer.version).toBe(version);
  expect([...types, "error"]).toContain(answer.type);
  if (answer.type === "error") {
    expect(res.body).toBe(errorAnswer(version, version < 3 ? (answer.results as string) : answer.error!));
  } else {
    expect(Array.isArray(answer.results) ? answer.results.length : 1).toBe(answer.resultcount);
  }
  return answer;
}

async function expectError(target: string, version: number | string, message: string) {
  const res = await world.get(target);
  expectNoCrash(res);
  expect(res.status).toBe(200);
  expect(res.body).toBe(errorAnswer(version, message));
}

const EVERY_TYPE = [
  ["search", "type=search&by=name"],
  ["search", "type=search"],
  ["search", "type=search&by=maintainer"],
  ["search", "type=msearch"],
  ["search", "type=search&by=depends"],
  ["search", "type=search&by=optdepends"],
  ["info", "type=info"],
  ["multiinfo", "type=multiinfo"],
] as const;

describe("absurd versions", () => {
  it("saturate at PHP_INT_MAX / PHP_INT_MIN or read as 0, and are refused in the matching shape", async () => {
    for (const [v, version] of [
      ["1e308", PHP_INT_MAX],
      ["9223372036854775808", PHP_INT_MAX],
      ["99999999999999999999999999999", PHP_INT_MAX],
      ["-1e308", PHP_INT_MIN],
      ["5e-1", "0"],
      ["-0", "0"],
      ["NaN", "0"],
      ["INF", "0"],
      ["--5", "0"],
      ["%FF", "0"],
      ["", "0"],
    ] as const) {
      await expectError(`/rpc/?v=${v}&type=info&arg=plain`, version, "Invalid version specified.");
    }
  });

  it("an overflowing exponent is refused too, whatever intval() made of it", async () => {
    const res = await world.get("/rpc/?v=1e1000&type=info&arg=plain");
    expectNoCrash(res);
    expect(res.body).toMatch(/^\{"version":-?\d+,"type":"error","resultcount":0,"results":(\[\],"error":)?"Invalid version specified\."\}$/);
  });

  it("leading sign, spaces and trailing junk still read a valid version", async () => {
    for (const v of ["%2B5", "%205", "5.999", "5%00", "5abc", "05"]) {
      expectEnvelope(await world.get(`/rpc/?v=${v}&type=info&arg=plain`), 5, ["multiinfo"]);
    }
  });
});

describe("huge requests", () => {
  const manyArgs = (n: number) => Array.from({ length: n }, (_, i) => `arg[]=${i === 500 ? "bulk-500" : i === 5000 ? "bulk-5000" : `p${i}`}`).join("&");
  const hugeArg = "a".repeat(100 * 1024);

  it("over HTTP, request heads past Node's default 16 KB limit are read and answered", async () => {
    for (const target of [`/rpc/?v=5&type=info&${manyArgs(10_000)}`, `/rpc/?v=5&type=search&by=name&arg=${hugeArg}`]) {
      const res = await world.get(target);
      expectNoCrash(res);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("application/json");
    }
  });

  it("10,000 arg[]: only the first 1000 pairs are read (bulk-500 found, bulk-5000 not)", async () => {
    const res = await world.inProcess(`/rpc/?v=5&type=info&${manyArgs(10_000)}`);
    const answer = expectEnvelope(res, 5, ["multiinfo"]);
    expect((answer.results as { Name: string }[]).map((r) => r.Name)).toEqual(["bulk-500"]);
  });

  it("a 100 KB argument is an ordinary argument that matches nothing", async () => {
    for (const [type, query] of EVERY_TYPE) {
      const res = await world.inProcess(`/rpc/?v=5&${query}&arg=${hugeArg}`);
      const answer = expectEnvelope(res, 5, [type === "info" ? "multiinfo" : type]);
      expect(answer.resultcount).toBe(0);
    }
    expect((await world.inProcess(`/rpc/?v=5&type=suggest&arg=${hugeArg}`)).body).toBe("[]");
    expect((await world.inProcess(`/rpc/?v=5&type=suggest-pkgbase&arg=${hugeArg}`)).body).toBe("[]");
  });

  it("a 100 KB callback is refused as an invalid callback name", async () => {
    expect((await world.inProcess(`/rpc/?v=5&type=suggest&arg=pl&callback=${hugeArg}`)).body).toBe(errorAnswer(5, "Invalid callback name."));
  });
});

describe("broken encodings", () => {
  // PHP keeps a broken percent-encoding as it is; MariaDB takes 3-byte surrogates as utf8mb3.
  const accepted = ["%", "%%", "%G0", "%0", "x%", "%ED%A0%80"];
  // What the legacy connection (utf8mb3) refused: the query failed with "Illegal mix of
  // collations" and PHP died with an empty 500.
  const refused = ["%FF%FE", "%C3%28", "%F0%9F", "%C0%AF", "%E2%82", "%F0%9F%98%80", "%F4%8F%BF%BF"];

  it("invalid percent-encoding, or bytes the legacy connection took: the legacy answer of the type", async () => {
    await Promise.all(
      accepted.flatMap((arg) => [
        ...EVERY_TYPE.flatMap(([type, query]) => [
          world.get(`/rpc/?v=5&${query}&arg=${arg}`).then((res) => expectEnvelope(res, 5, [type === "info" ? "multiinfo" : type])),
          world.get(`/rpc/?v=1&${query}&arg=${arg}`).then((res) => expectEnvelope(res, 1, [type])),
        ]),
        ...["suggest", "suggest-pkgbase"].map((type) =>
          world.get(`/rpc/?v=5&type=${type}&arg=${arg}`).then((res) => {
            expectNoCrash(res);
            expect(Array.isArray(JSON.parse(res.body))).toBe(true);
          }),
        ),
      ]),
    );
  });

  it("a surrogate, which utf8mb3 took, matches no text: neither U+FFFD nor the characters that weigh the same", async () => {
    const searched = async (hex: string) => {
      const answer = await world.json(`/rpc/?v=5&type=search&arg=${hex.replace(/../g, "%$&")}`);
      const legacy = await legacyQueryIds(world.db.url, `(Packages.Name LIKE CONCAT('%', _utf8 X'${hex}', '%') OR Description LIKE CONCAT('%', _utf8 X'${hex}', '%'))`);
      expect(resultIds(answer).sort(), hex).toEqual(legacy.sort());
      return resultNames(answer).sort();
    };
    // The control: U+FFFD itself finds both descriptions, in MariaDB as here.
    expect(await searched("EFBFBD")).toEqual(["astral-text", "replacement-text"]);
    expect(await searched("EDA080")).toEqual([]);
    expect(await searched("EDA080EDB080")).toEqual([]); // the two halves of U+1F600's pair, each alone
    expect((await world.get("/rpc/?v=5&type=suggest&arg=%ED%A0%80")).body).toBe("[]");
  });

  it("4-byte characters and malformed UTF-8 where the legacy query compared them: Invalid query arguments.", async () => {
    for (const arg of refused) {
      for (const [, query] of EVERY_TYPE) {
        await expectError(`/rpc/?v=5&${query}&arg=${arg}`, 5, "Invalid query arguments.");
        await expectError(`/rpc/?v=1&${query}&arg=${arg}`, 1, "Invalid query arguments.");
      }
      for (const type of ["suggest", "suggest-pkgbase"]) await expectError(`/rpc/?v=5&type=${type}&arg=${arg}`, 5, "Invalid query arguments.");
      await expectError(`/rpc/?v=5&type=multiinfo&arg[]=plain&arg[]=${arg}`, 5, "Invalid query arguments.");
    }
  });

  it("the checks before the query still answer first, and other parameters reach no query", async () => {
    await expectError("/rpc/?v=5&type=search&arg=%FF", 5, "Query arg too small.");
    await expectError("/rpc/?v=5&type=search&by=depends&arg=", 5, "Query arg is empty.");
    expectEnvelope(await world.get("/rpc/?v=5&type=info&arg=plain&callback=%F0%9F%98%80"), 5, []);
  });

  it("in the other parameters: the matching legacy error", async () => {
    await expectError("/rpc/?v=5&type=%FF&arg=plain", 5, "Incorrect request type specified.");
    await expectError("/rpc/?v=5&type=info%&arg=plain", 5, "Incorrect request type specified.");
    await expectError("/rpc/?v=5&type=search&by=%C3%28&arg=plain", 5, "Incorrect by field specified.");
    await expectError("/rpc/?v=5&type=info&arg=plain&callback=%FF", 5, "Invalid callback name.");
    await expectError("/rpc/?v=5&type=info&arg=plain&callback=%", 5, "Invalid callback name.");
  });

  it("in parameter names: names that are not type are ignored", async () => {
    expectEnvelope(await world.get("/rpc/?v=5&type=info&arg=plain&%FF=1&%=2&%C3%28[]=3&[]=4"), 5, ["multiinfo"]);
  });
});

describe("SQL metacharacters", () => {
  it("are plain characters of a name", async () => {
    for (const name of ["it's-a-pkg", 'quote"pkg', "semi;--pkg", "back\\slash"]) {
      const res = await world.get(`/rpc/?v=5&type=info&arg=${encodeURIComponent(name)}`);
      expect((JSON.parse(res.body) as { results: { Name: string }[] }).results.map((r) => r.Name)).toEqual([name]);
    }
    expect(JSON.parse((await world.get("/rpc/?v=5&type=suggest&arg=it%27")).body)).toEqual(["it's-a-pkg"]);
    expect(JSON.parse((await world.get("/rpc/?v=5&type=suggest&arg=quote%22")).body)).toEqual(['quote"pkg']);
  });

  it("never widen a query", async () => {
    const attacks = ["'", '"', "\\", "' OR '1'='1", "' OR 1=1 -- ", '" OR ""="', "1 OR 1=1", "1) OR (1=1", "x'; DROP TABLE Packages; --", "%' OR '%'='", "\\\\'"];
    const checks = attacks.flatMap((attack) => {
      const arg = encodeURIComponent(attack);
      return [
        ...EVERY_TYPE.flatMap(([type, query]) =>
          [4, 5].map(async (v) => {
            const answer = expectEnvelope(await world.get(`/rpc/?v=${v}&${query}&arg=${arg}`), v, [type === "info" && v === 5 ? "multiinfo" : type]);
            if (answer.type !== "error") expect(answer.resultcount, `${query} ${attack}`).toBe(0);
          }),
        ),
        world.get(`/rpc/?v=5&type=suggest&arg=${arg}`).then((res) => expect(res.body).toBe("[]")),
        world.get(`/rpc/?v=5&type=suggest-pkgbase&arg=${arg}`).then((res) => expect(res.body).toBe("[]")),
        expectError(`/rpc/?v=5&type=${arg}&arg=plain`, 5, "Incorrect request type specified."),
        expectError(`/rpc/?v=5&type=search&by=${arg}&arg=plain`, 5, "Incorrect by field specified."),
      ];
    });
    await Promise.all(checks);
  });

  it("are searched as the characters they are (a backslash still escapes the next one)", async () => {
    const names = async (arg: string) =>
      (JSON.parse((await world.get(`/rpc/?v=5&type=search&by=name&arg=${encodeURIComponent(arg)}`)).body) as { results: { Name: string }[] }).results.map((r) => r.Name);
    expect(await names(";--")).toEqual(["semi;--pkg"]);
    expect(await names("t'")).toEqual(["it's-a-pkg"]);
    expect(await names("\\'")).toEqual(["it's-a-pkg"]); // \' is an escaped ': names containing '
    expect(await names("k\\s")).toEqual([]); // \s is an escaped s: names containing ks
    expect(await names("k\\\\s")).toEqual(["back\\slash"]); // \\ is a backslash
  });

  it("in a forwarded address are never run: a value that is not an IP address is ignored for the peer", async () => {
    const res = await world.get("/rpc/?v=5&type=info&arg=plain", { "X-Real-IP": "'; DELETE FROM Packages; --" });
    expectEnvelope(res, 5, ["multiinfo"]);
    expect((JSON.parse(res.body) as { resultcount: number }).resultcount).toBe(1);
  });
});

describe("NUL bytes", () => {
  it("in v: intval() stops before it", async () => {
    expect(JSON.parse((await world.get("/rpc/?v=5%00&type=info&arg=plain")).body)).toMatchObject({ version: 5, resultcount: 1 });
  });

  it("in type, by and callback: the values are invalid", async () => {
    await expectError("/rpc/?v=5&type=info%00&arg=plain", 5, "Incorrect request type specified.");
    await expectError("/rpc/?v=5&type=search&by=name%00&arg=plain", 5, "Incorrect by field specified.");
    await expectError("/rpc/?v=5&type=info&arg=plain&callback=cb%00", 5, "Invalid callback name.");
  });

  it("in arg: part of the argument, which then matches nothing", async () => {
    for (const [type, query] of EVERY_TYPE) {
      for (const arg of ["plain%00", "pl%00ain", "%00", "%00%00"]) {
        const answer = expectEnvelope(await world.get(`/rpc/?v=5&${query}&arg=${arg}`), 5, [type === "info" ? "multiinfo" : type]);
        if (answer.type !== "error") expect(answer.resultcount, `${query}&arg=${arg}`).toBe(0);
      }
    }
    expect((await world.get("/rpc/?v=5&type=suggest&arg=pl%00")).body).toBe("[]");
  });

  it("in a name: the name ends at the NUL (arg%00x is arg, ty%00pe is ty)", async () => {
    expect(JSON.parse((await world.get("/rpc/?v=5&type=info&arg%00junk=plain")).body)).toMatchObject({ resultcount: 1 });
    const docs = await world.get("/rpc/?v=5&ty%00pe=info&arg=plain");
    expect(docs.status).toBe(200);
    expect(docs.headers["content-type"]).toBe("text/html; charset=utf-8");
  });
});

describe("arrays where strings are expected", () => {
  it("arg[] for search, msearch, dependency searches, suggest and info before v5: Invalid query arguments.", async () => {
    for (const v of [1, 3, 5]) {
      for (const query of ["type=search", "type=search&by=name", "type=search&by=maintainer", "type=msearch", "type=search&by=depends", "type=suggest", "type=suggest-pkgbase"]) {
        await expectError(`/rpc/?v=${v}&${query}&arg[]=plain`, v, "Invalid query arguments.");
      }
    }
    for (const v of [1, 2, 3, 4]) await expectError(`/rpc/?v=${v}&type=info&arg[]=plain`, v, "Invalid query arguments.");
  });

  it("nested arrays in multiinfo: Invalid query arguments.", async () => {
    for (const v of [1, 4, 5]) {
      await expectError(`/rpc/?v=${v}&type=multiinfo&arg[a][b]=plain`, v, "Invalid query arguments.");
      await expectError(`/rpc/?v=${v}&type=multiinfo&arg[][]=plain`, v, "Invalid query arguments.");
      await expectError(`/rpc/?v=${v}&type=multiinfo&arg[]=plain&arg[x][]=plain`, v, "Invalid query arguments.");
    }
  });

  it("callback[]: Invalid callback name.", async () => {
    await expectError("/rpc/?v=5&type=info&arg=plain&callback[]=cb", 5, "Invalid callback name.");
  });

  it("type[], by[] and search_by[] are values outside the lists (the legacy answers)", async () => {
    await expectError("/rpc/?v=5&type[]=info&arg=plain", 5, "Incorrect request type specified.");
    await expectError("/rpc/?v=5&type=search&by[]=name&arg=plain", 5, "Incorrect by field specified.");
    await expectError("/rpc/?v=5&type=search&search_by[]=name&arg=plain", 5, "Incorrect by field specified.");
  });

  it("v[] is intval() of an array: 1", async () => {
    expect(JSON.parse((await world.get("/rpc/?v[]=5&type=search&by=name&arg=plain")).body)).toMatchObject({ version: 1, type: "search" });
  });

  it("base_id[] and pkgbase_name[] are only tested for presence by get-comment-form", async () => {
    expect((await world.get("/rpc/?type=get-comment-form&arg[]=1&base_id[]=1&pkgbase_name[]=x")).body).toBe(
      '{"success":0,"error":"You are not allowed to edit this comment."}',
    );
  });

  it("a name nested deeper than max_input_nesting_level (64) is dropped, and takes its variable with it", async () => {
    const deep = `arg${"[a]".repeat(65)}=plain`;
    await expectError(`/rpc/?v=5&type=info&${deep}`, 5, "No request type/data specified.");
    // PHP deletes $_GET['arg'] when it meets the too-deep arg[...]: an earlier arg is gone.
    await expectError(`/rpc/?v=5&type=info&arg=plain&${deep}`, 5, "No request type/data specified.");
    // 64 levels are still fine.
    expectEnvelope(await world.get(`/rpc/?v=5&type=search&by=name&arg=plain&x${"[a]".repeat(64)}=1`), 5, ["search"]);
  });
});

describe("the database", () => {
  it("after all of the above, every table but ApiRateLimit is unchanged", async () => {
    expect(await checksums()).toEqual(checksumsBefore);
  });
});
