/**
 * The legacy RPC read its parameters from PHP's $_GET, so the query string is parsed the
 * way PHP 8.2 parsed it: `v` through intval(), the last of repeated keys wins, `name[]`
 * builds a list, `+` is a space, malformed %-escapes stay as they are, spaces and dots in
 * names become `_`, leading spaces of names are dropped, and only the first 1000 pairs
 * (max_input_vars) are read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Seeder } from "../../support/seed.js";
import { resultNames, startWorld, type World } from "./harness.js";
import { errorAnswer } from "./legacy-json.js";

async function seedParsing(seed: Seeder) {
  const alice = await seed.user("alice");
  const bob = await seed.user("bob");
  await seed.package({ name: "alpha", baseSpec: { maintainer: alice } });
  await seed.package({ name: "beta", baseSpec: { maintainer: bob } });
  await seed.package({ name: "gamma", baseSpec: { maintainer: bob } });
  await seed.package({ name: "alice-tools", baseSpec: { maintainer: bob } });
  await seed.package({ name: "wordy", description: "has some words inside" });
  await seed.package({ name: "c++-lib" });
  await seed.package({ name: "pct%zz" });
  await seed.package({ name: "pct%4" });
}

let world: World<void>;
beforeAll(async () => {
  world = await startWorld("query_parsing", seedParsing);
});
afterAll(async () => {
  await world?.close();
});

const names = async (target: string) => resultNames(await world.json(target)).sort();
const body = async (target: string) => (await world.get(target)).body;

describe("v is read with intval()", () => {
  it("takes the leading number: 5abc is 5, 4.9 is 4, ' 5' is 5", async () => {
    expect((await world.json("/rpc/?v=5abc&type=info&arg=alpha")).version).toBe(5);
    expect((await world.json("/rpc/?v=4.9&type=info&arg=alpha")).version).toBe(4);
    expect((await world.json("/rpc/?v=%205&type=info&arg=alpha")).version).toBe(5);
  });

  it("reads exponents (1e1 is 10, so invalid) but not hex (0x5 is 0)", async () => {
    expect(await body("/rpc/?v=1e1&type=info&arg=alpha")).toBe(errorAnswer(10, "Invalid version specified."));
    expect(await body("/rpc/?v=0x5&type=info&arg=alpha")).toBe(errorAnswer(0, "Invalid version specified."));
  });

  it("is 1 when absent or when only V (another key) is given", async () => {
    expect((await world.json("/rpc/?type=info&arg=alpha")).version).toBe(1);
    expect((await world.json("/rpc/?V=5&type=info&arg=alpha")).version).toBe(1);
  });

  it("saturates at PHP_INT_MAX / PHP_INT_MIN, printed in the error", async () => {
    expect(await body("/rpc/?v=99999999999999999999&type=info&arg=alpha")).toBe(
      errorAnswer("9223372036854775807", "Invalid version specified."),
    );
    expect(await body("/rpc/?v=-99999999999999999999&type=info&arg=alpha")).toBe(
      errorAnswer("-9223372036854775808", "Invalid version specified."),
    );
  });
});

describe("repeated keys", () => {
  it("the last value wins", async () => {
    expect((await world.json("/rpc/?v=1&v=5&type=info&arg=alpha")).version).toBe(5);
    expect(await names("/rpc/?v=5&type=info&arg=alpha&arg=beta")).toEqual(["beta"]);
    expect(await names("/rpc/?v=5&type=info&type=search&by=name&arg=gamma")).toEqual(["gamma"]);
  });

  it("arg[] after arg replaces the string with a list (holding only the later value)", async () => {
    expect(await names("/rpc/?v=5&type=multiinfo&arg=alpha&arg[]=beta")).toEqual(["beta"]);
    // A list where info (before v5) needs a string: the legacy error shape, not a crash.
    expect(await body("/rpc/?v=4&type=info&arg=alpha&arg[]=beta")).toBe(errorAnswer(4, "Invalid query arguments."));
  });

  it("arg after arg[] replaces the list with a string", async () => {
    expect(await names("/rpc/?v=4&type=info&arg[]=alpha&arg=beta")).toEqual(["beta"]);
    expect(await names("/rpc/?v=5&type=multiinfo&arg[]=alpha&arg=beta")).toEqual(["beta"]);
  });

  it("arg[] repeated builds a list; explicit and %-encoded brackets too", async () => {
    expect(await names("/rpc/?v=5&type=multiinfo&arg[]=alpha&arg[]=beta")).toEqual(["alpha", "beta"]);
    expect(await names("/rpc/?v=5&type=multiinfo&arg[x]=alpha&arg[7]=beta&arg[]=gamma")).toEqual(["alpha", "beta", "gamma"]);
    expect(await names("/rpc/?v=5&type=multiinfo&arg%5B%5D=alpha&arg%5B%5D=beta")).toEqual(["alpha", "beta"]);
    // The same index twice: the later value replaces the earlier one.
    expect(await names("/rpc/?v=5&type=multiinfo&arg[0]=alpha&arg[0]=beta")).toEqual(["beta"]);
  });

  it("integer keys reach PHP_INT_MAX: arg[] appends after the largest, and past PHP_INT_MAX is dropped", async () => {
    // 2^53 + 1 is an integer key to PHP: arg[] appends at 2^53 + 2, which arg[9007199254740994] then replaces.
    expect(await names("/rpc/?v=5&type=multiinfo&arg[9007199254740993]=alpha&arg[]=beta&arg[9007199254740994]=gamma")).toEqual(["alpha", "gamma"]);
    // One past PHP_INT_MAX is a string key, and appending after it goes on from 0.
    expect(await names("/rpc/?v=5&type=multiinfo&arg[9223372036854775808]=alpha&arg[]=beta")).toEqual(["alpha", "beta"]);
    // PHP_INT_MAX is the largest key: PHP finds the next element occupied and drops beta.
    expect(await names("/rpc/?v=5&type=multiinfo&arg[9223372036854775807]=alpha&arg[]=beta")).toEqual(["alpha"]);
    expect(await names("/rpc/?v=5&type=multiinfo&arg[9223372036854775806]=alpha&arg[]=beta&arg[]=gamma")).toEqual(["alpha", "beta"]);
  });

  it("one whitespace character between the brackets is an append too, like []", async () => {
    // PHP skips one isspace() character before looking for `]`: arg[ ] is arg[].
    expect(await names("/rpc/?v=5&type=multiinfo&arg[+]=alpha&arg[%20]=beta&arg[%09]=gamma")).toEqual(["alpha", "beta", "gamma"]);
    // Anything else is a key, leading space included: arg[ x] twice keeps the later value.
    expect(await names("/rpc/?v=5&type=multiinfo&arg[+x]=alpha&arg[%20x]=beta")).toEqual(["beta"]);
  });

  it("multiinfo takes a plain arg as a one-element list", async () => {
    expect(await names("/rpc/?v=5&type=multiinfo&arg=gamma")).toEqual(["gamma"]);
    expect(await names("/rpc/?v=4&type=multiinfo&arg=gamma")).toEqual(["gamma"]);
  });
});

describe("decoding of values", () => {
  it("+ is a space, %2B a plus", async () => {
    expect(await names("/rpc/?v=5&type=search&arg=some+words")).toEqual(["wordy"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=c%2B%2B")).toEqual(["c++-lib"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=c++")).toEqual([]); // "c  "
  });

  it("malformed escapes are kept literally (%zz, a % with fewer than two characters after it)", async () => {
    expect(await names("/rpc/?v=5&type=info&arg=pct%zz")).toEqual(["pct%zz"]);
    expect(await names("/rpc/?v=5&type=info&arg=pct%4")).toEqual(["pct%4"]);
    expect(await names("/rpc/?v=5&type=info&arg=pct%25zz")).toEqual(["pct%zz"]);
    expect(await names("/rpc/?v=5&type=search&by=name&arg=%zz")).toEqual(["pct%zz"]);
  });
});

describe("names of parameters", () => {
  it("by wins over search_by; search_by is used only when by is absent", async () => {
    expect(await names("/rpc/?v=5&type=search&search_by=maintainer&arg=alice")).toEqual(["alpha"]);
    expect(await names("/rpc/?v=5&type=search&by=name&search_by=maintainer&arg=alice")).toEqual(["alice-tools"]);
    expect(await body("/rpc/?v=5&type=search&search_by=bogus&arg=alice")).toBe(errorAnswer(5, "Incorrect by field specified."));
  });

  it("dots and spaces in names become underscores: search.by and search+by are search_by", async () => {
    expect(await names("/rpc/?v=5&type=search&search.by=maintainer&arg=alice")).toEqual(["alpha"]);
    expect(await names("/rpc/?v=5&type=search&search+by=maintainer&arg=alice")).toEqual(["alpha"]);
    expect(await names("/rpc/?v=5&type=search&search%20by=maintainer&arg=alice")).toEqual(["alpha"]);
  });

  it("leading spaces of names are dropped", async () => {
    expect(await names("/rpc/?+v=5&+type=search&%20%20by=maintainer&+arg=alice")).toEqual(["alpha"]);
  });

  it("an unterminated [ makes a plain name with _ (arg[ is arg_, so arg is missing)", async () => {
    expect(await body("/rpc/?v=5&type=info&arg[=alpha")).toBe(errorAnswer(5, "No request type/data specified."));
    expect(await body("/rpc/?v=5&type=search&search[by=maintainer&arg=alice")).toContain('"Name":"alpha"');
  });
});

describe("max_input_vars: only the first 1000 pairs are read", () => {
  const fillers = (n: number, separator = "&") => Array.from({ length: n }, (_, i) => `x${i}=1`).join(separator);

  it("arg as the 1000th pair is read", async () => {
    expect(await names(`/rpc/?v=5&type=info&${fillers(997)}&arg=alpha`)).toEqual(["alpha"]);
  });

  it("arg as the 1001st pair is not", async () => {
    expect(await body(`/rpc/?v=5&type=info&${fillers(998)}&arg=alpha`)).toBe(errorAnswer(5, "No request type/data specified."));
  });

  it("empty pairs (&&) do not count; pairs without = or without a name do", async () => {
    expect(await names(`/rpc/?v=5&type=info&&&${fillers(997, "&&")}&&arg=alpha`)).toEqual(["alpha"]);
    expect(await body(`/rpc/?v=5&type=info&novalue&${fillers(996)}&=x&arg=alpha`)).toBe(
      errorAnswer(5, "No request type/data specified."),
    );
  });

  it("a later pair cannot override an earlier one past the limit", async () => {
    expect((await world.json(`/rpc/?v=5&type=info&arg=alpha&${fillers(997)}&v=1`)).version).toBe(5);
  });
});
