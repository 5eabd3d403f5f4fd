/**
 * The serving side of the archive directory: what each process reads to answer archive
 * requests. The manifest is read again when its file changed, checked at most every
 * CHECK_MS, so every process of a family serves a new build moments after it is published.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ARCHIVE_NAMES, type ArchiveName } from "./content.js";
import { MANIFEST, readManifest, type ArchiveEntry, type Manifest } from "./manifest.js";

const CHECK_MS = 100;

export interface PublishedArchive extends ArchiveEntry {
  /** Where the file is. */
  path: string;
}

export function isArchiveName(name: string): name is ArchiveName {
  return (ARCHIVE_NAMES as readonly string[]).includes(name);
}

export class ArchiveDirectory {
  private manifest: Manifest | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private version = "";
  private checking: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** The archive as published now; undefined before the first build. */
  async get(name: ArchiveName): Promise<PublishedArchive | undefined> {
    if (performance.now() - this.checkedAt >= CHECK_MS) await (this.checking ??= this.check().finally(() => (this.checking = undefined)));
    const entry = this.manifest?.[name];
    return entry && { ...entry, path: join(this.dir, entry.file) };
  }

  /** After a file named by the manifest could not be opened: a newer manifest may name another. */
  invalidate(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
  }

  private async check(): Promise<void> {
    this.checkedAt = performance.now();
    const info = await stat(join(this.dir, MANIFEST)).catch(() => undefined);
    const version = info ? `${info.ino}:${info.mtimeMs}:${info.size}` : "";
    if (version === this.version) return;
    this.manifest = await readManifest(this.dir);
    this.version = version;
  }
}
