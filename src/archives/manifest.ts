/**
 * The archive directory's manifest: which file holds each archive now, its SHA-256 and
 * when it was built. The builder writes each archive to a file of its own, named by its
 * hash, then replaces the manifest (write and rename), so a reader sees either the old
 * set or the new one, and a file once named in a manifest never changes.
 */
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ArchiveName } from "./content.js";

export interface ArchiveEntry {
  /** File name in the directory. */
  file: string;
  /** SHA-256 of the gzip file, hex. */
  sha256: string;
  size: number;
  /** When this content was built (ms since the epoch). */
  builtAt: number;
  /**
   * SHA-256 over the SHA-256s of the body's chunks (the dated header left out), which
   * depend on nothing but the text: whether a new build changed anything, after a restart too.
   */
  bodyDigest: string;
}

export type Manifest = Partial<Record<ArchiveName, ArchiveEntry>>;

export const MANIFEST = "manifest.json";

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const temporary = join(dir, `.${MANIFEST}.${randomBytes(6).toString("hex")}`);
  await writeFile(temporary, JSON.stringify(manifest));
  await rename(temporary, join(dir, MANIFEST));
}
