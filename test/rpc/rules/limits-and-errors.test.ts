/**
 * Every error the legacy RPC could answer, in its per-version shape (the message in
 * `results` before v3; `results: []` plus `error` from v3), the order in which the
 * checks ran (version, presence of type and arg, type, by, then the handler), which
 * errors carry an ETag (those from a handler) and the result limit (max_rpc_results,
 * here 3: a query reaching the limit is an error).
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Seeder } from "../../support/seed.js";
import { resultNames, startWorld, type LegacyAnswer, type World } from "./harness.js";
import { errorAnswer } from "./legacy-json.js";

const MAX_RPC_RESULTS = 3;

async function seedLimits(seed: Seeder) {
  const carol = await seed.user("carol");
  const dave = await seed.user("dave");
  for (const name of ["many-a", "many-b", "many-c"]) {
    await seed.package({ name, baseSpec: { maintainer: carol }, depends: [{ type: "depends", name: "trio-lib" }] });
  }
  for (const name of ["pair-a", "pair-b"]) {
    await seed.package({ name, baseSpec: { maintainer: dave }, depends: [{ type: "makedepends", name: "duo-lib" }] });
  }
  // Three license rows for two packages: three rows in v1, two packages from v2.
  await seed.package({ name: "lic-a", licenses: ["GPL", "MIT"] });
  await seed.package({ name: "lic-b", licenses: ["MIT"] });
  await seed.package({ name: "ée" });
}

let world: World<void>;
beforeAll(async () => {
  world = await startWorld("limits_errors", seedLimits, { MAX_RPC_RESULTS });
});
afterAll(async () => {
  await world?.close();
});

const VERSIONS = [1, 2, 3, 4, 5];
const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

/** An error raised before any handler ran: no ETag. */
async function expectEarlyError(target: string, version: number | string, message: string) {
  const res = await world.get(target);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("application/json");
  expect(res.body).toBe(errorAnswer(version, message));
  expect(res.headers.etag).toBeUndefined();
}

/** An error from a handler: answered like any result, with the ETag of its body. */
async function expectHandlerError(target: string, version: number, message: string) {
  const res = await world.get(target);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toBe("application/json");
  expect(res.body).toBe(errorAnswer(version, message));
  expect(res.headers.etag).toBe(`"${md5(res.body)}"`);
}

describe("errors raised before the handler (no ETag), per version", () => {
  it("Invalid version specified.: shape of the version asked for", async () => {
    await expectEarlyError("/rpc/?v=0&type=info&arg=x", 0, "Invalid version specified.");
    await expectEarlyError("/rpc/?v=-3&type=info&arg=x", -3, "Invalid version specified.");
    await expectEarlyError("/rpc/?v=6&type=info&arg=x", 6, "Invalid version specified.");
  });

  for (const v of VERSIONS) {
    it(`v${v}: No request type/data specified. (type or arg missing)`, async () => {
      await expectEarlyError(`/rpc/?v=${v}&type=info`, v, "No request type/data specified.");
      await expectEarlyError(`/rpc/?v=${v}&type=search&by=name`, v, "No request type/data specified.");
      // A key without "=" is set (to ""): isset() is true, so this is not the documentation page.
      await expectEarlyError(`/rpc/?v=${v}&type`, v, "No request type/data specified.");
    });

    it(`v${v}: Incorrect request type specified.`, async () => {
      for (const type of ["bogus", "", "INFO", "multi-info", "suggest_pkgbase", "get_comment_form", "info%20"]) {
        await expectEarlyError(`/rpc/?v=${v}&type=${type}&arg=x`, v, "Incorrect request type specified.");
      }
      await expectEarlyError(`/rpc/?v=${v}&type&arg`, v, "Incorrect request type specified.");
    });

    // by=provides, conflicts, replaces, groups, submitter, keywords and comaintainers
    // are answered on purpose (see fixtures/legacy-deviations.json), so not listed here.
    it(`v${v}: Incorrect by field specified. (any type)`, async () => {
      for (const by of ["bogus", "", "Name", "MAINTAINER", "name%20", "description"]) {
        await expectEarlyError(`/rpc/?v=${v}&type=search&by=${by}&arg=xx`, v, "Incorrect by field specified.");
      }
      await expectEarlyError(`/rpc/?v=${v}&type=info&by=bogus&arg=xx`, v, "Incorrect by field specified.");
      await expectEarlyError(`/rpc/?v=${v}&type=suggest&by=bogus&arg=xx`, v, "Incorrect by field specified.");
    });
  }
});

describe("order of the checks", () => {
  it("version first, even without type or arg", async () => {
    await expectEarlyError("/rpc/?v=6&type=bogus", 6, "Invalid version specified.");
    await expectEarlyError("/rpc/?v=0&type=search&by=bogus", 0, "Invalid version specified.");
  });

  it("then presence of type and arg, before the type's value", async () => {
    await expectEarlyError("/rpc/?v=5&type=bogus", 5, "No request type/data specified.");
  });

  it("then the type, before by", async () => {
    await expectEarlyError("/rpc/?v=5&type=bogus&by=bogus&arg=x", 5, "Incorrect request type specified.");
  });

  it("then by, before the handler's own checks", async () => {
    await expectEarlyError("/rpc/?v=5&type=search&by=bogus&arg=x", 5, "Incorrect by field specified.");
    await expectEarlyError("/rpc/?v=5&type=multiinfo&by=bogus&arg[]=", 5, "Incorrect by field specified.");
  });
});

describe("errors raised by the handlers (with ETag), per version", () => {
  for (const v of VERSIONS) {
    it(`v${v}: Query arg too small. (fewer than 2 bytes, name and name-desc)`, async () => {
      for (const arg of ["", "x", "%FF"]) {
        await expectHandlerError(`/rpc/?v=${v}&type=search&arg=${arg}`, v, "Query arg too small.");
        await expectHandlerError(`/rpc/?v=${v}&type=search&by=name&arg=${arg}`, v, "Query arg too small.");
      }
    });

    it(`v${v}: Query arg is empty. (dependency searches with "" or "0")`, async () => {
      for (const by of ["depends", "makedepends", "checkdepends", "optdepends"]) {
        for (const arg of ["", "0"]) {
          await expectHandlerError(`/rpc/?v=${v}&type=search&by=${by}&arg=${arg}`, v, "Query arg is empty.");
        }
      }
    });

    it(`v${v}: Invalid query arguments. (multiinfo with only empty or "0" args)`, async () => {
      await expectHandlerError(`/rpc/?v=${v}&type=multiinfo&arg[]=`, v, "Invalid query arguments.");
      await expectHandlerError(`/rpc/?v=${v}&type=multiinfo&arg[]=&arg[]=0`, v, "Invalid query arguments.");
      await expectHandlerError(`/rpc/?v=${v}&type=multiinfo&arg=0`, v, "Invalid query arguments.");
    });
  }

  it("v5 info is multiinfo, so an empty or 0 arg is Invalid query arguments.", async () => {
    await expectHandlerError("/rpc/?v=5&type=info&arg=", 5, "Invalid query arguments.");
    await expectHandlerError("/rpc/?v=5&type=info&arg=0", 5, "Invalid query arguments.");
  });

  it("the length is counted in bytes: é (2 bytes) is long enough", async () => {
    const answer = await world.json("/rpc/?v=5&type=search&by=name&arg=%C3%A9");
    expect(answer.type).toBe("search");
    expect(resultNames(answer)).toEqual(["ée"]);
  });

  it("maintainer searches have no length check", async () => {
    expect((await world.json("/rpc/?v=5&type=search&by=maintainer&arg=x")).type).toBe("search");
    expect((await world.json("/rpc/?v=5&type=msearch&arg=x")).type).toBe("search");
  });
});

describe(`Too many package results. (max_rpc_results = ${MAX_RPC_RESULTS})`, () => {
  for (const v of VERSIONS) {
    it(`v${v}: a search with exactly ${MAX_RPC_RESULTS} packages is an error, with 2 it is answered`, async () => {
      await expectHandlerError(`/rpc/?v=${v}&type=search&by=name&arg=many`, v, "Too many package results.");
      expect(resultNames(await world.json(`/rpc/?v=${v}&type=search&by=name&arg=pair`))).toEqual(["pair-a", "pair-b"]);
    });

    it(`v${v}: more matches than the limit are the same error`, async () => {
      await expectHandlerError(`/rpc/?v=${v}&type=search&by=name-desc&arg=de`, v, "Too many package results.");
    });

    it(`v${v}: maintainer, dependency and multiinfo queries have the same limit`, async () => {
      await expectHandlerError(`/rpc/?v=${v}&type=msearch&arg=carol`, v, "Too many package results.");
      expect(resultNames(await world.json(`/rpc/?v=${v}&type=msearch&arg=dave`))).toHaveLength(2);
      await expectHandlerError(`/rpc/?v=${v}&type=search&by=depends&arg=trio-lib`, v, "Too many package results.");
      expect(resultNames(await world.json(`/rpc/?v=${v}&type=search&by=makedepends&arg=duo-lib`))).toHaveLength(2);
      await expectHandlerError(`/rpc/?v=${v}&type=multiinfo&arg[]=many-a&arg[]=many-b&arg[]=many-c`, v, "Too many package results.");
    });
  }

  it("v1 counts rows, one per license: two packages with three licenses reach the limit", async () => {
    await expectHandlerError("/rpc/?v=1&type=search&by=name&arg=lic-", 1, "Too many package results.");
    for (const v of [2, 3, 4, 5]) {
      expect(resultNames(await world.json(`/rpc/?v=${v}&type=search&by=name&arg=lic-`))).toEqual(["lic-a", "lic-b"]);
    }
  });

  it("requests PHP never answered (POST forms, path-style) are refused only past the limit, as today's aurweb", async () => {
    const form = "v=5&type=info&arg[]=many-a&arg[]=many-b&arg[]=many-c";
    const post = (path: string, body: string) =>
      world.service.app.request(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    const names = async (res: Response) => resultNames((await res.json()) as LegacyAnswer);
    expect(await names(await post("/rpc/", form))).toEqual(["many-a", "many-b", "many-c"]);
    expect(await names(await post("/rpc/v5/info", "arg[]=many-a&arg[]=many-b&arg[]=many-c"))).toEqual(["many-a", "many-b", "many-c"]);
    expect(await names(await world.service.app.request("/rpc/v5/search/carol?by=maintainer"))).toHaveLength(3);
    const tooMany = await post("/rpc/v5/info", "arg[]=many-a&arg[]=many-b&arg[]=many-c&arg[]=pair-a");
    expect(await tooMany.text()).toBe(errorAnswer(5, "Too many package results."));
    // The same names in a GET PHP answered keep PHP's rule.
    await expectHandlerError(`/rpc/?${form}`, 5, "Too many package results.");
  });

  it("suggest has its own limit (20) and is not affected", async () => {
    const res = await world.get("/rpc/?v=5&type=suggest&arg=many");
    expect(res.body).toBe('["many-a","many-b","many-c"]');
  });
});
