/**
 * Requests nobody recorded. A recording holds the request shapes someone thought of on
 * the data it was made over; the legacy answers also depend on data (row order follows
 * MariaDB's plans, visibility follows the packager, matching follows the collation) and
 * on shapes nobody thought of. These requests are drawn from a database's own rows and
 * varied the way clients and scanners vary them; replayed against a legacy install and
 * the service over the same database (`npm run parity -- --legacy ...`), every
 * difference is a rule the port does not follow yet.
 *
 * Deterministic for a seed and a database, so a difference found once can be found again.
 */
import { eq, isNotNull, sql } from "drizzle-orm";
import type { MySql2Database } from "drizzle-orm/mysql2";
import * as schema from "../../schema/index.js";
import { DEPENDENCY_FIELDS, RELATION_FIELDS, SEARCH_FIELDS } from "../../src/rpc/params.js";
import { seededRandom } from "../../src/seeded-random.js";

/** What the requests are made of: a random sample of the database's values. */
export interface Sample {
  packageNames: string[];
  baseNames: string[];
  packageIds: number[];
  maintainers: string[];
  /** Declared names with their type (`depends`, `provides`, ...), as searches by that type take them. */
  declarations: { type: string; name: string }[];
  keywords: string[];
  /** Words of descriptions, for name-desc searches. */
  words: string[];
}

const SAMPLE_ROWS = 1000;

export async function sampleDatabase(db: MySql2Database<typeof schema>, seed: number): Promise<Sample> {
  const { packages, packageBases, users, packageDepends, dependencyTypes, packageRelations, relationTypes, packageKeywords } = schema;
  const random = sql`RAND(${seed})`;
  const [packageRows, baseRows, maintainerRows, dependencyRows, relationRows, keywordRows, descriptionRows] = await Promise.all([
    db.select({ id: packages.ID, name: packages.Name }).from(packages).orderBy(random).limit(SAMPLE_ROWS),
    db.select({ name: packageBases.Name }).from(packageBases).orderBy(random).limit(SAMPLE_ROWS),
    db
      .selectDistinct({ name: users.Username })
      .from(packageBases)
      .innerJoin(users, eq(users.ID, packageBases.MaintainerUID))
      .orderBy(random)
      .limit(SAMPLE_ROWS / 4),
    db
      .select({ type: dependencyTypes.Name, name: packageDepends.DepName })
      .from(packageDepends)
      .innerJoin(dependencyTypes, eq(dependencyTypes.ID, packageDepends.DepTypeID))
      .orderBy(random)
      .limit(SAMPLE_ROWS),
    db
      .select({ type: relationTypes.Name, name: packageRelations.RelName })
      .from(packageRelations)
      .innerJoin(relationTypes, eq(relationTypes.ID, packageRelations.RelTypeID))
      .orderBy(random)
      .limit(SAMPLE_ROWS / 4),
    db.selectDistinct({ keyword: packageKeywords.Keyword }).from(packageKeywords).orderBy(random).limit(SAMPLE_ROWS / 4),
    db.select({ description: packages.Description }).from(packages).where(isNotNull(packages.Description)).orderBy(random).limit(SAMPLE_ROWS / 4),
  ]);
  return {
    packageNames: packageRows.map((r) => r.name),
    packageIds: packageRows.map((r) => r.id),
    baseNames: baseRows.map((r) => r.name),
    maintainers: maintainerRows.map((r) => r.name),
    declarations: [...dependencyRows, ...relationRows],
    keywords: keywordRows.map((r) => r.keyword),
    words: descriptionRows.flatMap((r) => (r.description ?? "").split(/\s+/)).filter((w) => w.length >= 2),
  };
}

export interface GenerateOptions {
  count: number;
  seed: number;
}

/** `count` distinct request targets (path and query), each starting with `/rpc`. */
export function generateRequests(sample: Sample, { count, seed }: GenerateOptions): string[] {
  const random = new Random(seed);
  const make = new RequestMaker(sample, random);
  const targets = new Set<string>();
  // Small samples cannot make `count` distinct requests; stop rather than spin.
  for (let attempts = 0; targets.size < count && attempts < count * 20; attempts++) targets.add(make.request());
  return [...targets];
}

/** Seeded draws (seeded-random.ts), with the shapes the generator asks for. */
class Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[], fallback: T): T {
    return items.length === 0 ? fallback : items[this.below(items.length)]!;
  }
}

/** Searches by a declared name: a dependency or, beyond legacy, a relation. */
const DECLARED_FIELDS: readonly string[] = [...DEPENDENCY_FIELDS, ...RELATION_FIELDS];
/** Arguments that are hard on parsers, LIKE patterns and collations. */
const AWKWARD_ARGUMENTS = [
  "", "a", "_", "%", "%%", "a_b", "a%b", "\\", "\\_", "'", '"', "0", "00", "1",
  "é", "É", "ß", "ǅ", "ﬁ", "İ", "日本", "\u{1F600}", " ", "a ", " a",
];
/** Percent-encoded bytes that are not whole UTF-8 characters, or are control characters. */
const RAW_BYTES = ["%00", "%FF", "%C3", "%C3%28", "%E2%82", "%F0%9F", "%C0%AF", "%09", "%0A"];
const VERSIONS = ["", "v=0", "v=6", "v=05", "v=5abc", "v=%2B5", "v=-1", "v[]=5", "v=1e1", "v=4.9", "v=%205", "v=", "v=3&v=5", "V=5"];
const CALLBACKS = ["cb", "a.b", "x(1)", "_", "bad-name", "", "%3Cscript%3E", "x".repeat(128), "x".repeat(129)];
const PATHS = ["/rpc/", "/rpc/", "/rpc", "/rpc.php"];

class RequestMaker {
  constructor(
    private readonly sample: Sample,
    private readonly random: Random,
  ) {}

  request(): string {
    const r = this.random;
    const params = [this.version()];
    const family = r.next();
    if (family < 0.25) params.push(`type=${r.pick(["info", "info", "multiinfo"], "info")}`, this.infoArguments());
    else if (family < 0.55) params.push(...this.search());
    else if (family < 0.62) params.push("type=msearch", `arg=${encodeURIComponent(this.vary(r.pick(this.sample.maintainers, "")))}`);
    else if (family < 0.85) params.push(`type=${r.pick(["suggest", "suggest-pkgbase"], "suggest")}`, this.argument(this.prefix()));
    else params.push(...this.malformed());
    if (r.chance(0.06)) params.push(`callback=${r.pick(CALLBACKS, "cb")}`);
    const query = params.filter((p) => p !== "");
    return `${r.pick(PATHS, "/rpc/")}?${query.join("&")}`;
  }

  private version(): string {
    return this.random.chance(0.88) ? `v=${1 + this.random.below(5)}` : this.random.pick(VERSIONS, "");
  }

  private search(): string[] {
    const r = this.random;
    const by = r.pick(["", ...SEARCH_FIELDS], "");
    let arg: string;
    if (by === "maintainer") arg = r.chance(0.9) ? this.vary(r.pick(this.sample.maintainers, "")) : "";
    else if (DECLARED_FIELDS.includes(by)) arg = this.vary(this.declared(by));
    else if (by === "keywords") arg = this.vary(r.pick(this.sample.keywords, "x"));
    else arg = this.text();
    const field = by === "" ? [] : [`${r.chance(0.1) ? "search_by" : "by"}=${by}`];
    return ["type=search", ...field, this.argument(arg)];
  }

  /** A name declared with that type, or any declared name when the sample has none. */
  private declared(type: string): string {
    const ofType = this.sample.declarations.filter((d) => d.type === type);
    return this.random.pick(ofType.length > 0 ? ofType : this.sample.declarations, { type, name: "x" }).name;
  }

  private text(): string {
    const r = this.random;
    const kind = r.next();
    if (kind < 0.35) return this.vary(r.pick(this.sample.words, "ab").replace(/^[.,;:()"']+|[.,;:()"']+$/g, ""));
    if (kind < 0.65) {
      const name = [...r.pick(this.sample.packageNames, "ab")];
      const start = r.below(name.length);
      return this.vary(name.slice(start, start + 2 + r.below(5)).join(""));
    }
    if (kind < 0.8) return r.pick(AWKWARD_ARGUMENTS, "");
    return this.vary(r.pick(this.sample.packageNames, "ab"));
  }

  private prefix(): string {
    const r = this.random;
    if (r.chance(0.15)) return r.pick(AWKWARD_ARGUMENTS, "");
    // By code points: half a surrogate pair cannot be percent-encoded.
    const name = [...r.pick(r.chance(0.4) ? this.sample.baseNames : this.sample.packageNames, "a")];
    return this.vary(name.slice(0, 1 + r.below(name.length)).join(""));
  }

  /** One value, mostly as `arg=`, sometimes where the legacy expected no array. */
  private argument(value: string): string {
    const r = this.random;
    const name = r.chance(0.9) ? "arg" : r.pick(["arg[]", "arg[x]", "arg[][]"], "arg[]");
    return `${name}=${encodeURIComponent(value)}${r.chance(0.04) ? r.pick(RAW_BYTES, "") : ""}`;
  }

  /** Names, IDs and IDs no package can have; the same name spelled twice; several list forms. */
  private infoArguments(): string {
    const r = this.random;
    const count = r.pick([1, 1, 1, 2, 3, 5, 10, 20, 40], 1);
    const values: string[] = [];
    for (let i = 0; i < count; i++) {
      const kind = r.next();
      if (kind < 0.7) values.push(this.vary(r.pick(this.sample.packageNames, "a")));
      else if (kind < 0.85) values.push(this.idLiteral(r.pick(this.sample.packageIds, 1)));
      else if (kind < 0.93) values.push(r.pick(["0", "-1", "4294967296", " 1", "1.0", "0x1A", "1e2", "1e400", "abc", ""], "0"));
      else values.push(r.pick(this.sample.baseNames, "a"));
    }
    if (r.chance(0.15)) values.push(this.vary(values[0]!));
    const form = r.next();
    if (count === 1 && form < 0.5) return `arg=${encodeURIComponent(values[0]!)}`;
    if (form < 0.95) return values.map((v) => `arg[]=${encodeURIComponent(v)}`).join("&");
    // Explicit keys, some past 2^53 or at PHP_INT_MAX, after which PHP drops what arg[] appends.
    const first = r.pick([0n, 9007199254740993n, 9223372036854775806n], 0n);
    return values.map((v, i) => (i > 0 && r.chance(0.5) ? "arg[]" : `arg[${first + BigInt(i)}]`) + `=${encodeURIComponent(v)}`).join("&");
  }

  /** A package ID as a number PHP's is_numeric takes: as it is, or as MariaDB reads it the same or not. */
  private idLiteral(id: number): string {
    return this.random.pick([`${id}`, `${id}`, `${id}`, `${id}.0`, `${id}.00000000000000001`, `${id}e0`, `+${id}`, `00${id}`], `${id}`);
  }

  private malformed(): string[] {
    const r = this.random;
    const name = `arg=${encodeURIComponent(r.pick(this.sample.packageNames, "a"))}`;
    return r.pick(
      [
        ["type=get-comment-form", name],
        ["type=suggest_pkgbase", name],
        ["type=INFO", name],
        ["type=", name],
        ["type[]=info", name],
        ["type=info&type=search", name],
        ["type=search&by[]=name", name],
        ["type=search&by=NAME", name],
        ["type=search&by=", name],
        ["type=info"],
        ["type=search"],
        [name],
        ["type=info&arg"],
        ["type=search&arg[]=ab&arg=cd"],
        ["type=info;arg=x"],
      ],
      [name],
    );
  }

  /** The value as sampled, or changed the ways the collation and LIKE treat specially. */
  private vary(value: string): string {
    const r = this.random;
    const how = r.below(20);
    if (how === 0 || how === 1) return value.toUpperCase();
    if (how === 2) return value.charAt(0).toUpperCase() + value.slice(1);
    if (how === 3) return `${value} `;
    if (how === 4) return ` ${value}`;
    if (how === 5) return `${value}%`;
    if (how === 6) return value.replaceAll("-", "_");
    if (how === 7) return `${value}é`;
    if (how === 8) return `${value}\u{1F600}`;
    if (how === 9) return `${value}\\`;
    return value;
  }
}
