/**
 * What each metadata archive holds, uncompressed, made from a snapshot as aurweb's
 * mkpkglists makes it from the database: the name lists as aurweb 5.0.0 wrote them (a
 * header line with the generation date, packaged bases only) in the legacy profile and as
 * today's aurweb writes them in the current one; the JSON archives in today's layout in
 * both. Row orders follow readmodel/row-order.ts. Nothing here knows of files or HTTP.
 *
 * A body comes in chunks of lines, cut where the lines' names say (`cutsOf`). A chunk
 * tells whether it is still the chunk an earlier build made (`sameAs`, from the packages,
 * bases, revisions or names its text was made from) without making its text, which it
 * makes only when it is not (`make`). What the publisher keeps of a chunk holds no line.
 */
import { fold } from "../collation/general-ci.js";
import { byFoldedName, byFoldedText, extendedDeclarationOrder, inArchiveListOrder, type ArchiveListOrder } from "../readmodel/row-order.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import { indexInAscending } from "../readmodel/sorted-search.js";
import { filterInSteps, forEachInSteps, sortInSteps, STEP, type Steps } from "../readmodel/steps.js";
import type { Declaration, DeclarationTable, Package, PackageBase, ScanOrder } from "../readmodel/types.js";
import { formatSnapshotUri } from "../rpc/rows.js";
import { orjsonFloat, orjsonString } from "./orjson.js";
import { DECLARATION_TYPE_KEYS } from "../rpc/declaration-keys.js";

export const ARCHIVE_NAMES = ["packages.gz", "pkgbase.gz", "users.gz", "packages-meta-v1.json.gz", "packages-meta-ext-v1.json.gz"] as const;
export type ArchiveName = (typeof ARCHIVE_NAMES)[number];

/** The orders of the lists whose SQL has no ORDER BY, read from their plans (plans.ts). */
export interface ArchiveOrders {
  /** aurweb 5.0.0's package list: packages joined to their packaged bases. */
  legacyPackages: ScanOrder;
  legacyBases: ArchiveListOrder;
  /** Both profiles' user lists: `SELECT Username FROM Users`. */
  users: ArchiveListOrder;
  /** Today's base list: `SELECT Name FROM PackageBases`. */
  bases: ArchiveListOrder;
}

export interface ArchiveSettings {
  profile: "legacy" | "current";
  /** SNAPSHOT_URI: `%s` is the package name. */
  snapshotUri: string;
  orders: ArchiveOrders;
  /** What one build leaves for the next: one per publisher. */
  kept: KeptLists;
  chunkLines: ChunkLines;
}

/**
 * How many lines a chunk holds on average: packages in the JSON archives, names in the
 * lists. A chunk starts from an empty window, so each costs some compression (about 1% of
 * the JSON archives' size at a thousand packages a chunk), and the text of a changed one
 * is made again whole.
 */
export interface ChunkLines {
  packages: number;
  names: number;
}

export const CHUNK_LINES: ChunkLines = { packages: 1024, names: 8192 };

type Named = { name: string };

/**
 * The lists a build leaves for the next, so that one after a vote neither sorts nor cuts
 * them again: a snapshot's lists change only with a new snapshot (votes and flags patched
 * in place change no name), and the name order of packages keeps the packages that stayed.
 */
export class KeptLists {
  /** The last name order of every package, and the package list it was made from. */
  byName: { packages: readonly Package[]; sorted: Package[] } | undefined;
  /** The base and user lists of the last build, with the snapshot and order they were made from. */
  readonly lists = new Map<ArchiveName, { snapshot: Snapshot; order: ArchiveListOrder; items: readonly Named[] }>();
  /** Where each list is cut into chunks (the index each chunk starts at), by list and average chunk length. */
  readonly cuts = new WeakMap<readonly Named[], Map<number, number[]>>();
}

/**
 * An archive's text: `header`, the line aurweb 5.0.0 dated (empty otherwise), then the
 * body in chunks; an undefined chunk is a pause for the event loop. The header stays out
 * of what decides whether an archive changed.
 */
export interface ArchiveText {
  header: string;
  chunks: Generator<Chunk | void, void>;
}

/**
 * A run of lines of an archive's body. Where chunks start depends on the lines' own names,
 * not on their positions (`cutsOf`), so a vote, an upload or a deletion changes the chunk
 * it falls in, seldom the one beside it, and none after them.
 */
export interface Chunk {
  /** What finds the same chunk in the last build: the name of its first line. */
  readonly key: string;
  /** Whether the text `kept` was made from (by make(), in an earlier build) is this chunk's text; it may bring `kept` up to date. */
  sameAs(kept: ChunkSource): Steps<boolean>;
  /** The chunk's text, in pieces (about a line each), and what it was made from. */
  make(): Steps<{ text: string[]; source: ChunkSource }>;
}

/**
 * What a chunk's text was made from, kept beside its compressed bytes. It holds nothing of
 * the snapshot but the packages and bases the chunk's text shows, which are current ones
 * as long as the chunk is kept (a chunk whose package left the snapshot is not the same).
 */
export type ChunkSource = NamesSource | PackagesSource | ConstantSource;

interface NamesSource {
  kind: "names";
  names: string[];
}

interface PackagesSource {
  kind: "meta" | "extended";
  first: boolean;
  last: boolean;
  packages: Package[];
  /** Each package's base and its revision: a vote or flag patched in place bumps it. */
  bases: PackageBase[];
  revisions: number[];
  /** The extended archive's: the declaration tables read. */
  depends?: DeclarationTable;
  relations?: DeclarationTable;
}

interface ConstantSource {
  kind: "constant";
  text: string;
}

/** `%a, %d %b %Y %H:%M:%S GMT`, what aurweb 5.0.0's strftime wrote. */
const headerDate = (now: Date) => now.toUTCString();

export function archiveText(snapshot: Snapshot, name: ArchiveName, settings: ArchiveSettings, now: Date): ArchiveText {
  const legacy = settings.profile === "legacy";
  const { kept, orders } = settings;
  const names = (listing: Steps<readonly Named[]>) => nameChunks(listing, settings);
  switch (name) {
    case "packages.gz":
      return legacy
        ? { header: `# AUR package list, generated on ${headerDate(now)}\n`, chunks: names(listed(snapshot.scanOrder(orders.legacyPackages))) }
        : { header: "", chunks: names(packagesByName(snapshot, kept)) };
    case "pkgbase.gz": {
      const order = legacy ? orders.legacyBases : orders.bases;
      const bases = () => (legacy ? snapshot.bases.filter((b) => b.visible) : [...snapshot.bases]);
      const header = legacy ? `# AUR package base list, generated on ${headerDate(now)}\n` : "";
      return { header, chunks: names(keptList(kept, name, snapshot, order, () => inArchiveListOrder(bases(), order))) };
    }
    case "users.gz": {
      const header = legacy ? `# AUR user name list, generated on ${headerDate(now)}\n` : "";
      return { header, chunks: names(keptList(kept, name, snapshot, orders.users, () => usersInOrder(snapshot, orders.users))) };
    }
    case "packages-meta-v1.json.gz":
      return { header: "", chunks: packageChunks(snapshot, settings, false) };
    case "packages-meta-ext-v1.json.gz":
      return { header: "", chunks: packageChunks(snapshot, settings, true) };
  }
}

/** A list at hand, where the others are sorted in steps. */
function* listed<T>(items: T[]): Steps<T[]> {
  return items;
}

/** The list of the last build while the snapshot and the order are the same, else `listing`'s. */
function* keptList(kept: KeptLists, name: ArchiveName, snapshot: Snapshot, order: ArchiveListOrder, listing: () => Steps<readonly Named[]>): Steps<readonly Named[]> {
  const last = kept.lists.get(name);
  if (last?.snapshot === snapshot && last.order === order) return last.items;
  const items = yield* listing();
  kept.lists.set(name, { snapshot, order, items });
  return items;
}

function* usersInOrder(snapshot: Snapshot, order: ArchiveListOrder): Steps<Named[]> {
  const users: { id: number; name: string; nameFold: string }[] = [];
  for (const [id, name] of snapshot.users()) {
    users.push({ id, name, nameFold: order === "name" ? fold(name) : "" });
    if (users.length % STEP === 0) yield;
  }
  return yield* inArchiveListOrder(users, order);
}

/**
 * Every package, packaged or not, `ORDER BY Name`. Names are unique under the collation,
 * so the packages kept from the last order stay in that order, and only the others are
 * sorted and merged in.
 */
function* packagesByName(snapshot: Snapshot, kept: KeptLists): Steps<Package[]> {
  const last = kept.byName;
  if (last?.packages === snapshot.packages) return last.sorted;
  let sorted: Package[];
  if (!last) {
    sorted = yield* sortInSteps([...snapshot.packages], byFoldedName);
  } else {
    const current = new Set<Package>();
    yield* forEachInSteps(snapshot.packages, (pkg) => current.add(pkg));
    const stayed = yield* filterInSteps(last.sorted, (pkg) => current.delete(pkg));
    const added = yield* sortInSteps([...current], byFoldedName);
    sorted = new Array<Package>(stayed.length + added.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < sorted.length; k++) {
      sorted[k] = j >= added.length || (i < stayed.length && byFoldedName(stayed[i]!, added[j]!) <= 0) ? stayed[i++]! : added[j++]!;
      if (k % STEP === 0) yield;
    }
  }
  kept.byName = { packages: snapshot.packages, sorted };
  return sorted;
}

/** A name's hash, FNV-1a with a final mix so that its low bits depend on every character. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Where `items` are cut into chunks: a chunk starts before an item whose name hashes to 0
 * modulo `average`, or after 4 × `average` items (about one chunk in fifty), which moves
 * no cut past the next one by name.
 */
function* cutsOf(items: readonly Named[], average: number, kept: KeptLists): Steps<number[]> {
  const known = kept.cuts.get(items)?.get(average);
  if (known) return known;
  const longest = 4 * average;
  const starts = items.length > 0 ? [0] : [];
  for (let i = 1; i < items.length; i++) {
    if (i - starts[starts.length - 1]! >= longest || nameHash(items[i]!.name) % average === 0) starts.push(i);
    if (i % STEP === 0) yield;
  }
  const byAverage = kept.cuts.get(items) ?? new Map<number, number[]>();
  kept.cuts.set(items, byAverage.set(average, starts));
  return starts;
}

/** The chunks of `items`, `make(start, end)` each. */
function* chunksOf<T extends Named>(items: readonly T[], average: number, kept: KeptLists, make: (start: number, end: number) => Chunk): Generator<Chunk | void, void> {
  const starts = yield* cutsOf(items, average, kept);
  for (let i = 0; i < starts.length; i++) yield make(starts[i]!, starts[i + 1] ?? items.length);
}

function* nameChunks(listing: Steps<readonly Named[]>, settings: ArchiveSettings): Generator<Chunk | void, void> {
  const items = yield* listing;
  yield* chunksOf(items, settings.chunkLines.names, settings.kept, (start, end) => new NameChunk(items, start, end));
}

/** Lines of names, each ending with a newline. */
class NameChunk implements Chunk {
  readonly key: string;

  constructor(
    private readonly items: readonly Named[],
    private readonly start: number,
    private readonly end: number,
  ) {
    this.key = items[start]!.name;
  }

  *sameAs(kept: ChunkSource): Steps<boolean> {
    if (kept.kind !== "names" || kept.names.length !== this.end - this.start) return false;
    for (let i = 0; i < kept.names.length; i++) {
      if (kept.names[i] !== this.items[this.start + i]!.name) return false;
      if (i % STEP === STEP - 1) yield;
    }
    return true;
  }

  *make(): Steps<{ text: string[]; source: ChunkSource }> {
    const names: string[] = [];
    const text: string[] = [];
    for (let i = this.start; i < this.end; i++) {
      const name = this.items[i]!.name;
      names.push(name);
      text.push(`${name}\n`);
      if (i % STEP === 0) yield;
    }
    return { text, source: { kind: "names", names } };
  }
}

/**
 * The JSON archives: `[`, one object a line, `,` after all but the last, `]` without a
 * newline; the first chunk holds the `[`, the last the `]`.
 */
function* packageChunks(snapshot: Snapshot, settings: ArchiveSettings, extended: boolean): Generator<Chunk | void, void> {
  const packages = yield* packagesByName(snapshot, settings.kept);
  if (packages.length === 0) {
    yield new ConstantChunk("[\n]");
    return;
  }
  const archive: JsonArchive = { snapshot, snapshotUri: settings.snapshotUri, extended, ranks: undefined };
  yield* chunksOf(packages, settings.chunkLines.packages, settings.kept, (start, end) => new PackageChunk(archive, packages, start, end));
}

/** Packages encoded between two yields: one of the extended archive takes up to a few tens of microseconds. */
const ENCODE_STEP = 16;

interface JsonArchive {
  snapshot: Snapshot;
  snapshotUri: string;
  extended: boolean;
  /** Each declaration type's place in the union, found when first needed. */
  ranks: Map<string, number> | undefined;
}

/** Lines of packages as JSON objects, the extended archive's with their declarations, groups, licenses, keywords and co-maintainers. */
class PackageChunk implements Chunk {
  readonly key: string;

  constructor(
    private readonly archive: JsonArchive,
    private readonly packages: readonly Package[],
    private readonly start: number,
    private readonly end: number,
  ) {
    this.key = packages[start]!.name;
  }

  private get kind() {
    return this.archive.extended ? "extended" : "meta";
  }

  private ranks() {
    return (this.archive.ranks ??= declarationTypeRanks(this.archive.snapshot));
  }

  /**
   * The same packages with the same bases at the same revisions; in the extended archive,
   * the same declaration tables too, or, when the tables were read again, the same rows for
   * these packages in both (the kept source then takes the new tables, for the next build).
   */
  *sameAs(kept: ChunkSource): Steps<boolean> {
    const { start, end, packages } = this;
    if (kept.kind !== "meta" && kept.kind !== "extended") return false;
    if (kept.kind !== this.kind || kept.first !== (start === 0) || kept.last !== (end === packages.length) || kept.packages.length !== end - start) return false;
    for (let i = 0; i < kept.packages.length; i++) {
      const pkg = packages[start + i]!;
      if (pkg !== kept.packages[i] || pkg.base !== kept.bases[i] || pkg.base.revision !== kept.revisions[i]) return false;
      if (i % STEP === STEP - 1) yield;
    }
    if (kept.kind === "meta") return true;
    const { depends, relations } = this.archive.snapshot.declarationTables;
    if (kept.depends === depends && kept.relations === relations) return true;
    if (!sameTypes(kept.depends!, depends) || !sameTypes(kept.relations!, relations)) return false;
    for (let i = start; i < end; i++) {
      const id = packages[i]!.id;
      if (!sameRows(kept.depends!, depends, id) || !sameRows(kept.relations!, relations, id)) return false;
      if (i % STEP === STEP - 1) yield;
    }
    kept.depends = depends;
    kept.relations = relations;
    return true;
  }

  *make(): Steps<{ text: string[]; source: ChunkSource }> {
    const { archive, start, end } = this;
    const { snapshot, snapshotUri, extended } = archive;
    const first = start === 0;
    const last = end === this.packages.length;
    const packages = this.packages.slice(start, end);
    const bases: PackageBase[] = [];
    const revisions: number[] = [];
    const text: string[] = first ? ["[\n"] : [];
    for (let i = 0; i < packages.length; i++) {
      const pkg = packages[i]!;
      bases.push(pkg.base);
      revisions.push(pkg.base.revision);
      let line = metaObject(pkg, snapshotUri);
      if (extended) {
        const declarations = [...snapshot.declarationsOf(pkg)];
        line = `${line.slice(0, -1)}${extendedFields(pkg, declarations, this.ranks())}}`;
      }
      text.push(last && i === packages.length - 1 ? `${line}\n]` : `${line},\n`);
      if (i % ENCODE_STEP === ENCODE_STEP - 1) yield;
    }
    const source: PackagesSource = { kind: this.kind, first, last, packages, bases, revisions };
    if (extended) {
      source.depends = snapshot.declarationTables.depends;
      source.relations = snapshot.declarationTables.relations;
    }
    return { text, source };
  }
}

/** A chunk of fixed text: the JSON archives without packages. */
class ConstantChunk implements Chunk {
  readonly key = "";

  constructor(private readonly text: string) {}

  *sameAs(kept: ChunkSource): Steps<boolean> {
    return kept.kind === "constant" && kept.text === this.text;
  }

  *make(): Steps<{ text: string[]; source: ChunkSource }> {
    return { text: [this.text], source: { kind: "constant", text: this.text } };
  }
}

/** Whether two versions of a declaration table name their types alike, so that a type ID means the same name and place in both. */
function sameTypes(a: DeclarationTable, b: DeclarationTable): boolean {
  const [x, y] = [a.columns.typeNames, b.columns.typeNames];
  if (x === y) return true;
  if (x.size !== y.size) return false;
  for (const [id, name] of x) if (y.get(id) !== name) return false;
  return true;
}

/** Whether a package's rows read the same in two versions of a declaration table: the same types, names and conditions, in the same order. */
function sameRows(a: DeclarationTable, b: DeclarationTable, packageId: number): boolean {
  if (a === b) return true;
  const i = indexInAscending(a.packageIds.length, (k) => a.packageIds[k]!, packageId);
  const j = indexInAscending(b.packageIds.length, (k) => b.packageIds[k]!, packageId);
  const count = i < 0 ? 0 : a.starts[i + 1]! - a.starts[i]!;
  if (count !== (j < 0 ? 0 : b.starts[j + 1]! - b.starts[j]!)) return false;
  for (let n = 0; n < count; n++) {
    const ra = a.order[a.starts[i]! + n]!;
    const rb = b.order[b.starts[j]! + n]!;
    if (a.columns.typeIds[ra] !== b.columns.typeIds[rb] || a.columns.names[ra] !== b.columns.names[rb] || a.columns.conditions[ra] !== b.columns.conditions[rb]) return false;
  }
  return true;
}

const nullable = (s: string | null) => (s === null ? "null" : orjsonString(s));

/** The fields of a package in the search result layout, in the order mkpkglists gives them. */
function metaObject(pkg: Package, snapshotUri: string): string {
  const base = pkg.base;
  return (
    `{"ID":${pkg.id},"Name":${orjsonString(pkg.name)},"PackageBaseID":${base.id},"PackageBase":${orjsonString(base.name)}` +
    `,"Version":${orjsonString(pkg.version)},"Description":${nullable(pkg.description)},"URL":${nullable(pkg.url)}` +
    `,"NumVotes":${base.numVotes},"Popularity":${orjsonFloat(base.popularity)}` +
    `,"OutOfDate":${base.outOfDateTS === null ? "null" : String(base.outOfDateTS)}` +
    `,"Maintainer":${nullable(base.maintainer)},"Submitter":${nullable(base.submitter)}` +
    `,"FirstSubmitted":${String(base.submittedTS)},"LastModified":${String(base.modifiedTS)}` +
    `,"URLPath":${orjsonString(formatSnapshotUri(snapshotUri, pkg.name))}}`
  );
}

/** Each declaration type's place in the union: dependency types by ID, then relation types by ID. */
function declarationTypeRanks(snapshot: Snapshot): Map<string, number> {
  const ranks = new Map<string, number>();
  const { depends, relations } = snapshot.declarationTables;
  for (const [id, name] of depends.columns.typeNames) ranks.set(name, id);
  for (const [id, name] of relations.columns.typeNames) ranks.set(name, 1_000_000 + id);
  return ranks;
}

/**
 * The extended archive's keys of one package, each present only when it has values, in
 * the order the union first yields them (see row-order.ts).
 */
function extendedFields(pkg: Package, declared: readonly Declaration[], typeRanks: ReadonlyMap<string, number>): string {
  const fields = new Map<string, string[]>();
  const add = (key: string, value: string) => {
    const list = fields.get(key);
    if (list) list.push(value);
    else fields.set(key, [value]);
  };
  const declarations = declared.map((d) => ({ ...d, typeRank: typeRanks.get(d.type) ?? Number.MAX_SAFE_INTEGER }));
  for (const d of extendedDeclarationOrder(declarations)) add(DECLARATION_TYPE_KEYS[d.type] ?? d.type, d.condition ? d.name + d.condition : d.name);
  for (const group of [...pkg.groups].sort(byFoldedText)) add("Groups", group);
  for (const license of [...pkg.licenses].sort(byFoldedText)) add("License", license);
  for (const keyword of pkg.base.keywords) add("Keywords", keyword);
  for (const username of pkg.base.comaintainers) add("CoMaintainers", username);
  let out = "";
  for (const [key, values] of fields) out += `,${orjsonString(key)}:[${values.map(orjsonString).join(",")}]`;
  return out;
}
