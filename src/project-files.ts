/**
 * Files the service reads from the repository at run time. `npm start` runs the compiled
 * copy in dist/ and the tests run the sources, so paths are taken from the repository's
 * root (the nearest directory above this module with a package.json), never relative to
 * the module itself.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const ROOT = repositoryRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the repository, from its root. */
export function repositoryPath(...segments: string[]): string {
  return join(ROOT, ...segments);
}
