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
import { sortInSteps, STEP } from "../readmodel/steps.js";
import type { Package, ScanOrder } from "../readmodel/types.js";
import { formatSnapshotUri } from "../rpc/rows.js";
import { orjsonFloat, orjsonString } from "./orjson.js";

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
        : { header: "", body: chunked(namesOf(packagesByName(snapshot))) };
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
      return { header: "", body: chunked(metaLines(snapshot, settings.snapshotUri, false)) };
    case "packages-meta-ext-v1.json.gz":
      return { header: "", body: chunked(metaLines(snapshot, settings.snapshotUri, true)) };
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

/** Every package, packaged or not, `ORDER BY Name`. */
function* packagesByName(snapshot: Snapshot): Generator<void, Package[]> {
  return yield* sortInSteps([...snapshot.packages], byFoldedName);
}

/** The JSON archives: `[`, one object a line, `,` after all but the last, `]` without a newline. */
function* metaLines(snapshot: Snapshot, snapshotUri: string, extended: boolean): Generator<string | void, void> {
  const packages = yield* packagesByName(snapshot);
  const typeRanks = extended ? declarationTypeRanks(snapshot) : undefined;
  yield "[\n";
  for (let i = 0; i < packages.length; i++) {
    if (i % STEP === 0) yield;
    const pkg = packages[i]!;
    const object = metaObject(pkg, snapshotUri);
    const line = typeRanks ? `${object.slice(0, -1)}${extendedFields(snapshot, pkg, typeRanks)}}` : object;
    yield i < packages.length - 1 ? `${line},\n` : `${line}\n`;
  }
  yield "]";
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

/** The keys mkpkglists gives dependency and relation types; other types keep their name. */
const TYPE_KEYS: Record<string, string> = {
  depends: "Depends",
  makedepends: "MakeDepends",
  checkdepends: "CheckDepends",
  optdepends: "OptDepends",
  conflicts: "Conflicts",
  provides: "Provides",
  replaces: "Replaces",
};

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
function extendedFields(snapshot: Snapshot, pkg: Package, typeRanks: ReadonlyMap<string, number>): string {
  const fields = new Map<string, string[]>();
  const add = (key: string, value: string) => {
    const list = fields.get(key);
    if (list) list.push(value);
    else fields.set(key, [value]);
  };
  const declarations = [...snapshot.declarationsOf(pkg)].map((d) => ({ ...d, typeRank: typeRanks.get(d.type) ?? Number.MAX_SAFE_INTEGER }));
  for (const d of extendedDeclarationOrder(declarations)) add(TYPE_KEYS[d.type] ?? d.type, d.condition ? d.name + d.condition : d.name);
  for (const group of [...pkg.groups].sort(byFoldedText)) add("Groups", group);
  for (const license of [...pkg.licenses].sort(byFoldedText)) add("License", license);
  for (const keyword of pkg.base.keywords) add("Keywords", keyword);
  for (const username of pkg.base.comaintainers) add("CoMaintainers", username);
  let out = "";
  for (const [key, values] of fields) out += `,${orjsonString(key)}:[${values.map(orjsonString).join(",")}]`;
  return out;
}
