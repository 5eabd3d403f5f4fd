import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client.js";
import { generateRequests, sampleDatabase, type Sample } from "../../tools/parity/generate.js";
import type { ScratchDatabase } from "../../support/database.js";
import { createLegacyDatabase, PUBLIC_DATASET } from "../../support/legacy-data.js";
import { createSeededDatabase } from "../support/seed.js";
import { startService, type RunningService } from "../support/service.js";

async function sampleOf(url: string, seed: number): Promise<Sample> {
  const database = createDatabase(url, { poolSize: 2 });
  try {
    return await sampleDatabase(database.db, seed);
  } finally {
    await database.close();
  }
}

const isEnvelope = (v: unknown) => {
  const o = v as Record<string, unknown> | null;
  return typeof o === "object" && o !== null && typeof o["version"] === "number" && typeof o["type"] === "string" && typeof o["resultcount"] === "number";
};
const isNameList = (v: unknown) => Array.isArray(v) && v.every((name) => typeof name === "string");
const isFormAnswer = (v: unknown) => typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)["success"] === "number";

const typeOf = (target: string) => new URLSearchParams(target.slice(target.indexOf("?") + 1)).get("type");

describe("sampleDatabase and generateRequests on a small seeded database", () => {
  let db: ScratchDatabase;
  let sample: Sample;
  beforeAll(async () => {
    const seeded = await createSeededDatabase("generate_small", async (seed) => {
      const ada = await seed.user("ada");
      await seed.package({
        name: "tool-one",
        description: "measures things quickly",
        baseSpec: { maintainer: ada, keywords: ["measure"] },
        depends: [{ type: "makedepends", name: "cmake" }],
        relations: [{ type: "provides", name: "tool" }],
      });
      await seed.package({ name: "other-two", description: "draws pictures", depends: [{ type: "depends", name: "libpng" }] });
    });
    db = seeded.db;
    sample = await sampleOf(db.url, 1);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("samples the database's own values", () => {
    expect(sample.packageNames.sort()).toEqual(["other-two", "tool-one"]);
    expect(sample.maintainers).toEqual(["ada"]);
    expect(sample.keywords).toEqual(["measure"]);
    expect(sample.declarations).toEqual(
      expect.arrayContaining([
        { type: "makedepends", name: "cmake" },
        { type: "depends", name: "libpng" },
        { type: "provides", name: "tool" },
      ]),
    );
    expect(sample.words).toEqual(expect.arrayContaining(["measures", "pictures"]));
  });

  it("makes distinct /rpc requests of every family, the same ones for the same seed", () => {
    const requests = generateRequests(sample, { count: 400, seed: 5 });
    expect(requests).toHaveLength(400);
    expect(new Set(requests).size).toBe(400);
    expect(requests.every((r) => /^\/rpc(\/|\.php)?\?/.test(r))).toBe(true);
    const types = new Set(requests.map(typeOf));
    for (const type of ["info", "multiinfo", "search", "msearch", "suggest", "suggest-pkgbase"]) expect(types).toContain(type);
    expect(requests.some((r) => r.includes("by=makedepends&arg=cmake"))).toBe(true);
    expect(generateRequests(sample, { count: 400, seed: 5 })).toEqual(requests);
    expect(generateRequests(sample, { count: 400, seed: 6 })).not.toEqual(requests);
  });
});

/**
 * Whatever the generator makes, the service answers in the legacy shape: never a 500 and
 * never a stack trace, whether the legacy PHP answered the request or crashed on it.
 */
describe("generated requests against the service on the public data set", () => {
  let db: ScratchDatabase;
  let service: RunningService;
  beforeAll(async () => {
    db = await createLegacyDatabase("generate_public", PUBLIC_DATASET);
    service = await startService(db.url);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it("answers each of 1,500 with JSON in the legacy shape of its type, JSONP around it, or the docs page", async () => {
    const requests = generateRequests(await sampleOf(db.url, 3), { count: 1500, seed: 3 });
    const unexpected: string[] = [];
    for (const target of requests) {
      const response = await fetch(service.url + target);
      const body = await response.text();
      const json = body.match(/^\/\*\*\/[a-zA-Z0-9()_.]{1,128}\((.*)\)$/s)?.[1] ?? body;
      if (response.status === 200 && body.includes("<title>AUR RPC interface</title>")) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        parsed = undefined;
      }
      const type = typeOf(target) ?? "";
      const legacyShape =
        isEnvelope(parsed) || (type.startsWith("suggest") && isNameList(parsed)) || (type === "get-comment-form" && isFormAnswer(parsed));
      if (response.status !== 200 || !legacyShape) unexpected.push(`${response.status} ${target}: ${body.slice(0, 120)}`);
    }
    expect(unexpected).toEqual([]);
  });
});
