/**
 * What each metadata archive holds, uncompressed, made from a snapshot as aurweb's
 * mkpkglists makes it from the database: the name lists as aurweb 5.0.0 wrote them (a
 * header line with the generation date, packaged bases only) in the legacy profile and as
 * today's aurweb writes them in the current one; the JSON archives in today's layout in
 * both. Row orders follow readmodel/row-order.ts. Nothing here knows of files or HTTP.
 */
import { fold } from "../collation/general-ci.js";
import { byFoldedName, byFoldedText, extendedDeclarationOrder, inArchiveListOrder, type ArchiveListOrder } from "../readmodel/row-order.js";
import type { Snapshot } from "../readmodel/snapshot.js";
import { filterInSteps, forEachInSteps, sortInSteps, STEP } from "../readmodel/steps.js";
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
  /** What one build leaves for the next: one per publisher, whose snapshot URI is fixed. */
  reuse: EncodedPackages;
}

/**
 * The JSON archives' encoded packages and the name order, kept from one build to the
 * next so that a build after a few changes encodes only what changed. The read model
 * shares unchanged packages and bases between snapshots (readmodel/reuse.ts): a package's
 * line holds while the package is the same object with the same base object at the same
 * revision (patched votes and flags bump it); its extended fields while the package and
 * base objects and the declaration tables are the same, or its declarations read the same.
 */
export class EncodedPackages {
  /**
   * Plain maps, refilled at each build with the packages it met, rather than weak maps, which
   * make the garbage collector's marking costlier at a hundred thousand entries, and would
   * keep the lines of packages gone from the snapshot for as long as anything held them.
   */
  private metaLines: Lines<{ revision: number; line: string }> = { last: new Map(), next: new Map() };
  private extendedFields: Lines<{ depends: DeclarationTable; relations: DeclarationTable; declarations: string; fields: string }> = { last: new Map(), next: new Map() };
  /** The last name order and the package list it was made from. */
  byName: { packages: readonly Package[]; sorted: Package[] } | undefined;

  metaLine(pkg: Package) {
    return kept(this.metaLines, pkg);
  }
  keepMetaLine(pkg: Package, value: { revision: number; line: string }) {
    this.metaLines.next.set(pkg, { base: pkg.base, ...value });
  }
  extendedFieldsOf(pkg: Package) {
    return kept(this.extendedFields, pkg);
  }
  keepExtendedFields(pkg: Package, value: { depends: DeclarationTable; relations: DeclarationTable; declarations: string; fields: string }) {
    this.extendedFields.next.set(pkg, { base: pkg.base, ...value });
  }

  /** Called after a build: what it met is what the next one may take over. */
  endBuild(): void {
    for (const lines of [this.metaLines, this.extendedFields] as Lines<object>[]) {
      lines.last = lines.next;
      lines.next = new Map();
    }
  }
}

/** What the last build left, and what this one met so far, by package; valid while the package's base is `base`. */
interface Lines<T> {
  last: Map<Package, T & { base: PackageBase }>;
  next: Map<Package, T & { base: PackageBase }>;
}

function kept<T>(lines: Lines<T>, pkg: Package): (T & { base: PackageBase }) | undefined {
  const entry = lines.next.get(pkg) ?? lines.last.get(pkg);
  return entry?.base === pkg.base ? entry : undefined;
}

/**
 * An archive's text: `header`, the line aurweb 5.0.0 dated (empty otherwise), then `body`
 * in chunks; an undefined chunk is a pause for the event loop. The header stays out of
 * the comparison that decides whether an archive changed.
 */
export interface ArchiveText {
  header: string;
  body: Generator<string | void, void>;
}

/** The size of the body's chunks, in characters. */
const CHUNK = 64 * 1024;

/** `lines`, joined with what each ends with, in chunks of about CHUNK. */
function* chunked(lines: Generator<string | void, void>): Generator<string | void, void> {
  let chunk = "";
  for (const line of lines) {
    if (typeof line !== "string") {
      yield;
      continue;
    }
    chunk += line;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

/** `%a, %d %b %Y %H:%M:%S GMT`, what aurweb 5.0.0's strftime wrote. */
const headerDate = (now: Date) => now.toUTCString();

export function archiveText(snapshot: Snapshot, name: ArchiveName, settings: ArchiveSettings, now: Date): ArchiveText {
  const legacy = settings.profile === "legacy";
  switch (name) {
    case "packages.gz":
      return legacy
        ? { header: `# AUR package list, generated on ${headerDate(now)}\n`, body: chunked(names(snapshot.scanOrder(settings.orders.legacyPackages))) }
        : { header: "", body: chunked(namesOf(packagesByName(snapshot, settings.reuse))) };
    case "pkgbase.gz": {
      const bases = legacy ? snapshot.bases.filter((b) => b.visible) : [...snapshot.bases];
      const order = legacy ? settings.orders.legacyBases : settings.orders.bases;
      const header = legacy ? `# AUR package base list, generated on ${headerDate(now)}\n` : "";
      return { header, body: chunked(namesOf(inArchiveListOrder(bases, order))) };
    }
    case "users.gz": {
      const header = legacy ? `# AUR user name list, generated on ${headerDate(now)}\n` : "";
      return { header, body: chunked(usernames(snapshot, settings.orders.users)) };
    }
    case "packages-meta-v1.json.gz":
      return { header: "", body: chunked(metaLines(snapshot, settings, false)) };
    case "packages-meta-ext-v1.json.gz":
      return { header: "", body: chunked(metaLines(snapshot, settings, true)) };
  }
}

function* names(items: readonly { name: string }[]): Generator<string | void, void> {
  for (let i = 0; i < items.length; i++) {
    if (i % STEP === 0) yield;
    yield `${items[i]!.name}\n`;
  }
}

function* namesOf(sorting: Generator<void, readonly { name: string }[]>): Generator<string | void, void> {
  yield* names(yield* sorting);
}

function* usernames(snapshot: Snapshot, order: ArchiveListOrder): Generator<string | void, void> {
  const users: { id: number; name: string; nameFold: string }[] = [];
  for (const [id, name] of snapshot.users()) users.push({ id, name, nameFold: order === "name" ? fold(name) : "" });
  yield;
  yield* namesOf(inArchiveListOrder(users, order));
}

/**
 * Every package, packaged or not, `ORDER BY Name`. Names are unique under the collation,
 * so the packages kept from the last order stay in that order, and only the others are
 * sorted and merged in.
 */
function* packagesByName(snapshot: Snapshot, reuse: EncodedPackages): Generator<void, Package[]> {
  const last = reuse.byName;
  if (last?.packages === snapshot.packages) return last.sorted;
  let sorted: Package[];
  if (!last) {
    sorted = yield* sortInSteps([...snapshot.packages], byFoldedName);
  } else {
    const current = new Set<Package>();
    yield* forEachInSteps(snapshot.packages, (pkg) => current.add(pkg));
    const kept = yield* filterInSteps(last.sorted, (pkg) => current.delete(pkg));
    const added = yield* sortInSteps([...current], byFoldedName);
    sorted = new Array<Package>(kept.length + added.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < sorted.length; k++) {
      sorted[k] = j >= added.length || (i < kept.length && byFoldedName(kept[i]!, added[j]!) <= 0) ? kept[i++]! : added[j++]!;
      if (k % STEP === 0) yield;
    }
  }
  reuse.byName = { packages: snapshot.packages, sorted };
  return sorted;
}

/** The JSON archives: `[`, one object a line, `,` after all but the last, `]` without a newline. */
function* metaLines(snapshot: Snapshot, settings: ArchiveSettings, extended: boolean): Generator<string | void, void> {
  const { reuse } = settings;
  const packages = yield* packagesByName(snapshot, reuse);
  let typeRanks: Map<string, number> | undefined;
  const ranks = () => (typeRanks ??= declarationTypeRanks(snapshot));
  yield "[\n";
  for (let i = 0; i < packages.length; i++) {
    if (i % STEP === 0) yield;
    const pkg = packages[i]!;
    const object = metaLine(pkg, settings);
    const line = extended ? `${object.slice(0, -1)}${extendedFieldsOf(snapshot, pkg, reuse, ranks)}}` : object;
    yield i < packages.length - 1 ? `${line},\n` : `${line}\n`;
  }
  yield "]";
}

function metaLine(pkg: Package, { reuse, snapshotUri }: ArchiveSettings): string {
  const found = reuse.metaLine(pkg);
  const line = found && found.revision === pkg.base.revision ? found.line : metaObject(pkg, snapshotUri);
  reuse.keepMetaLine(pkg, { revision: pkg.base.revision, line });
  return line;
}

function extendedFieldsOf(snapshot: Snapshot, pkg: Package, reuse: EncodedPackages, ranks: () => ReadonlyMap<string, number>): string {
  const { depends, relations } = snapshot.declarationTables;
  const found = reuse.extendedFieldsOf(pkg);
  if (found && found.depends === depends && found.relations === relations) {
    reuse.keepExtendedFields(pkg, found);
    return found.fields;
  }
  const declarations = [...snapshot.declarationsOf(pkg)];
  const key = declarationsKey(declarations, ranks());
  const fields = found && found.declarations === key ? found.fields : extendedFields(pkg, declarations, ranks());
  reuse.keepExtendedFields(pkg, { depends, relations, declarations: key, fields });
  return fields;
}

/** A package's declarations, in their rows' order, as one text that differs when any of them does. */
const declarationsKey = (declarations: readonly Declaration[], typeRanks: ReadonlyMap<string, number>) =>
  declarations.map((d) => `${d.type}\0${typeRanks.get(d.type)}\0${d.name}\0${d.condition ?? "\u0001"}`).join("\0\0");

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
