/**
 * A small seeding API for the legacy tables, so a test can say in a few lines which
 * users, package bases and packages exist, and then derive every expected answer from
 * the values it chose (each `seed.*` call returns what it inserted).
 *
 *   const db = await createSeededDatabase("versions", async (seed) => {
 *     const alice = await seed.user("alice");
 *     const base = await seed.base({ name: "tool", maintainer: alice, popularity: 1.5 });
 *     return { tool: await seed.package({ base, name: "tool", licenses: ["MIT"] }) };
 *   });
 *
 * Rules of the defaults, chosen so a test only states what it is about:
 * - a base is visible to the RPC (has a packager) unless it says `packager: null`; the
 *   packager is the maintainer, or else the submitter, or else the user "packager"
 *   (created on first use);
 * - a base without `maintainer` is an orphan;
 * - rows are inserted in the order of the calls (and of the lists inside one call),
 *   which is the order the legacy SQL reads dependency and relation rows back.
 */
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import * as schema from "../../schema/index.js";
import { insertReferenceData, referenceData } from "../../schema/reference-data.js";
import { createLegacyDatabase } from "../../support/legacy-data.js";
import type { ScratchDatabase } from "../../support/database.js";

export type DependencyType = "depends" | "makedepends" | "checkdepends" | "optdepends";
export type RelationType = "conflicts" | "provides" | "replaces";

export interface SeededUser {
  id: number;
  name: string;
}

export interface BaseSpec {
  name: string;
  id?: number;
  /** Omitted or null: an orphan. */
  maintainer?: SeededUser | null;
  /** null: nobody packaged it yet, so the RPC must not show it. Defaults: see above. */
  packager?: SeededUser | null;
  submitter?: SeededUser | null;
  /** The NumVotes column; defaults to the number of `voters`. */
  numVotes?: number;
  /** Users with a PackageVotes row for this base. */
  voters?: SeededUser[];
  /** DECIMAL(10,6): at most six decimals survive. */
  popularity?: number;
  outOfDate?: number | null;
  submitted?: number;
  modified?: number;
  keywords?: string[];
  comaintainers?: SeededUser[];
}

export interface SeededBase {
  id: number;
  name: string;
  maintainer: SeededUser | null;
  packager: SeededUser | null;
  submitter: SeededUser | null;
  numVotes: number;
  popularity: number;
  outOfDate: number | null;
  submitted: number;
  modified: number;
  /** As inserted (not sorted). */
  keywords: string[];
  comaintainers: SeededUser[];
}

export interface DependencySpec {
  type: DependencyType;
  name: string;
  condition?: string | null;
  description?: string | null;
  arch?: string | null;
}

export interface RelationSpec {
  type: RelationType;
  name: string;
  condition?: string | null;
  arch?: string | null;
}

export interface PackageSpec {
  name: string;
  id?: number;
  /** The base to add the package to; omitted: a new base named like the package. */
  base?: SeededBase;
  /** Options of that new base (ignored when `base` is given). */
  baseSpec?: Omit<BaseSpec, "name"> & { name?: string };
  version?: string;
  description?: string | null;
  url?: string | null;
  /** Inserted in this order, right after the package. */
  depends?: DependencySpec[];
  relations?: RelationSpec[];
  /** Group and license names; a name not seen before gets the next group/license ID. */
  groups?: string[];
  licenses?: string[];
}

export interface SeededPackage {
  id: number;
  name: string;
  base: SeededBase;
  version: string;
  description: string | null;
  url: string | null;
  /** Every dependency/relation row of the package, in insertion order. */
  depends: Required<Pick<DependencySpec, "type" | "name" | "condition">>[];
  relations: Required<Pick<RelationSpec, "type" | "name" | "condition">>[];
  groups: string[];
  licenses: string[];
}

export type SeedDb = MySql2Database<typeof schema>;

const DEFAULT_SUBMITTED = 1_500_000_000;
const DEFAULT_MODIFIED = 1_600_000_000;

const dependencyTypeIds = new Map(referenceData.dependencyTypes.map((t) => [t.Name, t.ID]));
const relationTypeIds = new Map(referenceData.relationTypes.map((t) => [t.Name, t.ID]));

export class Seeder {
  /** Every package seeded so far, in insertion order. */
  readonly packages: SeededPackage[] = [];
  private readonly groupIds = new Map<string, number>();
  private readonly licenseIds = new Map<string, number>();
  private defaultPackager: SeededUser | undefined;
  private userCount = 0;

  private constructor(
    readonly db: SeedDb,
    readonly pool: mysql.Pool,
  ) {}

  /** Connects to an empty legacy database and inserts the reference rows. */
  static async open(databaseUrl: string): Promise<Seeder> {
    const pool = mysql.createPool({ uri: databaseUrl, connectionLimit: 2, charset: "UTF8MB4_GENERAL_CI" });
    const db = drizzle(pool, { schema, mode: "default" });
    await insertReferenceData(db);
    return new Seeder(db, pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async user(name: string, options: { id?: number } = {}): Promise<SeededUser> {
    const n = ++this.userCount;
    const [result] = await this.db.insert(schema.users).values({
      ID: options.id,
      Username: name,
      Email: `user${n}@example.org`,
      Passwd: "",
    });
    return { id: options.id ?? result.insertId, name };
  }

  /** Creates the group now, so it gets the next ID (groups are listed in ID order). */
  async group(name: string): Promise<number> {
    const known = this.groupIds.get(name);
    if (known !== undefined) return known;
    const [result] = await this.db.insert(schema.groups).values({ Name: name });
    this.groupIds.set(name, result.insertId);
    return result.insertId;
  }

  /** Creates the license now, so it gets the next ID (licenses are listed in ID order). */
  async license(name: string): Promise<number> {
    const known = this.licenseIds.get(name);
    if (known !== undefined) return known;
    const [result] = await this.db.insert(schema.licenses).values({ Name: name });
    this.licenseIds.set(name, result.insertId);
    return result.insertId;
  }

  async base(spec: BaseSpec): Promise<SeededBase> {
    const maintainer = spec.maintainer ?? null;
    const submitter = spec.submitter ?? null;
    const packager =
      spec.packager === undefined ? (maintainer ?? submitter ?? (await this.packagerUser())) : spec.packager;
    const voters = spec.voters ?? [];
    const base: SeededBase = {
      id: 0,
      name: spec.name,
      maintainer,
      packager,
      submitter,
      numVotes: spec.numVotes ?? voters.length,
      popularity: spec.popularity ?? 0,
      outOfDate: spec.outOfDate ?? null,
      submitted: spec.submitted ?? DEFAULT_SUBMITTED,
      modified: spec.modified ?? DEFAULT_MODIFIED,
      keywords: spec.keywords ?? [],
      comaintainers: spec.comaintainers ?? [],
    };
    const [result] = await this.db.insert(schema.packageBases).values({
      ID: spec.id,
      Name: base.name,
      NumVotes: base.numVotes,
      Popularity: base.popularity,
      OutOfDateTS: base.outOfDate,
      FlaggerComment: "",
      SubmittedTS: base.submitted,
      ModifiedTS: base.modified,
      SubmitterUID: submitter?.id ?? null,
      MaintainerUID: maintainer?.id ?? null,
      PackagerUID: packager?.id ?? null,
    });
    base.id = spec.id ?? result.insertId;
    if (voters.length > 0) {
      await this.db
        .insert(schema.packageVotes)
        .values(voters.map((u) => ({ UsersID: u.id, PackageBaseID: base.id, VoteTS: base.modified })));
    }
    if (base.keywords.length > 0) {
      await this.db
        .insert(schema.packageKeywords)
        .values(base.keywords.map((k) => ({ PackageBaseID: base.id, Keyword: k })));
    }
    if (base.comaintainers.length > 0) {
      await this.db
        .insert(schema.packageComaintainers)
        .values(base.comaintainers.map((u, i) => ({ UsersID: u.id, PackageBaseID: base.id, Priority: i + 1 })));
    }
    return base;
  }

  async package(spec: PackageSpec): Promise<SeededPackage> {
    const base = spec.base ?? (await this.base({ ...spec.baseSpec, name: spec.baseSpec?.name ?? spec.name }));
    const pkg: SeededPackage = {
      id: 0,
      name: spec.name,
      base,
      version: spec.version ?? "1.0-1",
      description: spec.description === undefined ? `${spec.name} description` : spec.description,
      url: spec.url === undefined ? null : spec.url,
      depends: [],
      relations: [],
      groups: spec.groups ?? [],
      licenses: spec.licenses ?? [],
    };
    const [result] = await this.db.insert(schema.packages).values({
      ID: spec.id,
      PackageBaseID: base.id,
      Name: pkg.name,
      Version: pkg.version,
      Description: pkg.description,
      URL: pkg.url,
    });
    pkg.id = spec.id ?? result.insertId;
    this.packages.push(pkg);
    for (const d of spec.depends ?? []) await this.dependency(pkg, d);
    for (const r of spec.relations ?? []) await this.relation(pkg, r);
    for (const g of pkg.groups) {
      await this.db.insert(schema.packageGroups).values({ PackageID: pkg.id, GroupID: await this.group(g) });
    }
    for (const l of pkg.licenses) {
      await this.db.insert(schema.packageLicenses).values({ PackageID: pkg.id, LicenseID: await this.license(l) });
    }
    return pkg;
  }

  /** One PackageDepends row, inserted now (so after every row inserted before). */
  async dependency(pkg: SeededPackage, spec: DependencySpec): Promise<void> {
    await this.db.insert(schema.packageDepends).values({
      PackageID: pkg.id,
      DepTypeID: dependencyTypeIds.get(spec.type)!,
      DepName: spec.name,
      DepDesc: spec.description ?? null,
      DepCondition: spec.condition ?? null,
      DepArch: spec.arch ?? null,
    });
    pkg.depends.push({ type: spec.type, name: spec.name, condition: spec.condition ?? null });
  }

  /** One PackageRelations row, inserted now. */
  async relation(pkg: SeededPackage, spec: RelationSpec): Promise<void> {
    await this.db.insert(schema.packageRelations).values({
      PackageID: pkg.id,
      RelTypeID: relationTypeIds.get(spec.type)!,
      RelName: spec.name,
      RelCondition: spec.condition ?? null,
      RelArch: spec.arch ?? null,
    });
    pkg.relations.push({ type: spec.type, name: spec.name, condition: spec.condition ?? null });
  }

  private async packagerUser(): Promise<SeededUser> {
    return (this.defaultPackager ??= await this.user("packager"));
  }
}

export interface SeededDatabase<T> {
  db: ScratchDatabase;
  /** Whatever the build function returned: the seeded rows the test refers to. */
  data: T;
}

/** A scratch database with the production schema, filled by `build`. */
export async function createSeededDatabase<T>(label: string, build: (seed: Seeder) => Promise<T>): Promise<SeededDatabase<T>> {
  const db = await createLegacyDatabase(label);
  try {
    const seed = await Seeder.open(db.url);
    try {
      return { db, data: await build(seed) };
    } finally {
      await seed.close();
    }
  } catch (error) {
    await db.drop();
    throw error;
  }
}
